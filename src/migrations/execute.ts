import { sql, type KyselyPlugin, type Kysely, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type RootOperationNode, type UnknownRow } from 'kysely';
import type { Engine } from '../config/index.js';
import { EventdbError, messageOf } from '../errors.js';
import { lexSplit } from './lex-split.js';
import { splitScript, splitStatements, stripComments } from './split.js';
import { firstFailing } from '../dialects/first-failing.js';
import type { Connection, MigrationSuccess } from '../dialects/types.js';
import type { ScriptPiece } from './lex-split.js';
import { insideOwnTransaction, transactionControlOf } from './transaction-control.js';
import { loadTsMigration } from './ts-module.js';
import { queryAfterTimeout, withinMigrationTimeout } from './ts-timeout.js';
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

/** What running a migration's scripts asks of the connection. */
export type ScriptConnection = Pick<Connection, 'engine' | 'wholeScripts'>;

/**
 * Runs SQL text the way the engine runs a script, inside whatever transaction `db` is: an engine
 * that takes many statements in one query (Connection.wholeScripts: PostgreSQL's simple protocol,
 * `$$` bodies) gets the whole text at once — or statement by statement outside a transaction, since a
 * multi-statement query is itself a transaction; SQLite and DuckDB run in-process, statement by
 * statement as split by the parser, so a failure names its statement exactly.
 */
export async function executeScript(db: Kysely<any>, conn: ScriptConnection, text: string, inTransaction: boolean, record?: (s: string) => void): Promise<void> {
  let pieces = await splitScript(text, conn.engine);
  // Inside eventdb's transaction a section's own BEGIN and COMMIT are not sent (transaction-control.ts);
  // the rest then goes statement by statement, as the text without them.
  let dropped = 0;
  if (inTransaction) ({ pieces, dropped } = insideOwnTransaction(pieces, (statement, cause) => new StepError(statement, cause.message, cause)));
  for (const p of pieces) record?.(p.text);
  if (!pieces.length) return; // an explicit no-op section
  if (conn.wholeScripts && inTransaction && !dropped) {
    // With several statements, a savepoint first (in the same query): an error without a position
    // (a constraint violated, a missing extension) is then located by running them one by one from it.
    const head = pieces.length > 1 ? LOCATE_SAVEPOINT : '';
    try {
      await sql.raw(head + text).execute(db);
    } catch (e) {
      const at = conn.wholeScripts.errorPosition(e);
      if (at === undefined && head) throw await locateFailure(db, pieces, e);
      throw new StepError(statementAt(pieces, at === undefined ? undefined : at - head.length), messageOf(e), e);
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

/** Sent before a multi-statement script in one query (executeScript), to locate a failure without a position. */
const LOCATE_SAVEPOINT = 'savepoint eventdb_locate;\n';

/**
 * The failure of a multi-statement script whose error has no position: back to the savepoint taken
 * before it, the statements run one by one, and the first that fails is the one named (with its own
 * error). Should none fail this time, the first error is thrown as it was, without a statement. The
 * caller rolls the transaction back either way.
 */
async function locateFailure(db: Kysely<any>, pieces: ScriptPiece[], first: unknown): Promise<StepError> {
  try {
    await sql.raw('rollback to savepoint eventdb_locate').execute(db);
    const failed = await firstFailing(pieces, (text) => sql.raw(text).execute(db));
    if (failed) return new StepError(failed.statement.text, messageOf(failed.error), failed.error);
  } catch {
    // the savepoint could not be reached: the first error as it was
  }
  return new StepError(undefined, messageOf(first), first);
}

/** The statement holding character `pos` of the script (the only one when the engine gave no position). */
export function statementAt(pieces: ScriptPiece[], pos: number | undefined): string | undefined {
  if (pos === undefined) return pieces.length === 1 ? pieces[0]!.text : undefined;
  for (const p of pieces) if (pos < p.offset + p.text.length) return p.text;
  return pieces[pieces.length - 1]?.text;
}

/**
 * A transactional SQL migration (its `up` section) applied with the engine's fewest calls, its history
 * and log rows written in the same transaction (Connection.applyMigrationFast). Returns false (nothing
 * run) when the connection has no fast path, the text is not lexically complete (an unterminated quote
 * or comment, a BEGIN ATOMIC body) or the dialect declines: the caller runs it the ordinary way.
 * `flushLater`: a later commit of the run will wait for the disk (FastApplyRequest.flushLater).
 */
export async function applyFast(conn: Connection, text: string, success: MigrationSuccess, flushLater = false): Promise<boolean> {
  if (!conn.applyMigrationFast) return false;
  const pieces = lexSplit(text, conn.engine);
  // A section with its own BEGIN/COMMIT/ROLLBACK goes the ordinary way, which leaves them out (executeScript).
  if (!pieces || pieces.some((p) => transactionControlOf(p.text))) return false;
  return conn.applyMigrationFast({
    text,
    success,
    reset: conn.sessionReset ?? [],
    flushLater,
    statements: () => splitScript(text, conn.engine),
    statementAt: async (offset) => statementAt(await splitScript(text, conn.engine), offset),
    failed: (statement, cause) => new StepError(statement, messageOf(cause), cause),
  });
}

/**
 * A Kysely plugin that records the SQL of every query a TS migration sends, as the engine receives it.
 * `guard` runs first and may refuse the query (a migration past its migrationTimeout).
 */
export class CapturePlugin implements KyselyPlugin {
  constructor(
    private readonly db: Kysely<any>,
    private readonly record: (s: string) => void,
    private readonly guard?: () => void,
  ) {}
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.guard?.();
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
 * migrations). `record` receives each statement as it is sent. `timeoutMs` (migrationTimeout): the
 * longest a TypeScript migration's up() or down() may run (ts-timeout.ts).
 */
export async function runMigration(db: Kysely<any>, conn: ScriptConnection, m: Migration, direction: Direction, inTransaction: boolean, record?: (s: string) => void, timeoutMs?: number): Promise<void> {
  if (m.kind === 'sql') {
    const text = direction === 'up' ? m.sql!.up : m.sql!.down;
    if (text === undefined) throw noDown(m);
    await executeScript(db, conn, text, inTransaction, record);
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
  let expired = false;
  const guard = () => {
    if (expired) throw queryAfterTimeout(m.id);
  };
  const ctx: ScriptContext = {
    executeSQL: async (text: string) => {
      guard();
      await executeScript(db, conn, text, inTransaction, note);
    },
  };
  const target = db.withPlugin(new CapturePlugin(db, note, guard));
  try {
    await withinMigrationTimeout(Promise.resolve(fn(target, ctx)), timeoutMs, direction, () => (expired = true));
  } catch (e) {
    if (e instanceof StepError || e instanceof EventdbError) throw e;
    throw new StepError(last, messageOf(e), e);
  }
}

/** Runs the connection's session reset (Connection.sessionReset) on `db`, the session a migration ran on. */
export async function resetSession(conn: Connection, db: Kysely<any>): Promise<void> {
  const reset = conn.sessionReset;
  if (!reset?.length) return;
  if (conn.wholeScripts) await sql.raw(reset.join(';\n')).execute(db);
  else for (const r of reset) await sql.raw(r).execute(db);
}

/**
 * Runs one migration (`fn`, which also writes its history rows) on one session of the connection —
 * a pooled PostgreSQL client is held for it, so its SET statements and its history rows meet the
 * same session — in a transaction unless it says no-transaction, then resets that session.
 * `rebuild`: the section rebuilds a table and the engine has a procedure for that
 * (Connection.tableRebuild, SQLite: foreign keys off around the transaction, so dropping the old table
 * does not cascade into its children); `fn` checks the result before the commit (tableRebuild.check).
 */
export async function onOneSession(conn: Connection, m: Migration, rebuild: boolean, fn: (db: Kysely<any>) => Promise<void>): Promise<void> {
  await conn.db.connection().execute(async (session) => {
    if (rebuild) await conn.tableRebuild?.prepare(session);
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
 * A table rebuild — create the new table, copy, drop the old one, rename the new one — seen in a
 * migration's text: a DROP TABLE and an ALTER TABLE … RENAME TO.
 */
export function isTableRebuild(text: string): boolean {
  const bare = stripComments(text);
  return /\bdrop\s+table\b/i.test(bare) && /\balter\s+table\b[^;]*?\brename\s+to\b/i.test(bare);
}

/**
 * Whether `text`, run in a transaction, needs the engine's table-rebuild procedure (Connection.tableRebuild):
 * the engine has one and the text rebuilds a table.
 */
export function needsRebuild(conn: Pick<Connection, 'tableRebuild'>, text: string | undefined): boolean {
  return !!conn.tableRebuild && isTableRebuild(text ?? '');
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
