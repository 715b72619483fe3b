import type { ResolvedConfig } from '../config/index.js';
import type { Connection } from '../dialects/types.js';
import type { GateContext, GateOptions, GatePacing, GateStep } from '../risk/index.js';
import type { Migration, PlanStep } from './types.js';

export type { GatePacing };

export interface RiskGateContext {
  conn?: Connection;
  config: ResolvedConfig;
  direction: 'up' | 'down';
  dryRun: boolean;
  /** --force: the user accepts the risk. */
  force: boolean;
  /** The loaded migrations of the plan: SQL sections and accepted rules are read from them, not from disk again. */
  migrations?: readonly Migration[];
}

export interface RiskGateResult {
  findings: unknown[];
  blocked: boolean;
  message?: string;
  /** Migrations whose level (highest finding, accepted ones included) is high or critical. */
  risky: string[];
}

/**
 * Starts loading the risk gate's parsers (PostgreSQL's WASM grammar; SQLite's grammar) without waiting,
 * so that their load overlaps reading the migrations and the history: `migrate up` then finds them
 * ready when the plan reaches the gate. A failure here is not reported: the gate's own load reports it.
 */
export function preloadRiskParsers(engine: Connection['engine']): void {
  import('../risk/analyze.js')
    .then((m) => m.loadParsers([engine]))
    .catch(() => undefined);
}

/**
 * The risk gate, called before any plan runs (up, rollback, dry-run). When `blocked`, the runner
 * refuses with RISK_GATE (exit 5) and runs nothing. The risk engine (src/risk) replaces this body.
 */
export async function assessPlan(steps: PlanStep[], ctx: RiskGateContext): Promise<RiskGateResult> {
  return (await readyAssessment(steps, ctx))();
}

/** The gate can refuse this plan (production without --force): then it must finish before anything runs. */
export async function gateCanRefuse(ctx: Pick<RiskGateContext, 'config' | 'force'>): Promise<boolean> {
  return (await import('../risk/gate-context.js')).gateCanRefuse(ctx.config.environment, ctx.force);
}

/**
 * The gate in two parts: everything it reads (the migrations' accepted rules, the database's table
 * sizes, schema and function volatility) is read before this resolves; the returned function does the
 * rest — parsing and analysing the plan, no database — paced by `pacing` when given, so that where the
 * gate cannot refuse (gateCanRefuse) it can run while the plan is applied, with the same findings (and
 * then it loads the parsers too, after its first pace).
 */
export async function readyAssessment(steps: PlanStep[], ctx: RiskGateContext, pacing?: GatePacing): Promise<() => Promise<RiskGateResult>> {
  if (!steps.length) return async () => ({ findings: [], blocked: false, risky: [] });
  // Not the analysers yet (gate.ts, with every rule): paced, they load once the first pace lets the analysis run.
  const [{ readGateContext }, { acceptedFromMeta, acceptedFromLines, readSqlMigration }] = await Promise.all([import('../risk/gate-context.js'), import('../risk/sql-file.js')]);
  const loaded = new Map((ctx.migrations ?? []).map((m) => [m.file, m]));
  const gateSteps: GateStep[] = [];
  for (const s of steps) {
    // Accepted rules: `-- eventdb:risk-accepted RULE "reason"` in SQL files, meta.riskAccepted in TS.
    let accepted: Record<string, string> = {};
    let section: { text: string; line: number } | undefined;
    if (s.kind === 'sql') {
      const sql = loaded.get(s.file)?.sql;
      if (sql) {
        accepted = acceptedFromLines(sql.riskAccepted ?? [], s.file);
        const text = s.direction === 'up' ? sql.up : sql.down;
        const line = s.direction === 'up' ? sql.upLine : sql.downLine;
        if (text !== undefined) section = { text, line: line ?? 1 };
      } else {
        // A plan built without its loaded migrations (library callers): the file, read by the same parser.
        const { readMigrationFile } = await import('./checksum.js');
        const input = readSqlMigration(s.id, readMigrationFile(s.file).text, s.file);
        accepted = input.accepted ?? {};
        const text = s.direction === 'up' ? input.up : input.down;
        if (text !== undefined) section = { text, line: (s.direction === 'up' ? input.upLine : input.downLine) ?? 1 };
      }
    } else {
      const { loadTsMigration } = await import('./ts-module.js');
      accepted = acceptedFromMeta((await loadTsMigration(s.file)).meta, s.file);
    }
    gateSteps.push({ id: s.id, file: s.file, engine: s.engine, direction: s.direction, transaction: s.transaction, statements: s.statements, accepted, section });
  }
  const opts = { conn: ctx.conn, environment: ctx.config.environment, force: ctx.force };
  // Paced, the analysis loads the parsers itself once it may run: not on the way to the first migration.
  const read = await readGateContext(gateSteps, opts, !!pacing);
  return async () => {
    // Paced (while the plan is applied), the analysis runs on a worker thread where there is one; where it
    // fails, here as before (a failure that is the analysis's own shows there again).
    const onThread = pacing ? (await import('../risk/gate-thread.js')).analyseOnThread(gateSteps, read, opts, pacing.signal) : undefined;
    const thread = await onThread?.catch((e: unknown) => {
      if (pacing?.signal?.aborted) throw e;
      return undefined;
    });
    const r = thread ?? (await analyseHere(gateSteps, read, opts, pacing));
    const findings = r.migrations.flatMap((m) => m.findings);
    const risky = r.migrations.filter((m) => m.level === 'high' || m.level === 'critical').map((m) => m.migration);
    if (r.blocked) {
      return { findings, risky, blocked: true, message: `${r.message}; nothing was run — take a snapshot first with --backup-before and re-run with --force, or accept the rule in the migration with a reason` };
    }
    return { findings, risky, blocked: false, message: r.warnings[0] };
  };
}

async function analyseHere(steps: GateStep[], read: GateContext, opts: GateOptions, pacing: GatePacing | undefined) {
  if (pacing) await pacing.pace();
  const { gateAnalyse } = await import('../risk/gate.js');
  return gateAnalyse(steps, read, opts, pacing);
}
