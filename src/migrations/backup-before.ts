import type { ResolvedConfig } from '../config/index.js';
import type { Connection } from '../dialects/types.js';
import { EventdbError, messageOf } from '../errors.js';
import { prepareSteps } from './plan.js';
import { migrateUp, planUp, type UpOptions, type UpResult } from './up.js';

/** What `migrate up --backup-before` did about a snapshot. */
export interface BackupBefore {
  /** A snapshot was taken (false for a dry run, or a plan with nothing high or critical). */
  taken: boolean;
  /** Dry run: whether the real run would take one. */
  wouldTake?: boolean;
  /** The migrations whose risk level (high or critical) called for it. */
  risky: string[];
  reason: string;
  snapshot?: { id: string; store: string; location: string; size: number; createdAt: string; durationMs: number; migrationHead: string | null };
}

export interface UpWithBackupResult extends UpResult {
  backup: BackupBefore;
}

/**
 * `migrate up --backup-before`: plans (files, history, risk gate — which still refuses in production
 * without --force), and when any pending migration's level is high or critical takes a snapshot into
 * the configured store before anything runs; then applies the plan under the migration lock.
 *
 * The snapshot is taken with no connection of ours open and without holding the migration lock
 * (DuckDB admits one open instance per file, and its snapshot takes that lock itself). Under the
 * lock the plan is checked to be the one the snapshot was taken for; if another process migrated in
 * between, nothing is applied (PLAN_CHANGED). A failed snapshot fails the whole command with
 * BACKUP_BEFORE_FAILED and nothing applied. `open` opens a new connection each time it is called.
 */
export async function migrateUpWithBackup(open: () => Promise<Connection>, config: ResolvedConfig, opts: UpOptions & { store?: string; onSnapshot?: (b: BackupBefore) => void } = {}): Promise<UpWithBackupResult> {
  let conn = await open();
  let backup: BackupBefore;
  let expectPlan: UpOptions['expectPlan'];
  try {
    const plan = await planUp(conn, config, opts);
    expectPlan = plan.fingerprint;
    const { gate } = await prepareSteps(conn, config, plan.pending, 'up', plan.batch, { ...opts, dryRun: false });
    const risky = gate.risky;
    if (!risky.length) backup = { taken: false, risky, reason: plan.pending.length ? 'no pending migration is high or critical risk' : 'nothing to apply' };
    else if (opts.dryRun) backup = { taken: false, wouldTake: true, risky, reason: `dry run: a snapshot would be taken, since ${risky.join(', ')} ${risky.length > 1 ? 'are' : 'is'} high or critical risk` };
    else backup = { taken: true, risky, reason: `${risky.join(', ')} ${risky.length > 1 ? 'are' : 'is'} high or critical risk` };
  } catch (e) {
    await conn.close();
    throw e;
  }
  if (backup.taken) {
    await conn.close();
    backup.snapshot = await snapshotNow(config, opts.store);
    opts.onSnapshot?.(backup);
    conn = await open();
  }
  try {
    const result = await migrateUp(conn, config, { ...opts, expectPlan: backup.taken ? expectPlan : undefined });
    return { ...result, backup };
  } finally {
    await conn.close();
  }
}

async function snapshotNow(config: ResolvedConfig, store: string | undefined): Promise<NonNullable<BackupBefore['snapshot']>> {
  const { createBackup } = await import('../backup/backup.js');
  try {
    const b = await createBackup(config, { tag: 'before-migrate', store });
    return { id: b.id, store: b.store, location: b.location, size: b.size, createdAt: b.createdAt, durationMs: Math.round(b.durationMs), migrationHead: b.migrationHead };
  } catch (e) {
    const inner = e instanceof EventdbError ? e : undefined;
    throw new EventdbError('BACKUP_BEFORE_FAILED', `the snapshot before migrating failed, so nothing was applied: ${messageOf(e)}`, inner?.hint ? `${inner.hint}; or run without --backup-before` : 'check the store (--store / EVENTDB_STORE), or run without --backup-before', { exitCode: inner?.exitCode, cause: e });
  }
}
