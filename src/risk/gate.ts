import { readsSqliteGrammar } from '../dialects/registry.js';
import { SchemaMemory } from './analysis.js';
import { analyseStatements, loadParsers, parseSqliteMany } from './analyze.js';
import { gateCanRefuse, pgFamily, readGateContext, type GateContext, type GateOptions, type GateStep } from './gate-context.js';
import { atLeast } from './levels.js';
import { parsePgMany } from './pg-batch.js';
import type { MigrationRisk } from './types.js';

export { gateCanRefuse, readGateContext, type GateContext, type GateOptions, type GateStep };

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
 * Paced analysis (gateAnalyse): the plan is parsed and analysed a few statements at a time, `pace()`
 * awaited before each slice, so the work can run while the database applies the plan. `slice`: about
 * how many statements per slice. A throw from `pace` stops the analysis.
 */
export interface GatePacing {
  pace(): Promise<void>;
  slice: number;
  /** Aborted when the analysis is no longer wanted (a worker thread doing it is stopped). */
  signal?: AbortSignal;
}

/**
 * The risk gate over a migration plan: analyses each step's statements (the `down` SQL for a
 * rollback) with live table sizes, and refuses in production a step whose unaccepted level is high
 * or critical unless --force. Elsewhere it only warns.
 */
export async function gatePlan(steps: GateStep[], opts: GateOptions): Promise<GateResult> {
  return gateAnalyse(steps, await readGateContext(steps, opts), opts);
}

/**
 * The gate's analysis of a plan, from a context read before it ran (readGateContext): the same findings
 * and verdict whether paced or not (PostgreSQL parse groups give what each text alone gives; see
 * parsePgMany). SQLite's grammar parses the whole plan in one call either way.
 */
export async function gateAnalyse(steps: GateStep[], gc: GateContext, opts: GateOptions, pacing?: GatePacing): Promise<GateResult> {
  const { ctx } = gc;
  const memory = SchemaMemory.fromContext(ctx);
  // The plan's steps run back to back: a relation an earlier step creates is new to every later one.
  memory.planCreated = new Set();
  const sqliteFamily = steps.every((s) => readsSqliteGrammar(s.engine));
  // PostgreSQL / DuckDB: the plan's statements parsed a group at a time, not one call each (see parsePgMany);
  // paced, one slice of steps at a time, just before they are analysed.
  const pgPlan = pgFamily(steps);
  // The parsers: loaded with the reads (readGateContext), else here — paced, once the first pace lets the analysis run.
  const parsers = () => gc.parsers ?? loadParsers([...new Set(steps.map((s) => s.engine))]);
  let sqlite: ReturnType<typeof parseSqliteMany> | undefined;
  /** SQLite: the whole plan's statements parsed in one call of the grammar (see parseSqliteMany). */
  const parseSqlite = () => (sqliteFamily ? parseSqliteMany(steps.flatMap((s) => s.statements)) : undefined);
  const analyse = (s: GateStep, preparsed: ReturnType<typeof parseSqliteMany> | undefined, pgPreparsed: ReturnType<typeof parsePgMany> | undefined) => {
    const lines = s.section ? statementLines(s.section, s.statements) : undefined;
    return analyseStatements(s.id, s.statements, s.direction, { ...ctx, engine: s.engine }, { memory, file: s.file, transactional: s.transaction ?? true, accepted: s.accepted, preparsed, pgPreparsed, lines });
  };
  const migrations: MigrationRisk[] = [];
  let next = 0;
  if (!pacing) {
    await parsers();
    sqlite = parseSqlite();
    const pg = pgPlan ? (gc.pgPreparsed?.steps === steps ? gc.pgPreparsed.parsed : parsePgMany(steps.flatMap((s) => s.statements), steps[0]!.engine)) : undefined;
    for (const s of steps) {
      const from = next;
      next += s.statements.length;
      migrations.push(analyse(s, sqlite?.slice(from, next), pg?.slice(from, next)));
    }
  } else {
    for (let i = 0; i < steps.length; ) {
      // One slice: steps up to about `slice` statements (at least one step).
      await pacing.pace();
      if (i === 0) {
        await parsers();
        sqlite = parseSqlite();
      }
      let j = i;
      let n = 0;
      while (j < steps.length && (j === i || n + steps[j]!.statements.length <= pacing.slice)) n += steps[j++]!.statements.length;
      const slice = steps.slice(i, j);
      const pgSlice = pgPlan ? parsePgMany(slice.flatMap((s) => s.statements), steps[0]!.engine, pacing.slice) : undefined;
      let at = 0;
      for (const s of slice) {
        const from = next;
        next += s.statements.length;
        migrations.push(analyse(s, sqlite?.slice(from, next), pgSlice?.slice(at, at + s.statements.length)));
        at += s.statements.length;
      }
      i = j;
    }
  }
  const risky = migrations.filter((m) => atLeast(m.effectiveLevel, 'high'));
  const production = opts.environment === 'production';
  const blocking = gateCanRefuse(opts.environment, opts.force) ? risky.map((m) => m.migration) : [];
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
