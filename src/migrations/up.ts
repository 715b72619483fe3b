import type { ResolvedConfig } from '../config/index.js';
import type { Connection } from '../dialects/types.js';
import { extensionsCreated } from './extensions.js';
import { EventdbError } from '../errors.js';
import { applyFast, needsRebuild, onOneSession, resetSession, runMigration } from './execute.js';
import { ensureHistoryTables, logAttempt, ownTables, recordSuccess, successRow } from './history.js';
import { compareIds } from './loader.js';
import { attachFindings, DEFAULT_LOCK_TIMEOUT_MS, loadContext, prepareSteps, refuseChanged, rehearsalJson, type RunOptions, type StepResult } from './plan.js';
import { failureOf, type StepFailure } from './rehearse.js';
import type { GatePacing } from './risk-gate.js';
import { isServer } from '../dialects/registry.js';
import type { Migration } from './types.js';
import { mark } from '../trace.js';
import { isMigrationTimeout } from './ts-timeout.js';

export interface UpOptions extends RunOptions {
  /** Apply up to and including this migration. */
  to?: string;
  /** Apply at most this many. */
  step?: number;
  /** Apply pending migrations older than the newest applied one. */
  allowOutOfOrder?: boolean;
  /** Apply only these of the pending migrations (validate's drift replay: the ones the live database has applied). */
  only?: ReadonlySet<string>;
  /**
   * The plan a snapshot was taken for (--backup-before): if the database's history or the pending
   * list differs under the lock, nothing is applied (PLAN_CHANGED).
   */
  expectPlan?: PlanFingerprint;
}

/** What a plan was made from: the applied IDs and the pending IDs, in order. */
export interface PlanFingerprint {
  applied: string[];
  pending: string[];
}

export interface UpResult {
  dryRun: boolean;
  engine: string;
  batch: number | null;
  /** The plan, in order, with each statement as the engine receives it. */
  plan: StepResult[];
  /** Applied (or, with --dry-run, planned) migrations. */
  applied: StepResult[];
  rehearsal?: ReturnType<typeof rehearsalJson>;
  findings: unknown[];
  warnings: string[];
  durationMs: number;
}

export interface UpFailureDetails {
  applied: StepResult[];
  failed: StepFailure;
  transaction: boolean;
}

export function usageError(code: 'USAGE' | 'UNKNOWN_MIGRATION' | 'NOT_APPLIED', message: string, hint: string): EventdbError {
  return new EventdbError(code, message, hint);
}

/** Chooses the pending migrations to apply (in order), enforcing --to, --step and the out-of-order rule. */
export function choosePending(ordered: Migration[], appliedIds: Set<string>, opts: UpOptions): Migration[] {
  let pending = ordered.filter((m) => !appliedIds.has(m.id) && (!opts.only || opts.only.has(m.id)));
  if (opts.to !== undefined) {
    const idx = ordered.findIndex((m) => m.id === opts.to);
    if (idx < 0) throw usageError('UNKNOWN_MIGRATION', `--to ${opts.to}: no such migration`, 'use an ID shown by `eventdb migrate status`');
    const allowed = new Set(ordered.slice(0, idx + 1).map((m) => m.id));
    pending = pending.filter((m) => allowed.has(m.id));
  }
  if (opts.step !== undefined) {
    if (!Number.isInteger(opts.step) || opts.step < 1) throw usageError('USAGE', `--step ${opts.step}: expected a whole number ≥ 1`, 'for example --step 1');
    pending = pending.slice(0, opts.step);
  }
  if (!opts.allowOutOfOrder && appliedIds.size) {
    const newest = [...appliedIds].sort(compareIds).pop()!;
    const older = pending.filter((m) => compareIds(m.id, newest) < 0);
    if (older.length) {
      throw new EventdbError('OUT_OF_ORDER', `pending migration${older.length > 1 ? 's' : ''} ${older.map((m) => m.id).join(', ')} older than the newest applied (${newest})`, 'check that it is meant to run after the newer ones, then re-run with --allow-out-of-order');
    }
  }
  return pending;
}

/**
 * Applies pending migrations, each in its own transaction (unless it says no-transaction), under
 * the cross-process migration lock. On failure the failing migration is rolled back, the attempt is
 * logged, history keeps what succeeded, and MIGRATION_FAILED is thrown with `details` (UpFailureDetails).
 * With `dryRun` nothing changes: the plan is rehearsed in a transaction that is rolled back.
 */
export async function migrateUp(conn: Connection, config: ResolvedConfig, opts: UpOptions = {}): Promise<UpResult> {
  const t0 = performance.now();
  mark('migrate up: start');
  return conn.withLock('migrate', { timeoutMs: opts.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS }, async () => {
    mark('lock taken');
    const { pending, batch, warnings, fingerprint } = await planUp(conn, config, opts);
    mark('files and history read');
    // Nowhere to create eventdb's tables (PostgreSQL without a current schema): said before anything runs, the dry run too.
    if (pending.length && conn.noSchema) throw conn.noSchema;
    if (opts.expectPlan && !samePlan(opts.expectPlan, fingerprint)) {
      throw new EventdbError('PLAN_CHANGED', 'the migrations to apply changed while the snapshot was taken (another process migrated, or files changed); nothing was applied', 'run the command again: it plans afresh and takes a new snapshot if the plan is risky');
    }
    // PGlite loads the contrib extensions the plan creates before anything runs (the rehearsal too).
    if (conn.loadExtensions) await conn.loadExtensions(await extensionsCreated(pending, conn.engine));
    // On a server, where the gate cannot refuse, its analysis runs while the plan is applied (gateWhileApplying).
    const pacing = isServer(conn.target) ? gateWhileApplying() : undefined;
    const { steps, rehearsal, gate, later } = await prepareSteps(conn, config, pending, 'up', batch, opts, pacing);
    mark('plan split, gate ready');
    later?.catch(() => undefined); // awaited after the plan (or dropped when it fails): never an unhandled rejection
    const base = { engine: conn.engine, plan: steps, findings: gate.findings, warnings };
    if (opts.dryRun) {
      return { ...base, dryRun: true, batch: null, applied: steps, rehearsal: rehearsalJson(rehearsal), durationMs: performance.now() - t0 };
    }
    if (!pending.length) return { ...base, dryRun: false, batch: null, applied: [], durationMs: performance.now() - t0 };
    let realBatch = 0;
    const applied: StepResult[] = [];
    try {
      // Both of eventdb's tables in one transaction: one commit, not two, before the first migration.
      await ensureHistoryTables(conn);
      // The batch planned from the history read under this lock (planUp): no other run can have added one since.
      realBatch = batch;
      mark('history tables ensured');
      for (let i = 0; i < pending.length; i++) {
        const m = pending[i]!;
        const step = steps[i]!;
        opts.onProgress?.({ type: 'start', id: m.id, direction: 'up', index: i, total: pending.length });
        const started = new Date();
        const s0 = performance.now();
        const sent: string[] = [];
        pacing?.tick(); // a slice of the gate's analysis once this migration is on its way
        try {
          const record = { id: m.id, checksum: m.checksum, startedAt: started, batch: realBatch, file: m.file, kind: m.kind };
          // A transactional SQL file with the engine's fewest calls (Connection.applyMigrationFast) —
          // unless it rebuilds a table on an engine with a procedure for that (Connection.tableRebuild).
          // Every commit but the last may return before the disk has it: the run ends on a commit that
          // waits (the last step's, or a failure's logged attempt), and that flush covers the earlier ones.
          const rebuild = m.kind === 'sql' && m.transaction && needsRebuild(conn, m.sql!.up);
          const fast = m.kind === 'sql' && m.transaction && !rebuild && (await applyFast(conn, m.sql!.up, successRow(record, conn.ownSchema), i < pending.length - 1));
          if (!fast) {
            await onOneSession(conn, m, rebuild, async (db) => {
              await runMigration(db, conn, m, 'up', m.transaction, m.kind === 'ts' ? (s) => sent.push(s) : undefined, config.migrationTimeoutMs);
              await resetSession(conn, db);
              if (rebuild) await conn.tableRebuild!.check(db);
              await recordSuccess(ownTables(conn, db), conn, { ...record, durationMs: performance.now() - s0 });
            });
          }
        } catch (e) {
          const failed = failureOf(m, e, conn);
          await logAttempt(ownTables(conn, conn.db), { id: m.id, direction: 'up', outcome: 'failed', checksum: m.checksum, startedAt: started, durationMs: performance.now() - s0, batch: realBatch, error: failed.message, statement: failed.statement }).catch(() => undefined);
          throw stepFailed('up', m, failed, applied, e);
        }
        if (m.kind === 'ts' && !step.captured) {
          step.statements = sent;
          step.captured = true;
        }
        step.durationMs = performance.now() - s0;
        applied.push(step);
        opts.onProgress?.({ type: 'done', id: m.id, direction: 'up', durationMs: step.durationMs });
      }
    } catch (e) {
      pacing?.stop(); // the gate's analysis stops at its next slice; nothing waits for it
      throw e;
    }
    pacing?.release();
    mark('plan applied');
    if (later) {
      const g = await later;
      mark('gate analysed');
      attachFindings(steps, g);
      base.findings = g.findings;
    }
    return { ...base, dryRun: false, batch: realBatch, applied, rehearsal: rehearsalJson(rehearsal), durationMs: performance.now() - t0 };
  });
}

/**
 * Paces the risk gate's analysis while the plan is applied on a database server — where it runs on
 * this thread, when no worker thread can take it (gate-thread.ts): one slice of a few statements each
 * time a migration has been sent (`tick`), run once the event loop is free (setImmediate) — so the main
 * thread parses while the server executes that migration, and no reply waits for more than one slice.
 * `release()` (the plan is applied) lets the rest run at once; `stop()` ends the analysis at its next
 * slice, or stops its worker thread (`signal`): a migration failed, its result is not wanted.
 */
export function gateWhileApplying(slice = 8): GatePacing & { tick(): void; release(): void; stop(): void } {
  const stopping = new AbortController();
  let stopped = false;
  let free = false;
  let waiting: (() => void) | undefined;
  const wake = () => {
    const w = waiting;
    waiting = undefined;
    w?.();
  };
  return {
    slice,
    signal: stopping.signal,
    pace: () =>
      new Promise<void>((resolve, reject) => {
        const go = () => setImmediate(() => (stopped ? reject(new Error('the risk analysis was stopped')) : resolve()));
        if (free || stopped) go();
        else waiting = go;
      }),
    tick: wake,
    release: () => {
      free = true;
      wake();
    },
    stop: () => {
      stopped = true;
      stopping.abort();
      wake();
    },
  };
}

/** Reads files and history and chooses the pending migrations (no lock taken, nothing changed). */
export async function planUp(conn: Connection, config: ResolvedConfig, opts: UpOptions) {
  const ctx = await loadContext(conn, config, opts.migrations);
  refuseChanged(ctx);
  const warnings = ctx.status.filter((s) => s.state === 'missing').map((s) => `applied migration ${s.id} has no file`);
  const pending = choosePending(ctx.ordered, new Set(ctx.history.map((h) => h.id)), opts);
  const batch = ctx.historyExists ? Math.max(0, ...ctx.history.map((h) => h.batch)) + 1 : 1;
  const fingerprint: PlanFingerprint = { applied: ctx.history.map((h) => h.id).sort(), pending: pending.map((m) => m.id) };
  return { ctx, pending, batch, warnings, fingerprint };
}

export function samePlan(a: PlanFingerprint, b: PlanFingerprint): boolean {
  return a.applied.join('\0') === b.applied.join('\0') && a.pending.join('\0') === b.pending.join('\0');
}

/**
 * The error of a step that failed (MIGRATION_FAILED), or that migrationTimeout stopped (MIGRATION_TIMEOUT,
 * `cause`): what ran, what was kept, what to do.
 */
export function stepFailed(direction: 'up' | 'down', m: Migration, failed: StepFailure, done: StepResult[], cause?: unknown): EventdbError {
  const timeout = isMigrationTimeout(cause);
  const stmt = failed.statement ? ` in statement: ${oneLine(failed.statement)}` : '';
  const verb = direction === 'up' ? 'migration' : 'rollback of';
  const kept = m.transaction
    ? `its transaction was rolled back${done.length ? `; the ${done.length} before it stay ${direction === 'up' ? 'applied' : 'rolled back'}` : ''}`
    : 'it ran without a transaction, so statements before the failing one took effect';
  // A down is fixed in an applied file, whose checksum the edit changes: repair accepts the new text.
  const fix = timeout ? cause.hint : failed.hint ?? (direction === 'up' ? 'fix the migration and run the command again' : 'fix its down section, accept the edited file with `eventdb migrate repair --yes` (the edit changes its checksum), then roll back again');
  return new EventdbError(timeout ? 'MIGRATION_TIMEOUT' : 'MIGRATION_FAILED', `${verb} ${m.id} ${timeout ? 'stopped' : 'failed'} (${m.file}): ${failed.message}${stmt}`, `${fix} (${kept}; the attempt is in eventdb_migration_log)`, {
    details: { applied: done, failed, transaction: m.transaction } satisfies UpFailureDetails,
  });
}

export function oneLine(s: string, max = 160): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
