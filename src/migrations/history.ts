import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { sql, type Kysely } from 'kysely';
import type { Engine } from '../config/index.js';
import { engineEntry } from '../dialects/registry.js';
import { isAbsentTable } from '../dialects/absent-table.js';
import { EventdbError, messageOf } from '../errors.js';
import type { Connection, MigrationSuccess } from '../dialects/types.js';
import { VERSION } from '../version.js';
import type { HistoryRow } from './types.js';

export const HISTORY_TABLE = 'eventdb_migrations';
export const LOG_TABLE = 'eventdb_migration_log';

/**
 * `db` with eventdb's own tables qualified by the connection's schema (Connection.ownSchema), so
 * a search_path a migration set cannot misdirect them; `db` itself where the engine has none.
 */
export function ownTables<T extends Kysely<any>>(conn: { ownSchema?: string }, db: T): T {
  return (conn.ownSchema ? db.withSchema(conn.ownSchema) : db) as T;
}


/** Creates the history and log tables when absent (idempotent). */
export async function ensureHistory(db: Kysely<any>, engine: Engine): Promise<void> {
  for (const q of historyTableBuilders(db, engine)) await q.execute();
}

/**
 * Creates the history and log tables when absent, both in one transaction (one commit): where the
 * connection runs a script of many statements in one query (Connection.wholeScripts: PostgreSQL's simple
 * protocol, where such a query is one transaction), both statements go in one round trip instead of
 * BEGIN, two statements and COMMIT (issue 18). Its caller (migrateUp) has already refused a connection
 * with nowhere to create them (Connection.noSchema).
 */
export async function ensureHistoryTables(conn: Pick<Connection, 'db' | 'engine' | 'ownSchema' | 'wholeScripts'>): Promise<void> {
  if (conn.wholeScripts) {
    const compiled = historyTableBuilders(ownTables(conn, conn.db), conn.engine).map((q) => q.compile());
    if (compiled.every((c) => c.parameters.length === 0)) {
      await sql.raw(compiled.map((c) => c.sql).join(';\n')).execute(conn.db);
      return;
    }
  }
  await conn.db.transaction().execute((trx) => ensureHistory(ownTables(conn, trx), conn.engine));
}

function historyTableBuilders(db: Kysely<any>, engine: Engine) {
  const ts = sql.raw(engineEntry(engine).timestampType);
  return [
    db.schema
      .createTable(HISTORY_TABLE)
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('checksum', 'text', (c) => c.notNull())
      .addColumn('applied_at', ts, (c) => c.notNull())
      .addColumn('duration_ms', 'integer', (c) => c.notNull())
      .addColumn('applied_by', 'text', (c) => c.notNull())
      .addColumn('eventdb_version', 'text', (c) => c.notNull())
      .addColumn('batch', 'integer', (c) => c.notNull())
      .addColumn('file', 'text')
      .addColumn('kind', 'text'),
    db.schema
      .createTable(LOG_TABLE)
      .ifNotExists()
      .addColumn('attempt_id', 'text', (c) => c.primaryKey())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('direction', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('checksum', 'text')
      .addColumn('started_at', ts, (c) => c.notNull())
      .addColumn('duration_ms', 'integer')
      .addColumn('batch', 'integer')
      .addColumn('applied_by', 'text', (c) => c.notNull())
      .addColumn('eventdb_version', 'text', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('statement', 'text')
      .addColumn('cleared_at', ts),
  ];
}

/**
 * Whether eventdb's history table is there. Only the engine saying the table (or its schema) does not
 * exist means "no history"; any other failure (no SELECT privilege, a locked file) is an error, never
 * taken for an empty history: `migrate up` would otherwise plan every migration again.
 */
export async function historyExists(db: Kysely<any>): Promise<boolean> {
  try {
    await db.selectFrom(HISTORY_TABLE).select('id').limit(1).execute();
    return true;
  } catch (e) {
    if (isAbsentTable(e)) return false;
    throw new EventdbError('HISTORY_UNREADABLE', `cannot read the migration history (${HISTORY_TABLE}): ${messageOf(e)}`, `give this user SELECT, INSERT and UPDATE on ${HISTORY_TABLE} and ${LOG_TABLE}, or connect as their owner; nothing was changed`, { cause: e });
  }
}

const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : v == null ? '' : new Date(String(v)).toISOString());

/** Applied migrations in the order they were applied. */
export async function readHistory(db: Kysely<any>): Promise<HistoryRow[]> {
  const rows = await db.selectFrom(HISTORY_TABLE).select(['id', 'checksum', 'applied_at', 'duration_ms', 'applied_by', 'eventdb_version', 'batch']).orderBy('batch').orderBy('applied_at').execute();
  return rows.map((r) => ({
    id: String(r.id),
    checksum: String(r.checksum),
    applied_at: iso(r.applied_at),
    duration_ms: Number(r.duration_ms),
    applied_by: String(r.applied_by),
    eventdb_version: String(r.eventdb_version),
    batch: Number(r.batch),
  }));
}

let who: string | undefined;
export function appliedBy(): string {
  if (who) return who;
  let user = process.env.USER ?? process.env.USERNAME ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    /* no passwd entry (containers) */
  }
  return (who = `${user}@${hostname()}`);
}

export interface AttemptRecord {
  id: string;
  direction: 'up' | 'down' | 'baseline' | 'repair';
  outcome: 'applied' | 'rolled_back' | 'failed' | 'baselined' | 'repaired';
  checksum?: string;
  startedAt: Date;
  durationMs?: number;
  batch?: number;
  error?: string;
  statement?: string;
}

export async function logAttempt(db: Kysely<any>, a: AttemptRecord): Promise<void> {
  await db
    .insertInto(LOG_TABLE)
    .values({
      attempt_id: randomUUID(),
      id: a.id,
      direction: a.direction,
      outcome: a.outcome,
      checksum: a.checksum ?? null,
      started_at: a.startedAt.toISOString(),
      duration_ms: a.durationMs === undefined ? null : Math.round(a.durationMs),
      batch: a.batch ?? null,
      applied_by: appliedBy(),
      eventdb_version: VERSION,
      error: a.error ?? null,
      statement: a.statement ?? null,
    })
    .execute();
}

export async function recordApplied(db: Kysely<any>, r: { id: string; checksum: string; appliedAt: Date; durationMs: number; batch: number; file: string; kind: string }): Promise<void> {
  await db
    .insertInto(HISTORY_TABLE)
    .values({
      id: r.id,
      checksum: r.checksum,
      applied_at: r.appliedAt.toISOString(),
      duration_ms: Math.round(r.durationMs),
      applied_by: appliedBy(),
      eventdb_version: VERSION,
      batch: r.batch,
      file: r.file,
      kind: r.kind,
    })
    .execute();
}

export async function removeApplied(db: Kysely<any>, id: string): Promise<void> {
  await db.deleteFrom(HISTORY_TABLE).where('id', '=', id).execute();
}

export async function nextBatch(db: Kysely<any>): Promise<number> {
  const r = await db.selectFrom(HISTORY_TABLE).select((eb) => eb.fn.max('batch').as('b')).executeTakeFirst();
  return Number(r?.b ?? 0) + 1;
}

export interface FailedAttempt {
  id: string;
  /** `up` (applying it failed) or `down` (rolling it back failed: it stays applied). */
  direction: 'up' | 'down';
  startedAt: string;
  error: string;
  statement?: string;
}

/** Log outcomes that settle an earlier failed attempt of the same migration. */
const SUCCESS_OUTCOMES = ['applied', 'rolled_back', 'baselined'];

/**
 * The one rule for which failed attempts still count (status, validate, health-check, prepare): a
 * failed attempt not cleared by `migrate repair` counts until the same migration later succeeds —
 * applied, rolled back or baselined (a log row, or its history row, from the failure's time on).
 * `successes` lists, per migration, when it succeeded.
 */
export function outstandingFailures(failed: FailedAttempt[], successes: Array<{ id: string; at: string }>): FailedAttempt[] {
  const last = new Map<string, string>();
  for (const s of successes) if (s.at && (last.get(s.id) ?? '') < s.at) last.set(s.id, s.at);
  return failed.filter((f) => {
    const ok = last.get(f.id);
    return ok === undefined || ok < f.startedAt;
  });
}

/** Failed attempts that still count (see outstandingFailures), oldest first. */
export async function failedAttempts(db: Kysely<any>): Promise<FailedAttempt[]> {
  let rows;
  try {
    rows = await db
      .selectFrom(LOG_TABLE)
      .select(['id', 'outcome', 'direction', 'started_at', 'error', 'statement'])
      .where((eb) => eb.or([eb.and([eb('outcome', '=', 'failed'), eb('cleared_at', 'is', null)]), eb('outcome', 'in', SUCCESS_OUTCOMES)]))
      .orderBy('started_at')
      .execute();
  } catch {
    return [];
  }
  const failed: FailedAttempt[] = [];
  const successes: Array<{ id: string; at: string }> = [];
  for (const r of rows) {
    if (r.outcome === 'failed') failed.push({ id: String(r.id), direction: r.direction === 'down' ? 'down' : 'up', startedAt: iso(r.started_at), error: String(r.error ?? ''), statement: r.statement == null ? undefined : String(r.statement) });
    else successes.push({ id: String(r.id), at: iso(r.started_at) });
  }
  if (!failed.length) return [];
  const applied = await db.selectFrom(HISTORY_TABLE).select(['id', 'applied_at']).execute().catch(() => []);
  for (const h of applied) successes.push({ id: String(h.id), at: iso(h.applied_at) });
  return outstandingFailures(failed, successes);
}

export async function clearFailedAttempts(db: Kysely<any>): Promise<number> {
  const r = await db.updateTable(LOG_TABLE).set({ cleared_at: new Date().toISOString() }).where('outcome', '=', 'failed').where('cleared_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows ?? 0);
}

export interface SuccessRecord {
  id: string;
  checksum: string;
  startedAt: Date;
  durationMs: number;
  batch: number;
  file: string;
  kind: string;
}

/** A successful `up`'s history and log row values (Connection.applyMigrationFast, recordMigrationSuccess). */
export function successRow(r: Omit<SuccessRecord, 'durationMs'>, schema?: string): MigrationSuccess {
  return { historyTable: HISTORY_TABLE, logTable: LOG_TABLE, schema, id: r.id, checksum: r.checksum, startedAt: r.startedAt.toISOString(), appliedBy: appliedBy(), version: VERSION, batch: r.batch, file: r.file, kind: r.kind, attemptId: randomUUID() };
}

/**
 * Records a successful `up` — its history row and its log row — in the caller's transaction: in one
 * statement where the connection has one (Connection.recordMigrationSuccess), else two inserts.
 */
export async function recordSuccess(db: Kysely<any>, conn: Pick<Connection, 'recordMigrationSuccess' | 'ownSchema'>, r: SuccessRecord): Promise<void> {
  if (conn.recordMigrationSuccess) return conn.recordMigrationSuccess(db, { ...successRow(r, conn.ownSchema), durationMs: r.durationMs });
  await recordApplied(db, { id: r.id, checksum: r.checksum, appliedAt: r.startedAt, durationMs: r.durationMs, batch: r.batch, file: r.file, kind: r.kind });
  await logAttempt(db, { id: r.id, direction: 'up', outcome: 'applied', checksum: r.checksum, startedAt: r.startedAt, durationMs: r.durationMs, batch: r.batch });
}
