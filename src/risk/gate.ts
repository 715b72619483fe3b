import type { Engine } from '../config/url.js';
import { readsSqliteGrammar } from '../dialects/registry.js';
import type { Connection } from '../dialects/types.js';
import { SchemaMemory } from './analysis.js';
import { analyseStatements, loadParsers, parseSqliteMany } from './analyze.js';
import { atLeast } from './levels.js';
import { parsePgMany } from './pg-batch.js';
import { functionVolatility } from './function-volatility.js';
import { tableSizes } from './table-sizes.js';
import type { MigrationRisk, RiskContext } from './types.js';

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

export interface GateResult {
  /** One entry per step, in plan order. */
  migrations: MigrationRisk[];
  /** Steps refused (production, level high or critical, not accepted, no --force). */
  blocking: string[];
  blocked: boolean;
  /** Development and other non-production environments: what would have been refused. */
  warnings: string[];
  message?: string;
}

/**
 * The risk gate over a migration plan: analyses each step's statements (the `down` SQL for a
 * rollback) with live table sizes, and refuses in production a step whose unaccepted level is high
 * or critical unless --force. Elsewhere it only warns.
 */
export async function gatePlan(steps: GateStep[], opts: GateOptions): Promise<GateResult> {
  // The parsers load (WASM compiled off the main thread) while the database answers.
  const parsers = loadParsers([...new Set(steps.map((s) => s.engine))]);
  parsers.catch(() => undefined); // awaited below; not an unhandled rejection if a query fails first
  const engine = steps[0]?.engine ?? opts.conn?.engine ?? 'sqlite';
  let sizes: RiskContext['tableSizes'];
  let live: RiskContext['live'];
  let volatility: RiskContext['functionVolatility'];
  if (opts.conn) {
    sizes = await tableSizes(opts.conn);
    live = await opts.conn.introspect().catch(() => undefined);
    volatility = await functionVolatility(opts.conn).catch(() => undefined);
  }
  await parsers;
  const ctx: RiskContext = { engine, tableSizes: sizes, live, assumeSmall: opts.assumeSmall, expected: opts.expected, functionVolatility: volatility };
  const memory = SchemaMemory.fromContext(ctx);
  // The plan's steps run back to back: a relation an earlier step creates is new to every later one.
  memory.planCreated = new Set();
  // SQLite: the whole plan's statements parsed in one call of the grammar (see parseSqliteMany).
  const sqlite = steps.every((s) => readsSqliteGrammar(s.engine)) ? parseSqliteMany(steps.flatMap((s) => s.statements)) : undefined;
  // PostgreSQL / DuckDB: the plan's statements parsed a group at a time, not one call each (see parsePgMany).
  const pg = steps.length && steps.every((s) => s.engine === steps[0]!.engine && !readsSqliteGrammar(s.engine)) ? parsePgMany(steps.flatMap((s) => s.statements), steps[0]!.engine) : undefined;
  let next = 0;
  const migrations = steps.map((s) => {
    const from = next;
    next += s.statements.length;
    const preparsed = sqlite?.slice(from, next);
    const pgPreparsed = pg?.slice(from, next);
    const lines = s.section ? statementLines(s.section, s.statements) : undefined;
    return analyseStatements(s.id, s.statements, s.direction, { ...ctx, engine: s.engine }, { memory, file: s.file, transactional: s.transaction ?? true, accepted: s.accepted, preparsed, pgPreparsed, lines });
  });
  const risky = migrations.filter((m) => atLeast(m.effectiveLevel, 'high'));
  const production = opts.environment === 'production';
  const blocking = production && !opts.force ? risky.map((m) => m.migration) : [];
  const names = risky.map((m) => `${m.migration} (${m.effectiveLevel})`).join(', ');
  return {
    migrations,
    blocking,
    blocked: blocking.length > 0,
    warnings: !production && risky.length ? [`risky migration${risky.length > 1 ? 's' : ''}: ${names} — production would refuse without --force`] : [],
    message: blocking.length ? `risk gate: ${names} ${risky.length > 1 ? 'are' : 'is'} too risky to run in production` : undefined,
  };
}

export const GATE_HINT = 'review the findings (eventdb migrate up --dry-run), then re-run with --backup-before --force, or accept a rule in the migration with `-- eventdb:risk-accepted RULE "reason"`';

/**
 * The 1-based line of each statement in its SQL section (statements are searched in order from the
 * start of the section; one not found takes the line where the search stands).
 */
export function statementLines(section: { text: string; line: number }, statements: readonly string[]): number[] {
  const { text } = section;
  let pos = 0;
  let line = section.line;
  let counted = 0;
  const lineAt = (offset: number) => {
    for (let i = counted; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
    counted = offset;
    return line;
  };
  return statements.map((st) => {
    const t = st.trim();
    let at = text.indexOf(t, pos);
    if (at < 0) at = text.indexOf(t.split('\n')[0]!, pos);
    if (at < 0) return lineAt(pos);
    pos = at + Math.max(1, t.length);
    return lineAt(at);
  });
}
