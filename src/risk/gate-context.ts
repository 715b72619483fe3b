import { sql } from 'kysely';
import { readsSqliteGrammar } from '../dialects/registry.js';
import type { Engine } from '../config/url.js';
import type { Connection } from '../dialects/types.js';
import { candidateFunctionNames, functionVolatility } from './function-volatility.js';
import { parsePgMany, type PgParsed } from './pg-batch.js';
import { tableSizes } from './table-sizes.js';
import type { RiskContext } from './types.js';
import { isUtcZone } from './utc-zones.js';

/** `… TYPE timestamp…` in an ALTER: a change whose cost depends on the session's time zone. */
const TIMESTAMP_CHANGE = /\bTYPE\s+(?:pg_catalog\.)?timestamp/i;

/*
 * The risk gate's steps, options and database reads: what `migrate up` needs before its first migration,
 * without the analysers and their rules (gate.ts), which load only when the plan is analysed (issue 18).
 */

export interface GateStep {
  id: string;
  file: string;
  engine: Engine;
  direction: 'up' | 'down';
  transaction?: boolean;
  statements: string[];
  /** rule → reason accepted for this migration. */
  accepted?: Record<string, string>;
  /**
   * SQL migrations: the section the statements come from (the loaded file's up or down text and its
   * first line), so that a finding of `migrate up` or `rollback` names the line that lint names.
   */
  section?: { text: string; line: number };
}

export interface GateOptions {
  conn?: Connection;
  environment: string;
  force: boolean;
  assumeSmall?: boolean;
  expected?: RiskContext['expected'];
}

/** Whether the gate can refuse a plan at all: in production, without --force. Elsewhere it only warns. */
export function gateCanRefuse(environment: string, force: boolean): boolean {
  return environment === 'production' && !force;
}

/** What the gate reads from the database before the plan runs (it describes the database the plan starts from). */
export interface GateContext {
  ctx: RiskContext;
  /**
   * The parsers' load when it started with the reads (readGateContext): undefined when the analysis
   * loads them itself (`parsersLater`), after its first pace.
   */
  parsers?: Promise<unknown>;
  /** PostgreSQL/DuckDB: the plan's statements parsed while the database answered (parsePgMany), for these steps. */
  pgPreparsed?: { steps: readonly GateStep[]; parsed: Array<readonly PgParsed[] | undefined> };
}

/** Steps that PostgreSQL's grammar parses (PostgreSQL, DuckDB), all of one engine: their statements are parsed in groups (parsePgMany). */
export function pgFamily(steps: readonly GateStep[]): boolean {
  return steps.length > 0 && steps.every((s) => s.engine === steps[0]!.engine && !readsSqliteGrammar(s.engine));
}

/**
 * Reads what the gate needs from the database — table sizes, the live schema, function volatility — while
 * the parsers load (WASM compiled off the main thread) and, for PostgreSQL's grammar, parse the plan
 * (issue 18: that parse no longer waits for the reads). Nothing here analyses the plan. The reads run one
 * after the other on one session: on sessions of their own at once they were slower (each new session
 * starts with cold catalog caches). `parsersLater`: the parsers are not loaded here but by the analysis
 * (gateAnalyse with pacing, once its first pace lets it run).
 */
export async function readGateContext(steps: readonly GateStep[], opts: GateOptions, parsersLater = false): Promise<GateContext> {
  const engine = steps[0]?.engine ?? opts.conn?.engine ?? 'sqlite';
  // The analysis module (rules, analysers) loads with the parsers: not here when they load later (issue 18).
  const parsers = parsersLater ? undefined : import('./analyze.js').then((m) => m.loadParsers([...new Set(steps.map((s) => s.engine))]));
  // The parse needs no database: it runs while the reads are answered (its result is what parsing later gives).
  const parsed = parsers && pgFamily(steps) ? parsers.then(() => parsePgMany(steps.flatMap((s) => s.statements), engine)) : undefined;
  parsed?.catch(() => undefined); // awaited below; not an unhandled rejection if a query fails first
  let sizes: RiskContext['tableSizes'];
  let live: RiskContext['live'];
  let volatility: RiskContext['functionVolatility'];
  let serverUtc: boolean | undefined;
  if (opts.conn) {
    const sizing = tableSizes(opts.conn);
    sizing.catch(() => undefined); // awaited below; not unhandled while the words are gathered
    // The words that may name functions are gathered while the first read is on its way (setImmediate:
    // after the query was written), so that pg_proc is read for those names only.
    const names = await new Promise<string[] | undefined>((resolve) => setImmediate(() => resolve(candidateFunctionNames(steps.flatMap((s) => s.statements)))));
    sizes = await sizing;
    live = await opts.conn.introspect().catch(() => undefined);
    volatility = await functionVolatility(opts.conn, names).catch(() => undefined);
    // Only for a plan that changes a column to or from a timestamp type: whether that is free here.
    if (engine === 'postgres' && steps.some((st) => st.statements.some((x) => TIMESTAMP_CHANGE.test(x)))) {
      serverUtc = await sql<{ tz: string }>`select current_setting('TimeZone') as tz`.execute(opts.conn.db).then((r) => isUtcZone(r.rows[0]?.tz ?? ''), () => undefined);
    }
  }
  await parsers;
  const ctx: RiskContext = { engine, tableSizes: sizes, live, assumeSmall: opts.assumeSmall, expected: opts.expected, functionVolatility: volatility, serverUtc };
  return { ctx, parsers, pgPreparsed: parsed ? { steps, parsed: await parsed } : undefined };
}

