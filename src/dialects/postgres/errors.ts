import { EventdbError, messageOf } from '../../errors.js';
import type { PostgresParams } from '../../config/url.js';

/** Maps a driver error raised while connecting to a one-line EventdbError with a hint. */
export function connectError(e: unknown, p: PostgresParams, timeoutMs: number): EventdbError {
  const err = e as { code?: string; message?: string };
  const where = `${p.host}:${p.port}`;
  const msg = messageOf(e);
  if (err.code === '28P01' || err.code === '28000') {
    return new EventdbError('AUTH', `authentication failed for user "${p.user ?? ''}" at ${where}`, 'check the user and password in the database URL', { cause: e });
  }
  if (err.code === '3D000') {
    return new EventdbError('DB_NOT_FOUND', `database "${p.database}" does not exist at ${where}`, `create it (createdb ${p.database}) or fix the database name in the URL`, { cause: e });
  }
  if (err.code === 'ECONNREFUSED') {
    return new EventdbError('CONNECT', `cannot connect to PostgreSQL at ${where}: connection refused`, 'is the server running? check the host and port in the database URL', { cause: e });
  }
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') {
    return new EventdbError('CONNECT', `cannot connect to PostgreSQL at ${where}: host not found`, 'check the host name in the database URL', { cause: e });
  }
  if (/timeout|timed out/i.test(msg)) {
    return new EventdbError('CONNECT', `cannot connect to PostgreSQL at ${where}: no answer within ${(timeoutMs / 1000).toFixed(1)} s`, 'check that the host is reachable, or raise EVENTDB_CONNECT_TIMEOUT', { cause: e });
  }
  if (/ssl|certificate/i.test(msg)) {
    return new EventdbError('CONNECT', `cannot connect to PostgreSQL at ${where}: ${msg}`, 'check sslmode in the URL (sslmode=disable for a local server without TLS)', { cause: e });
  }
  return new EventdbError('CONNECT', `cannot connect to PostgreSQL at ${where}: ${msg}`, 'check the database URL and that the server accepts connections', { cause: e });
}

/**
 * A session without a current schema: its search_path names no schema that exists, or none this role
 * may use (`?options=-c search_path=auth` before a migration creates `auth`). PostgreSQL would refuse
 * eventdb's history table with "no schema has been selected to create in" (Connection.noSchema).
 */
export function noSchemaError(searchPath: string, database: string): EventdbError {
  return new EventdbError('CONFIG', `the connection has no schema to create eventdb's tables in: its search_path (${searchPath}) names no schema of database "${database}" that exists and this role may use`, 'create the schema first (e.g. CREATE SCHEMA auth) and grant this role USAGE and CREATE on it, or take search_path out of the URL until a migration has created it');
}

/** The first error in `e`'s `cause` chain (itself included) that carries a SQLSTATE: PostgreSQL's own. */
function serverError(e: unknown): { code: string; detail?: unknown; hint?: unknown } | undefined {
  for (let x = e, depth = 0; x !== null && typeof x === 'object' && depth < 8; x = (x as { cause?: unknown }).cause, depth++) {
    const code = (x as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return x as { code: string };
  }
  return undefined;
}

/** The SQLSTATE of a PostgreSQL error, or of the first error in its `cause` chain that has one. */
function sqlState(e: unknown): string | undefined {
  return serverError(e)?.code;
}

/** `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name`: the index's name as written. */
const CONCURRENT_INDEX = /^\s*create\s+(?:unique\s+)?index\s+concurrently\s+(?:if\s+not\s+exists\s+)?((?:"(?:[^"]|"")+"|[\w$]+)(?:\.(?:"(?:[^"]|"")+"|[\w$]+))?)/i;

/**
 * A failed `CREATE INDEX CONCURRENTLY` (a no-transaction migration) leaves its index behind INVALID when
 * the build itself failed (an error without a position: duplicates for a unique index, a deadlock, a
 * cancel); the next run then meets "already exists" (42P07). Both get the way out: drop the INVALID index.
 */
function concurrentIndexHint(e: unknown, statement: string | undefined): string | undefined {
  const name = statement ? CONCURRENT_INDEX.exec(statement)?.[1] : undefined;
  const err = serverError(e);
  if (!name || !err) return undefined;
  const drop = `DROP INDEX CONCURRENTLY IF EXISTS ${name}`;
  if (err.code === '42P07') return `if an earlier failed build left ${name} INVALID (\\d shows it so; pg_index.indisvalid is false), drop it — ${drop} — then run again; a valid one of that name is another index: rename one of them`;
  if ((err as { position?: unknown }).position === undefined) return `a failed CREATE INDEX CONCURRENTLY leaves the index behind, INVALID (it slows writes and is never used): fix the cause, drop it — ${drop} — then run again`;
  return undefined;
}

/** PostgreSQL's DETAIL and HINT lines are cut to this many characters (a failing row's values can be long). */
const NOTE_CHARS = 300;

/**
 * PostgreSQL's own DETAIL and HINT of an error a migration raised (Connection.migrationErrorNotes):
 * what psql prints below the message — `Key (email)=(a@b.c) is duplicated.`, `view v depends on table
 * t`, `Use DROP ... CASCADE …` — on one line each (a DETAIL of several lines joined with "; "), cut to NOTE_CHARS.
 */
export function pgMigrationErrorNotes(e: unknown): { detail?: string; hint?: string } {
  const err = serverError(e);
  const one = (v: unknown) => {
    if (typeof v !== 'string' || !v.trim()) return undefined;
    // Lines joined with "; " (PostgreSQL lists one dependent object per line), other whitespace collapsed.
    const t = v.split(/\r?\n/).map((l) => l.replace(/\s+/g, ' ').trim()).filter(Boolean).join('; ');
    return t.length > NOTE_CHARS ? `${t.slice(0, NOTE_CHARS - 1)}…` : t;
  };
  const detail = one(err?.detail);
  const hint = one(err?.hint);
  return { ...(detail ? { detail } : {}), ...(hint ? { hint } : {}) };
}

/**
 * Advice for the errors a history written for another tool meets when each migration runs in a
 * transaction (Connection.migrationErrorHint): 25001, a statement PostgreSQL refuses inside a
 * transaction block (CREATE INDEX CONCURRENTLY, VACUUM, CREATE DATABASE, ALTER SYSTEM …); 55P04, an
 * enum value used in the transaction that added it (ALTER TYPE … ADD VALUE).
 */
export function pgMigrationErrorHint(e: unknown, m: { kind: 'sql' | 'ts'; transaction: boolean; statement?: string }): string | undefined {
  if (!m.transaction) return concurrentIndexHint(e, m.statement);
  const outside = m.kind === 'sql' ? 'mark the migration `-- eventdb:no-transaction` (a header line before `-- eventdb:up`)' : 'set `transaction: false` in the migration\'s `meta`';
  const code = sqlState(e);
  if (code === '25001') return `run it outside a transaction: put the statement alone in a migration and ${outside}; \`eventdb migrate lint\` finds these before they run`;
  if (code === '55P04') return `a value added by ALTER TYPE … ADD VALUE cannot be used until its transaction commits: move the statements that use it into a later migration, or ${outside}`;
  return undefined;
}
