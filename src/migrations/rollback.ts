import { extensionsCreated } from './extensions.js';
import type { ResolvedConfig } from '../config/index.js';
import type { Connection } from '../dialects/types.js';
import { EventdbError } from '../errors.js';
import { needsRebuild, onOneSession, resetSession, runMigration } from './execute.js';
import { logAttempt, ownTables, removeApplied } from './history.js';
import { DEFAULT_LOCK_TIMEOUT_MS, loadContext, prepareSteps, refuseChanged, rehearsalJson, type PlanContext, type RunOptions, type StepResult } from './plan.js';
import { failureOf } from './rehearse.js';
import type { Migration } from './types.js';
import { samePlan, stepFailed, usageError, type PlanFingerprint } from './up.js';

export interface RollbackOptions extends RunOptions {
  /** Roll back the last N applied migrations (default: the last batch). */
  count?: number;
  /** Roll back every migration applied after this one (it stays applied). */
  to?: string;
  /** Roll back everything (`migrate reset`). */
  all?: boolean;
  /** The plan a snapshot was taken for (--backup-before): if it differs under the lock, nothing is rolled back. */
  expectPlan?: PlanFingerprint;
}

export interface RollbackResult {
  dryRun: boolean;
  engine: string;
  plan: StepResult[];
  rolledBack: StepResult[];
  rehearsal?: ReturnType<typeof rehearsalJson>;
  findings: unknown[];
  durationMs: number;
}

/** Applied migrations, newest first: by batch, then reverse dependency (plan) order. */
function newestFirst(ctx: PlanContext): string[] {
  const pos = new Map(ctx.ordered.map((m, i) => [m.id, i]));
  return [...ctx.history]
    .sort((a, b) => b.batch - a.batch || (pos.get(b.id) ?? -1) - (pos.get(a.id) ?? -1) || (b.applied_at < a.applied_at ? -1 : 1))
    .map((h) => h.id);
}

/** Which migrations to undo, checked before anything runs; returned in reverse dependency order. */
export function chooseRollback(ctx: PlanContext, opts: RollbackOptions): Migration[] {
  const applied = newestFirst(ctx);
  let ids: string[];
  if (opts.all) ids = applied;
  else if (opts.to !== undefined) {
    const idx = ctx.ordered.findIndex((m) => m.id === opts.to);
    if (idx < 0) throw usageError('UNKNOWN_MIGRATION', `--to ${opts.to}: no such migration`, 'use an ID shown by `eventdb migrate status`');
    if (!applied.includes(opts.to)) throw usageError('NOT_APPLIED', `--to ${opts.to}: that migration is not applied`, 'roll back to an applied migration (see `eventdb migrate status`)');
    const after = new Set(ctx.ordered.slice(idx + 1).map((m) => m.id));
    ids = applied.filter((id) => after.has(id) || !ctx.ordered.some((m) => m.id === id));
  } else if (opts.count !== undefined) {
    if (!Number.isInteger(opts.count) || opts.count < 1) throw usageError('USAGE', `rollback ${opts.count}: expected a whole number ≥ 1`, 'for example `eventdb rollback 2`');
    ids = applied.slice(0, opts.count);
  } else {
    const last = Math.max(...ctx.history.map((h) => h.batch));
    ids = ctx.history.filter((h) => h.batch === last).map((h) => h.id);
  }
  const byId = new Map(ctx.ordered.map((m) => [m.id, m]));
  const missing = ids.filter((id) => !byId.has(id));
  if (missing.length) throw new EventdbError('MISSING_FILE', `cannot roll back ${missing.join(', ')}: no migration file`, 'restore the file(s) from version control; eventdb needs the down section to roll back');
  const set = new Set(ids);
  const list = ctx.ordered.filter((m) => set.has(m.id)).reverse();
  const noDowns = list.filter((m) => !m.hasDown);
  if (noDowns.length) {
    // The newest without a down: everything after it can be rolled back (`rollback --to` it; `migrate reset` has no --to).
    const newest = noDowns[0]!;
    const give = newest.kind === 'sql' ? `add an \`-- eventdb:down\` section to ${newest.file}` : `export a down(db) function from ${newest.file}`;
    throw new EventdbError(
      'NO_DOWN',
      `cannot roll back ${noDowns.map((m) => m.id).join(', ')}: no down section; nothing was rolled back`,
      `${give}${noDowns.length > 1 ? ` (and give the ${noDowns.length - 1} other${noDowns.length > 2 ? 's' : ''} one)` : ''}, or roll back only the migrations after it: \`eventdb rollback --to ${newest.id}\``,
    );
  }
  const stillApplied = ctx.ordered.filter((m) => !set.has(m.id) && ctx.history.some((h) => h.id === m.id));
  for (const m of list) {
    const dependent = stillApplied.find((d) => d.dependsOn.includes(m.id));
    if (dependent) {
      throw new EventdbError('DEPENDENT_APPLIED', `cannot roll back ${m.id}: ${dependent.id} depends on it and stays applied`, `roll back ${dependent.id} as well (e.g. --to an earlier migration), or leave ${m.id} applied`);
    }
  }
  return list;
}

/**
 * Rolls back (default: the last batch) in reverse dependency order, each migration in its own
 * transaction, under the migration lock. Every refusal happens before anything runs.
 */
export async function rollback(conn: Connection, config: ResolvedConfig, opts: RollbackOptions = {}): Promise<RollbackResult> {
  const t0 = performance.now();
  return conn.withLock('migrate', { timeoutMs: opts.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS }, async () => {
    const { ctx, list, fingerprint } = await planRollback(conn, config, opts);
    if (opts.expectPlan && !samePlan(opts.expectPlan, fingerprint)) {
      throw new EventdbError('PLAN_CHANGED', 'the migrations to roll back changed while the snapshot was taken (another process migrated, or files changed); nothing was rolled back', 'run the command again: it plans afresh and takes a new snapshot if the plan is risky');
    }
    const empty = { engine: conn.engine, plan: [], rolledBack: [], findings: [], dryRun: !!opts.dryRun };
    if (!ctx.history.length) return { ...empty, durationMs: performance.now() - t0 };
    if (conn.loadExtensions) await conn.loadExtensions(await extensionsCreated(list, conn.engine, 'down'));
    const { steps, rehearsal, gate } = await prepareSteps(conn, config, list, 'down', 0, opts);
    const base = { engine: conn.engine, plan: steps, findings: gate.findings };
    if (opts.dryRun) return { ...base, dryRun: true, rolledBack: steps, rehearsal: rehearsalJson(rehearsal), durationMs: performance.now() - t0 };
    const done: StepResult[] = [];
    const batchOf = new Map(ctx.history.map((h) => [h.id, h.batch]));
    for (let i = 0; i < list.length; i++) {
      const m = list[i]!;
      const step = steps[i]!;
      opts.onProgress?.({ type: 'start', id: m.id, direction: 'down', index: i, total: list.length });
      const started = new Date();
      const s0 = performance.now();
      try {
        const rebuild = m.kind === 'sql' && m.transaction && needsRebuild(conn, m.sql!.down);
        await onOneSession(conn, m, rebuild, async (db) => {
          await runMigration(db, conn, m, 'down', m.transaction, undefined, config.migrationTimeoutMs);
          await resetSession(conn, db);
          if (rebuild) await conn.tableRebuild!.check(db);
          await removeApplied(ownTables(conn, db), m.id);
          await logAttempt(ownTables(conn, db), { id: m.id, direction: 'down', outcome: 'rolled_back', checksum: m.checksum, startedAt: started, durationMs: performance.now() - s0, batch: batchOf.get(m.id) });
        });
      } catch (e) {
        const failed = failureOf(m, e, conn);
        await logAttempt(ownTables(conn, conn.db), { id: m.id, direction: 'down', outcome: 'failed', checksum: m.checksum, startedAt: started, durationMs: performance.now() - s0, error: failed.message, statement: failed.statement }).catch(() => undefined);
        throw stepFailed('down', m, failed, done, e);
      }
      step.durationMs = performance.now() - s0;
      done.push(step);
      opts.onProgress?.({ type: 'done', id: m.id, direction: 'down', durationMs: step.durationMs });
    }
    return { ...base, dryRun: false, rolledBack: done, rehearsal: rehearsalJson(rehearsal), durationMs: performance.now() - t0 };
  });
}

/** Reads files and history and chooses what to roll back (no lock taken, nothing changed). */
export async function planRollback(conn: Connection, config: ResolvedConfig, opts: RollbackOptions): Promise<{ ctx: PlanContext; list: Migration[]; fingerprint: PlanFingerprint }> {
  const ctx = await loadContext(conn, config);
  const list = ctx.history.length ? chooseRollback(ctx, opts) : [];
  const involved = new Set(list.map((m) => m.id));
  refuseChanged({ ...ctx, status: ctx.status.filter((s) => involved.has(s.id)) });
  return { ctx, list, fingerprint: { applied: ctx.history.map((h) => h.id).sort(), pending: list.map((m) => m.id) } };
}

/** Rolls everything back; refuses outside development and test (exit 5). */
export async function resetMigrations(conn: Connection, config: ResolvedConfig, opts: RunOptions = {}): Promise<RollbackResult> {
  if (config.environment !== 'development' && config.environment !== 'test') {
    throw new EventdbError('SAFETY', `refusing to reset the ${config.environment} database: reset rolls back every migration`, 'reset runs only in development or test (--env development); use `eventdb rollback --to ID` elsewhere');
  }
  return rollback(conn, config, { ...opts, all: true });
}
