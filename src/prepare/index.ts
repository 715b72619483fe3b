import { existsSync } from 'node:fs';
import { resolveConfig, type ConfigInput, type ResolvedConfig } from '../config/index.js';
import { isServer, openConnection } from '../dialects/index.js';
import type { Connection } from '../dialects/types.js';
import { EventdbError, EXIT, messageOf, type ExitCode } from '../errors.js';
import type { CheckName, CheckStatus, HealthOptions, HealthReport } from '../health/types.js';

export const PREPARE_STEPS = ['config', 'restore', 'connect', 'migrations', 'health'] as const;
export type PrepareStepName = (typeof PREPARE_STEPS)[number];

export interface PrepareStep {
  name: PrepareStepName;
  status: CheckStatus;
  durationMs: number;
  message: string;
  details?: Record<string, unknown>;
}

export interface PrepareOptions {
  /** Apply pending migrations (`--migrate`; config `autoMigrate: true`). */
  migrate?: boolean;
  /** Restore the newest snapshot when the local database file is missing or older (`--restore-if-newer`). */
  restoreIfNewer?: boolean;
  /** How long to wait for another process's migration lock. */
  lockTimeoutMs?: number;
  /** Options for the final health checks (the migrations check is covered by its own step). */
  health?: Omit<HealthOptions, 'connection'>;
}

export interface PrepareResult {
  ok: boolean;
  exitCode: ExitCode;
  environment: string;
  engine: string;
  database: string;
  durationMs: number;
  steps: PrepareStep[];
  health?: HealthReport;
}

/**
 * The start-up sequence: validate the configuration → smart restore (opt-in) → connect → migration
 * check (apply only when asked; in production refuse changed checksums, and let the risk gate refuse
 * risky migrations) → health checks. Each step is timed; the first failing one stops the sequence
 * and gives the exit code. Never throws for a failed step.
 */
export async function prepare(input: ResolvedConfig | ConfigInput = {}, opts: PrepareOptions = {}): Promise<PrepareResult> {
  const t0 = performance.now();
  const steps: PrepareStep[] = [];
  let exitCode: ExitCode = EXIT.OK;
  let config: ResolvedConfig | undefined;
  let conn: Connection | undefined;
  let health: HealthReport | undefined;

  const step = async (name: PrepareStepName, fn: () => Promise<Omit<PrepareStep, 'name' | 'durationMs'>>, failCode: ExitCode = EXIT.FAILED): Promise<boolean> => {
    if (exitCode !== EXIT.OK) {
      steps.push({ name, status: 'skipped', durationMs: 0, message: 'not run: an earlier step failed' });
      return false;
    }
    const s = performance.now();
    try {
      const r = await fn();
      steps.push({ name, ...r, durationMs: round(performance.now() - s) });
      if (r.status === 'fail') exitCode = failCode;
    } catch (e) {
      const err = e instanceof EventdbError ? e : undefined;
      steps.push({ name, status: 'fail', durationMs: round(performance.now() - s), message: messageOf(e), details: { code: err?.code ?? 'INTERNAL', ...(err?.hint ? { hint: err.hint } : {}) } });
      exitCode = err?.exitCode || failCode;
    }
    return exitCode === EXIT.OK;
  };

  await step('config', async () => {
    config = 'database' in input && 'sources' in input ? (input as ResolvedConfig) : await resolveConfig(input as ConfigInput);
    const migrate = opts.migrate ?? config.file.autoMigrate === true;
    opts = { ...opts, migrate };
    if (migrate && !existsSync(config.migrationsDir)) {
      throw new EventdbError('NO_MIGRATIONS_DIR', `--migrate was given but ${config.migrationsDir} does not exist`, 'create the folder (eventdb init) or set EVENTDB_MIGRATIONS_DIR');
    }
    return { status: 'ok', message: `${config.database.display} (${config.environment})${migrate ? ', auto-migrate on' : ''}`, details: { environment: config.environment, database: config.database.display, migrate, store: config.store } };
  }, EXIT.USAGE);

  await step('restore', async () => {
    const c = config!;
    if (!opts.restoreIfNewer) return { status: 'skipped', message: 'not requested (--restore-if-newer)' };
    if (isServer(c.database)) {
      return { status: 'skipped', message: 'smart restore applies to database files (SQLite, DuckDB, PGlite), not a PostgreSQL server' };
    }
    const { restoreIfNewer } = await import('../backup/restore.js');
    let r;
    try {
      r = await restoreIfNewer(c, { lockTimeoutMs: opts.lockTimeoutMs });
    } catch (e) {
      if (e instanceof EventdbError && e.code === 'NOT_FOUND') return { status: 'warn', message: `no snapshot in ${c.store} to restore from; kept the local database` };
      // A folder store that does not exist yet: a first start, before any backup made it (a missing bucket still fails).
      if (e instanceof EventdbError && e.code === 'STORE_NOT_FOUND' && (await isFolderStore(c.store, c.cwd))) {
        return { status: 'warn', message: `the store folder ${c.store} does not exist yet (no backup has made it); kept the local database` };
      }
      throw e;
    }
    return {
      status: 'ok',
      message: r.restored ? `restored snapshot ${r.id} (${r.createdAt}) from ${c.store}` : `kept the local database${r.reason ? `: ${r.reason}` : ''}`,
      details: { restored: r.restored, id: r.id, createdAt: r.createdAt, reason: r.reason ?? null, previous: r.previous ?? null },
    };
  });

  await step('connect', async () => {
    const c = config!;
    conn = await openConnection(c, { readOnly: !isServer(c.database) && !opts.migrate });
    const version = await conn.serverVersion();
    const ms = await conn.ping();
    return { status: 'ok', message: `${version}, round trip ${ms.toFixed(1)} ms`, details: { serverVersion: version, latencyMs: round(ms) } };
  }, EXIT.CONNECT);

  await step('migrations', async () => {
    const c = config!;
    if (!existsSync(c.migrationsDir)) return { status: 'skipped', message: `no migrations folder at ${c.migrationsDir}` };
    const { migrationStatus } = await import('../migrations/status.js');
    const st = await migrationStatus(conn!, c);
    const production = c.environment === 'production';
    const changed = st.migrations.filter((m) => m.state === 'changed').map((m) => m.id);
    if (changed.length) {
      const message = `applied migration${changed.length === 1 ? '' : 's'} changed since applied (checksum): ${changed.join(', ')}`;
      if (production) throw new EventdbError('PRODUCTION_REFUSED', `refusing to start: ${message}`, 'restore the original file(s), or reconcile with `eventdb migrate repair` outside production');
      return { status: 'warn', message, details: { changed } };
    }
    if (st.failedAttempts.length && production) {
      throw new EventdbError('PRODUCTION_REFUSED', `refusing to start: ${st.failedAttempts.length} failed migration attempt(s) in the log`, 'inspect with `eventdb migrate status`, fix, then `eventdb migrate repair`');
    }
    const pending = st.migrations.filter((m) => m.state === 'pending').map((m) => m.id);
    if (!pending.length) return { status: 'ok', message: `${st.applied} applied, none pending`, details: { applied: st.applied, pending: [] } };
    if (!opts.migrate) {
      const message = `${pending.length} pending (${pending.slice(0, 5).join(', ')}${pending.length > 5 ? ', …' : ''}); pass --migrate to apply`;
      return { status: production ? 'fail' : 'warn', message, details: { pending } };
    }
    const { migrateUp } = await import('../migrations/up.js');
    const r = await migrateUp(conn!, c, { lockTimeoutMs: opts.lockTimeoutMs });
    return { status: 'ok', message: `applied ${r.applied.length} migration${r.applied.length === 1 ? '' : 's'}: ${r.applied.map((s) => s.id).join(', ')}`, details: { applied: r.applied.map((s) => s.id), batch: r.batch } };
  });

  await step('health', async () => {
    const { runHealthChecks } = await import('../health/runner.js');
    const { CHECK_NAMES } = await import('../health/types.js');
    const checks = (opts.health?.checks ?? [...CHECK_NAMES]).filter((n: CheckName) => n !== 'migrations' && n !== 'connection');
    health = await runHealthChecks(config!, { ...opts.health, checks, connection: conn });
    const bad = health.checks.filter((c) => c.status === 'fail' || c.status === 'warn');
    const message = bad.length ? bad.map((c) => `${c.name}: ${c.message}`).join('; ') : `${health.checks.filter((c) => c.status === 'ok').length} checks ok`;
    return { status: health.exitCode !== 0 ? 'fail' : health.status === 'warn' ? 'warn' : 'ok', message, details: { status: health.status } };
  });

  if (conn) await conn.close().catch(() => undefined);
  const c = config;
  return {
    ok: exitCode === EXIT.OK,
    exitCode,
    environment: c?.environment ?? 'unknown',
    engine: c?.database.engine ?? 'unknown',
    database: c?.database.display ?? 'unknown',
    durationMs: round(performance.now() - t0),
    steps,
    ...(health ? { health } : {}),
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Whether a store URL names a folder (the `file` kind, or another path-laid store). */
async function isFolderStore(store: string, cwd: string): Promise<boolean> {
  const { STORES, storeKindOf } = await import('../backup/stores/index.js');
  const kind = storeKindOf(store, cwd);
  return kind !== 'unknown' && STORES[kind].url === 'path';
}
