import { sql, type KyselyPlugin, type Kysely, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type RootOperationNode, type UnknownRow } from 'kysely';
import type { Engine } from '../config/index.js';
import { EventdbError, messageOf } from '../errors.js';
import { splitStatements } from './split.js';
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
  const statements = await splitStatements(text, engine);
  for (const s of statements) record?.(s);
  if (engine === 'postgres' && inTransaction) {
    try {
      await sql.raw(text).execute(db);
    } catch (e) {
      throw new StepError(statementAt(text, statements, e), messageOf(e), e);
    }
    return;
  }
  for (const s of statements) {
    try {
      await sql.raw(s).execute(db);
    } catch (e) {
      throw new StepError(s, messageOf(e), e);
    }
  }
}

/** PostgreSQL reports the 1-based character position of an error in the query text. */
function statementAt(text: string, statements: string[], e: unknown): string | undefined {
  const pos = Number((e as { position?: string }).position);
  if (!Number.isFinite(pos) || pos <= 0) return statements.length === 1 ? statements[0] : undefined;
  let from = 0;
  for (const s of statements) {
    const at = text.indexOf(s, from);
    if (at < 0) break;
    if (pos - 1 < at + s.length) return s;
    from = at + s.length;
  }
  return statements[statements.length - 1];
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

export function noDown(m: Migration): EventdbError {
  return new EventdbError('NO_DOWN', `migration ${m.id} has no down section, so it cannot be rolled back`, m.kind === 'sql' ? `add an \`-- eventdb:down\` section to ${m.file}, or roll back to a later migration with --to` : `export a down(db) function from ${m.file}, or roll back to a later migration with --to`);
}

/** The statements a migration sends, without running it (SQL files only; TS needs a rehearsal). */
export async function plannedStatements(engine: Engine, m: Migration, direction: Direction): Promise<string[]> {
  if (m.kind !== 'sql') return [];
  const text = direction === 'up' ? m.sql!.up : m.sql!.down;
  return text === undefined ? [] : splitStatements(text, engine);
}
