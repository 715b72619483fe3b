import { sql, type KyselyPlugin, type Kysely, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type RootOperationNode, type UnknownRow } from 'kysely';
import type { Engine } from '../config/index.js';
import { EventdbError, messageOf } from '../errors.js';
import { lexSplit } from './lex-split.js';
import { splitScript, splitStatements, stripComments } from './split.js';
import type { Connection } from '../dialects/types.js';
import type { ScriptPiece } from './lex-split.js';
import { loadTsMigration } from './ts-module.js';
import type { Direction, Migration, ScriptContext } from './types.js';

/** Raised inside a step: which statement failed and the engine's own message. */
export class StepError extends Error {
  constructor(
    readonly statement: string | undefined,
    readonly engineMessage: string,
    override readonly cause: unknown,
  ) {
    super(engineMessage);
  }
}

/**
 * Runs SQL text the way the engine runs a script, inside whatever transaction `db` is:
 * PostgreSQL gets the whole text in one simple-protocol query (many statements, `$$` bodies) — or
 * statement by statement outside a transaction, since a multi-statement query is itself a
 * transaction; SQLite and DuckDB run in-process, statement by statement as split by the parser, so
 * a failure names its statement exactly.
 */
export async function executeScript(db: Kysely<any>, engine: Engine, text: string, inTransaction: boolean, record?: (s: string) => void): Promise<void> {
  const pieces = await splitScript(text, engine);
  for (const p of pieces) record?.(p.text);
  if (!pieces.length) return; // an explicit no-op section
  if (engine === 'postgres' && inTransaction) {
    try {
      await sql.raw(text).execute(db);
    } catch (e) {
      throw new StepError(statementAt(pieces, errorPosition(e)), messageOf(e), e);
    }
    return;
  }
  for (const p of pieces) {
    try {
      await sql.raw(p.text).execute(db);
    } catch (e) {
      throw new StepError(p.text, messageOf(e), e);
    }
  }
}

/** PostgreSQL reports the 1-based character position of an error in the query text (0-based here). */
export function errorPosition(e: unknown): number | undefined {
  const pos = Number((e as { position?: string }).position);
  return Number.isFinite(pos) && pos > 0 ? pos - 1 : undefined;
}

/** The statement holding character `pos` of the script (the only one when the engine gave no position). */
export function statementAt(pieces: ScriptPiece[], pos: number | undefined): string | undefined {
  if (pos === undefined) return pieces.length === 1 ? pieces[0]!.text : undefined;
  for (const p of pieces) if (pos < p.offset + p.text.length) return p.text;
  return pieces[pieces.length - 1]?.text;
}

/**
 * PostgreSQL, a transactional SQL migration, applied in one round trip: `BEGIN`, the section's text,
 * the statement that writes its history and log rows (`recordSql`), `COMMIT` — one simple-protocol
 * query on one session, so the migration and its records commit together or not at all; before
 * the record, the session settings the migration changed are reset (`reset`). On failure
 * the session's transaction is rolled back and the failing statement located from the server's
 * error position. Returns false (nothing sent) when the text is not lexically complete (an
 * unterminated quote or comment, a BEGIN ATOMIC body): the caller runs it the ordinary way.
 */
export async function applyPgOneTrip(db: Kysely<any>, text: string, recordSql: string, reset: readonly string[] = []): Promise<boolean> {
  if (!lexSplit(text, 'postgres')) return false;
  const head = 'begin;\n';
  // The session is reset (search_path, role, timeouts a migration set) before eventdb's own statement.
  const query = `${head}${text}\n;\n${reset.map((r) => `${r};\n`).join('')}${recordSql};\ncommit`;
  await db.connection().execute(async (c) => {
    try {
      await sql.raw(query).execute(c);
    } catch (e) {
      await sql.raw('rollback').execute(c).catch(() => undefined);
      const pos = errorPosition(e);
      const at = pos === undefined ? undefined : pos - head.length;
      const stmt = at !== undefined && (at < 0 || at >= text.length) ? undefined : statementAt(await splitScript(text, 'postgres'), at);
      throw new StepError(stmt, messageOf(e), e);
    }
  });
  return true;
}

/**
 * SQLite, a transactional SQL migration, with the fewest calls: `begin`, the whole section in one
 * `exec`, then its history and log rows (`recordSql`, given the section's duration) and `commit` in
 * a second — the same transaction as ever, without a prepare and a Kysely round per statement. On
 * failure the transaction is rolled back and, only then, the section is split to name the failing
 * statement: its statements are run one by one in a transaction that is rolled back too. Returns
 * false (nothing run) when the text is not lexically complete or the record cannot be written as
 * literal SQL: the caller runs it the ordinary way.
 */
export async function applySqliteOneCall(exec: (sql: string) => void, text: string, recordSql: (durationMs: number) => string | undefined, reset: readonly string[] = []): Promise<boolean> {
  if (!lexSplit(text, 'sqlite')) return false;
  const t0 = performance.now();
  exec('begin');
  let failedInSection = true;
  try {
    exec(text);
    failedInSection = false;
    const record = recordSql(performance.now() - t0);
    if (record === undefined) {
      exec('rollback');
      return false;
    }
    exec(`${record};\ncommit`);
  } catch (e) {
    try {
      exec('rollback');
    } catch {
      /* a statement of the section may have ended the transaction itself */
    }
    throw new StepError(failedInSection ? await failingStatement(exec, text) : undefined, messageOf(e), e);
  } finally {
    // After the commit: pragmas such as foreign_keys take effect only outside a transaction.
    if (reset.length) {
      try {
        exec(reset.join(';\n'));
      } catch {
        /* restored again after the next migration */
      }
    }
  }
  return true;
}

/** Which statement of a failed SQLite section fails: each run alone, in a transaction rolled back. */
async function failingStatement(exec: (sql: string) => void, text: string): Promise<string | undefined> {
  const pieces = await splitScript(text, 'sqlite');
  if (pieces.length === 1) return pieces[0]!.text;
  try {
    exec('begin');
  } catch {
    return undefined;
  }
  try {
    for (const p of pieces) {
      try {
        exec(p.text);
      } catch {
        return p.text;
      }
    }
    return undefined;
  } finally {
    try {
      exec('rollback');
    } catch {
      /* already rolled back by the failing statement */
    }
  }
}

/** A Kysely plugin that records the SQL of every query a TS migration sends, as the engine receives it. */
export class CapturePlugin implements KyselyPlugin {
  constructor(
    private readonly db: Kysely<any>,
    private readonly record: (s: string) => void,
  ) {}
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const compiled = this.db.getExecutor().compileQuery(args.node, args.queryId);
    const params = compiled.parameters.length ? `  -- parameters: ${JSON.stringify(compiled.parameters)}` : '';
    this.record(`${compiled.sql}${params}`);
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/**
 * Runs one migration in one direction on `db` (a transaction, or the database for no-transaction
 * migrations). `record` receives each statement as it is sent.
 */
export async function runMigration(db: Kysely<any>, engine: Engine, m: Migration, direction: Direction, inTransaction: boolean, record?: (s: string) => void): Promise<void> {
  if (m.kind === 'sql') {
    const text = direction === 'up' ? m.sql!.up : m.sql!.down;
    if (text === undefined) throw noDown(m);
    await executeScript(db, engine, text, inTransaction, record);
    return;
  }
  const mod = await loadTsMigration(m.file);
  const fn = direction === 'up' ? mod.migration.up : mod.migration.down;
  if (!fn) throw noDown(m);
  let last: string | undefined;
  const note = (s: string) => {
    last = s;
    record?.(s);
  };
  const ctx: ScriptContext = {
    executeSQL: (text: string) => executeScript(db, engine, text, inTransaction, note),
  };
  const target = db.withPlugin(new CapturePlugin(db, note));
  try {
    await fn(target, ctx);
  } catch (e) {
    if (e instanceof StepError || e instanceof EventdbError) throw e;
    throw new StepError(last, messageOf(e), e);
  }
}

/** Runs the connection's session reset (Connection.sessionReset) on `db`, the session a migration ran on. */
export async function resetSession(conn: Connection, db: Kysely<any>): Promise<void> {
  const reset = conn.sessionReset;
  if (!reset?.length) return;
  if (conn.engine === 'postgres') await sql.raw(reset.join(';\n')).execute(db);
  else for (const r of reset) await sql.raw(r).execute(db);
}

/**
 * Runs one migration (`fn`, which also writes its history rows) on one session of the connection —
 * a pooled PostgreSQL client is held for it, so its SET statements and its history rows meet the
 * same session — in a transaction unless it says no-transaction, then resets that session.
 * `rebuild` (SQLite): foreign keys off around the transaction, as SQLite's documented table
 * rebuild requires, so dropping the old table does not cascade into its children; `fn` checks them
 * before the commit (refuseBrokenForeignKeys).
 */
export async function onOneSession(conn: Connection, m: Migration, rebuild: boolean, fn: (db: Kysely<any>) => Promise<void>): Promise<void> {
  await conn.db.connection().execute(async (session) => {
    if (rebuild) await sql.raw('pragma foreign_keys = off').execute(session);
    try {
      if (m.transaction) await session.transaction().execute(fn);
      else await fn(session);
    } finally {
      // Again after the commit or rollback: SQLite's foreign_keys changes only outside a transaction.
      await resetSession(conn, session).catch(() => undefined);
    }
  });
}

/**
 * SQLite's table rebuild — create the new table, copy, drop the old one, rename the new one —
 * seen in a migration's text: a DROP TABLE and an ALTER TABLE … RENAME TO. Run with foreign keys
 * off (SQLite cascades the drop into child tables otherwise) and checked before the commit.
 */
export function isTableRebuild(text: string): boolean {
  const bare = stripComments(text);
  return /\bdrop\s+table\b/i.test(bare) && /\balter\s+table\b[^;]*?\brename\s+to\b/i.test(bare);
}

/** SQLite, inside a rebuild's transaction: refuses (throws, so it rolls back) when rows now break a foreign key. */
export async function refuseBrokenForeignKeys(db: Kysely<any>): Promise<void> {
  const rows = (await sql<{ table: string; rowid: number | null; parent: string }>`pragma foreign_key_check`.execute(db)).rows;
  if (!rows.length) return;
  const shown = rows.slice(0, 5).map((r) => `${r.table} row ${r.rowid ?? '?'} → ${r.parent}`).join(', ');
  throw new EventdbError('FOREIGN_KEY_VIOLATION', `the table rebuild leaves ${rows.length} row${rows.length === 1 ? '' : 's'} without the row their foreign key references (${shown}${rows.length > 5 ? ', …' : ''}); it was rolled back`, 'copy every referenced row into the new table (or delete the orphans in the migration), then run it again');
}

export function noDown(m: Migration): EventdbError {
  return new EventdbError('NO_DOWN', `migration ${m.id} has no down section, so it cannot be rolled back`, m.kind === 'sql' ? `add an \`-- eventdb:down\` section to ${m.file}, or roll back to a later migration with --to` : `export a down(db) function from ${m.file}, or roll back to a later migration with --to`);
}

/** The statements a migration sends, without running it (SQL files only; TS needs a rehearsal). */
export async function plannedStatements(engine: Engine, m: Migration, direction: Direction): Promise<string[]> {
  if (m.kind !== 'sql') return [];
  const text = direction === 'up' ? m.sql!.up : m.sql!.down;
  return text === undefined ? [] : splitStatements(text, engine);
}
