import { basename } from 'node:path';
import type { ResolvedConfig } from '../config/index.js';
import type { Connection } from '../dialects/types.js';
import { EventdbError } from '../errors.js';
import { plannedStatements } from './execute.js';
import { orderMigrations } from './graph.js';
import { loadMigrations } from './loader.js';
import { assessPlan, gateCanRefuse, preloadRiskParsers, readyAssessment, type GatePacing, type RiskGateResult } from './risk-gate.js';
import { rehearse, type Rehearsal } from './rehearse.js';
import { rehearsalTimedOut } from './ts-timeout.js';
import { computeStatus, readHistoryIfAny, settledFirst, type MigrationStatusEntry } from './status.js';
import { ownTables } from './history.js';
import type { Direction, HistoryRow, Migration, PlanStep } from './types.js';
import { mark } from '../trace.js';

export { DEFAULT_LOCK_TIMEOUT_MS } from './defaults.js';

export interface RunOptions {
  dryRun?: boolean;
  /** How long to wait for another eventdb process's migration lock (default 60 s). */
  lockTimeoutMs?: number;
  /** Accept what the risk gate would block. */
  force?: boolean;
  /** Called as each migration starts and finishes (the CLI prints progress). */
  onProgress?: (event: ProgressEvent) => void;
  /**
   * The folder's migrations (loadMigrations), read by the caller beforehand — the CLI reads them while
   * the database connection opens (#18). Default: read when the plan is made, under the lock.
   */
  migrations?: Promise<Migration[]>;
}

export type ProgressEvent =
  | { type: 'start'; id: string; direction: Direction; index: number; total: number }
  | { type: 'done'; id: string; direction: Direction; durationMs: number };

export interface StepResult extends PlanStep {
  description?: string;
  durationMs?: number;
  /** Risk findings for this migration. */
  findings: unknown[];
}

/** What every plan-running command sees: ordered files, history, states. */
export interface PlanContext {
  ordered: Migration[];
  history: HistoryRow[];
  historyExists: boolean;
  status: MigrationStatusEntry[];
}

export async function loadContext(conn: Connection, config: ResolvedConfig, preread?: Promise<Migration[]>): Promise<PlanContext> {
  // The history's round trip overlaps reading the files; a file's error still comes first, as before.
  const history = readHistoryIfAny(ownTables(conn, conn.db));
  const files = await settledFirst(history, preread ?? loadMigrations(config.migrationsDir, conn.engine));
  const ordered = orderMigrations(files);
  const h = await history;
  return { ordered, history: h.rows, historyExists: h.exists, status: computeStatus(ordered, h.rows) };
}

/** Applied migrations whose file changed refuse every plan until repaired or reverted. */
export function refuseChanged(ctx: PlanContext): void {
  const changed = ctx.status.filter((s) => s.state === 'changed');
  if (!changed.length) return;
  const list = changed.map((c) => `${c.id} (applied ${c.checksum.slice(0, 12)}, file ${c.fileChecksum!.slice(0, 12)})`).join(', ');
  throw new EventdbError('CHECKSUM_MISMATCH', `applied migration${changed.length > 1 ? 's' : ''} changed since applied: ${list}`, 'revert the file to what was applied, or run `eventdb migrate repair --yes` to accept the new text', { details: { changed } });
}

export async function toSteps(conn: Connection, list: Migration[], direction: Direction): Promise<StepResult[]> {
  const steps: StepResult[] = [];
  for (const m of list) {
    steps.push({
      id: m.id,
      file: m.file,
      engine: conn.engine,
      direction,
      kind: m.kind,
      transaction: m.transaction,
      statements: await plannedStatements(conn.engine, m, direction),
      captured: m.kind === 'ts' ? false : undefined,
      description: m.description,
      findings: [],
    });
  }
  return steps;
}

/** The details of a RISK_GATE refusal: the plan it refused (each step with its findings) and every finding. */
export interface RiskGateDetails {
  engine: string;
  plan: StepResult[];
  findings: unknown[];
}

/**
 * Before anything runs: capture TS migrations' SQL with a rehearsal when there are any (or when
 * asked, for --dry-run), then ask the risk gate. Throws RISK_GATE (exit 5) when it blocks.
 *
 * `overlap` (migrate up on a database server): where the gate cannot refuse (outside production, or
 * --force) and this is no dry run, only the gate's reads happen here; its analysis (no database) is
 * returned as `later`, started and paced by `overlap`, to run while the plan is applied — its findings
 * are those of the gate run first. `gate` is then empty until `later` resolves (attachFindings).
 */
export async function prepareSteps(
  conn: Connection,
  config: ResolvedConfig,
  list: Migration[],
  direction: Direction,
  batch: number,
  opts: RunOptions,
  overlap?: GatePacing,
): Promise<{ steps: StepResult[]; rehearsal?: Rehearsal; gate: RiskGateResult; later?: Promise<RiskGateResult> }> {
  const gateCtx = { conn, config, direction, dryRun: !!opts.dryRun, force: !!opts.force, migrations: list };
  const later = !!overlap && list.length > 0 && !opts.dryRun && !(await gateCanRefuse(gateCtx));
  // The gate's parsers load while the plan's statements are split — unless its analysis runs later, while
  // the plan is applied: then it loads them itself, after the first migration is sent (issue 18).
  if (list.length && !later) preloadRiskParsers(conn.engine);
  const steps = await toSteps(conn, list, direction);
  mark('steps split');
  let rehearsal: Rehearsal | undefined;
  if (list.length && (opts.dryRun || list.some((m) => m.kind === 'ts'))) {
    rehearsal = await rehearse(conn, list.map((m) => ({ m, direction })), batch, config.migrationTimeoutMs);
    // Stopped by migrationTimeout: the real run would wait as long again, for the same code. Nothing ran.
    if (rehearsal.timedOut) throw rehearsalTimedOut(rehearsal.error!, direction);
    for (const s of steps) {
      const got = rehearsal.statements.get(s.id);
      if (got && s.kind === 'ts') {
        s.statements = got;
        s.captured = true;
      }
    }
  }
  if (later) {
    const analyse = await readyAssessment(steps, gateCtx, overlap);
    return { steps, rehearsal, gate: { findings: [], blocked: false, risky: [] }, later: analyse() };
  }
  const gate = await assessPlan(steps, gateCtx);
  attachFindings(steps, gate);
  if (gate.blocked) {
    const details: RiskGateDetails = { engine: conn.engine, plan: steps, findings: gate.findings };
    throw new EventdbError('RISK_GATE', gate.message ?? 'the risk gate blocked this plan; nothing was run', 'review the findings listed with the plan; take a backup first (--backup-before) or accept the risk with --force', { details });
  }
  return { steps, rehearsal, gate };
}

/** Each step's findings from the gate's result (a finding names its migration by ID or file name), in one pass. */
export function attachFindings(steps: StepResult[], gate: RiskGateResult): void {
  const byName = new Map<unknown, unknown[]>();
  for (const f of gate.findings) {
    const name = (f as { migration?: unknown })?.migration;
    const list = byName.get(name);
    if (list) list.push(f);
    else byName.set(name, [f]);
  }
  for (const s of steps) {
    const byId = byName.get(s.id) ?? [];
    const file = basename(s.file);
    const byFile = file === s.id ? [] : (byName.get(file) ?? []);
    // In the gate's order, as the filter over all findings gave them.
    s.findings = byFile.length && byId.length ? gate.findings.filter((f) => byId.includes(f) || byFile.includes(f)) : byId.length ? byId : byFile;
  }
}

export function rehearsalJson(r: Rehearsal | undefined) {
  if (!r) return undefined;
  return { ran: r.ran, ok: r.ok, rehearsed: r.rehearsed, stoppedBefore: r.stoppedBefore, stopReason: r.stopReason, reason: r.reason, error: r.error, durationMs: Math.round(r.durationMs) };
}
