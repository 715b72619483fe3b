import type { ResolvedConfig } from '../config/index.js';
import type { Connection } from '../dialects/types.js';
import { EventdbError, messageOf } from '../errors.js';
import { prepareSteps } from './plan.js';
import { planRollback, rollback, type RollbackOptions, type RollbackResult } from './rollback.js';
import { migrateUp, planUp, type PlanFingerprint, type UpOptions, type UpResult } from './up.js';

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
export async function migrateUpWithBackup(open: () => Promise<Connection>, config: ResolvedConfig, opts: UpOptions & BackupBeforeOptions = {}): Promise<UpWithBackupResult> {
  return withBackupBefore(
    open,
    config,
    opts,
    'before-migrate',
    async (conn) => {
      const plan = await planUp(conn, config, opts);
      const { gate } = await prepareSteps(conn, config, plan.pending, 'up', plan.batch, { ...opts, dryRun: false });
      return { fingerprint: plan.fingerprint, risky: gate.risky, count: plan.pending.length, nothing: 'nothing to apply', none: 'no pending migration is high or critical risk' };
    },
    (conn, expectPlan) => migrateUp(conn, config, { ...opts, expectPlan }),
  );
}

/** `rollback --backup-before`: as migrateUpWithBackup, for the migrations a rollback would undo. */
export async function rollbackWithBackup(open: () => Promise<Connection>, config: ResolvedConfig, opts: RollbackOptions & BackupBeforeOptions = {}): Promise<RollbackWithBackupResult> {
  return withBackupBefore(
    open,
    config,
    opts,
    'before-rollback',
    async (conn) => {
      const plan = await planRollback(conn, config, opts);
      const { gate } = await prepareSteps(conn, config, plan.list, 'down', 0, { ...opts, dryRun: false });
      return { fingerprint: plan.fingerprint, risky: gate.risky, count: plan.list.length, nothing: 'nothing to roll back', none: 'no migration to roll back is high or critical risk' };
    },
    (conn, expectPlan) => rollback(conn, config, { ...opts, expectPlan }),
  );
}

export interface BackupBeforeOptions {
  dryRun?: boolean;
  store?: string;
  onSnapshot?: (b: BackupBefore) => void;
}

export interface RollbackWithBackupResult extends RollbackResult {
  backup: BackupBefore;
}

interface PlannedForBackup {
  fingerprint: PlanFingerprint;
  risky: string[];
  count: number;
  nothing: string;
  none: string;
}

async function withBackupBefore<R>(open: () => Promise<Connection>, config: ResolvedConfig, opts: BackupBeforeOptions, tag: string, plan: (conn: Connection) => Promise<PlannedForBackup>, run: (conn: Connection, expectPlan: PlanFingerprint | undefined) => Promise<R>): Promise<R & { backup: BackupBefore }> {
  let conn = await open();
  let backup: BackupBefore;
  let expectPlan: PlanFingerprint | undefined;
  try {
    const p = await plan(conn);
    expectPlan = p.fingerprint;
    const risky = p.risky;
    if (!risky.length) backup = { taken: false, risky, reason: p.count ? p.none : p.nothing };
    else if (opts.dryRun) backup = { taken: false, wouldTake: true, risky, reason: `dry run: a snapshot would be taken, since ${risky.join(', ')} ${risky.length > 1 ? 'are' : 'is'} high or critical risk` };
    else backup = { taken: true, risky, reason: `${risky.join(', ')} ${risky.length > 1 ? 'are' : 'is'} high or critical risk` };
  } catch (e) {
    await conn.close();
    throw e;
  }
  if (backup.taken) {
    await conn.close();
    backup.snapshot = await snapshotNow(config, opts.store, tag);
    opts.onSnapshot?.(backup);
    conn = await open();
  }
  try {
    const result = await run(conn, backup.taken ? expectPlan : undefined);
    return { ...result, backup };
  } finally {
    await conn.close();
  }
}

async function snapshotNow(config: ResolvedConfig, store: string | undefined, tag: string): Promise<NonNullable<BackupBefore['snapshot']>> {
  const { createBackup } = await import('../backup/backup.js');
  try {
    const b = await createBackup(config, { tag, store });
    return { id: b.id, store: b.store, location: b.location, size: b.size, createdAt: b.createdAt, durationMs: Math.round(b.durationMs), migrationHead: b.migrationHead };
  } catch (e) {
    const inner = e instanceof EventdbError ? e : undefined;
    throw new EventdbError('BACKUP_BEFORE_FAILED', `the snapshot before ${tag === 'before-rollback' ? 'rolling back' : 'migrating'} failed, so nothing was ${tag === 'before-rollback' ? 'rolled back' : 'applied'}: ${messageOf(e)}`, inner?.hint ? `${inner.hint}; or run without --backup-before` : 'check the store (--store / EVENTDB_STORE), or run without --backup-before', { cause: e });
  }
}
