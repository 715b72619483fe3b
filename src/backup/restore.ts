import { lstat, readlink, realpath } from 'node:fs/promises';
import { parseDatabaseUrl, registerSecret, type ResolvedConfig } from '../config/index.js';
import { entryOf, isServer, type RestoreData } from '../dialects/index.js';
import { EventdbError, messageOf } from '../errors.js';
import { readCatalog, selectSnapshot, type Catalog, type Selector } from './catalog.js';
import { fileIdentity } from './manifest.js';
import { checkKeys, keysFromEnv, type EncryptionKeys } from './codec.js';
import { downloadVerified, openVerified } from './download.js';
import { isKnownHead, knownMigrationIds } from './migration-head.js';
import { checkStoreName, describeName } from './names.js';
import { makeTempDir, removeTempDir } from './temp-dirs.js';
import { compareTables } from './verify.js';
import { mark } from '../trace.js';

export interface RestoreOptions extends Selector {
  store?: string;
  env?: NodeJS.ProcessEnv;
  identityFile?: string;
  /** Restore into this database URL instead of the configured one. */
  to?: string;
  /** Restore only when the snapshot is newer than the target's data. */
  ifNewer?: boolean;
  /** Keep the replaced file / database as `*.pre-restore-<time>` (default true). */
  keep?: boolean;
  /** Restore a snapshot whose migration head this code does not know. */
  force?: boolean;
  /** Milliseconds to wait for the target's lock (file engines). */
  lockTimeoutMs?: number;
  /** Progress: stored bytes read of `total` while downloading (PostgreSQL: while loading), then the later steps. */
  onProgress?: (p: RestoreProgress) => void;
}

export interface RestoreProgress {
  phase: 'download' | 'load' | 'check' | 'swap';
  /** Stored bytes read so far and the object's stored size (download/load). */
  bytes?: number;
  total?: number;
}

export interface RestoreResult {
  restored: boolean;
  /** Why nothing was restored (`--if-newer`), or notes about the restore. */
  reason?: string;
  id: string;
  createdAt: string;
  engine: string;
  /** The target, redacted. */
  target: string;
  /** What the old data was kept as (file path or database name), when kept. */
  previous?: string;
  tables: Record<string, number>;
  checks: string[];
  notes: string[];
  durationMs: number;
}

function stampOf(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'z').toLowerCase();
}

function targetConfig(config: ResolvedConfig, to: string | undefined): ResolvedConfig {
  if (!to) return config;
  const database = parseDatabaseUrl(to, { cwd: config.cwd });
  registerSecret(database.postgres?.password);
  return { ...config, database, isDefaultDatabase: false };
}

/**
 * A file target that is a symbolic link is restored into the file it points to: renaming the snapshot
 * over the link replaced the link and left the file the application opens as it was ("restored", exit 0).
 */
async function followLink(target: ResolvedConfig): Promise<ResolvedConfig> {
  const path = target.database.path;
  if (isServer(target.database) || !path || target.database.memory) return target;
  if (!(await lstat(path).catch(() => undefined))?.isSymbolicLink()) return target;
  const real = await realpath(path).catch(() => undefined);
  if (!real) {
    const to = await readlink(path).catch(() => '?');
    throw new EventdbError('DB_NOT_FOUND', `${path} is a symbolic link to ${to}, which does not exist`, 'restore --to the file the link should point to, or remove the link; nothing was changed');
  }
  return { ...target, database: { ...target.database, path: real } };
}

/**
 * Restores a snapshot: chooses it, checks it may go into the target (engine, owner, migration head,
 * `--if-newer`), then hands the target and the snapshot's data to the engine's `restore`
 * (src/dialects/<engine>/snapshot.ts), which verifies everything (checksums, decryption, the
 * engine's integrity check, row counts) before it touches the target and replaces it atomically.
 */
export async function restoreSnapshot(config: ResolvedConfig, opts: RestoreOptions): Promise<RestoreResult> {
  const env = opts.env ?? process.env;
  const started = Date.now();
  const keys = keysFromEnv(env, { identityFile: opts.identityFile });
  await checkKeys(keys);
  const target = await followLink(targetConfig(config, opts.to));
  if (target.database.memory) throw new EventdbError('USAGE', 'cannot restore into an in-memory database', 'restore into a file (--to sqlite:./restored.sqlite)');
  const lockTimeoutMs = opts.lockTimeoutMs ?? 30_000;
  // Restores of one file target run one at a time, from choosing the snapshot to the swap (the
  // PostgreSQL server takes an advisory lock of its own). A second one waits, then exits 4.
  const path = target.database.path;
  if (isServer(target.database) || !path) return restoreLocked(config, target, opts, env, keys, started, lockTimeoutMs);
  const { withFileLock, lockFilePath } = await import('../dialects/file-lock.js');
  return withFileLock(lockFilePath(path, 'restore'), `the restore lock on ${path}`, { timeoutMs: lockTimeoutMs }, () => restoreLocked(config, target, opts, env, keys, started, lockTimeoutMs)).catch((e: unknown) => {
    if (e instanceof EventdbError) throw e;
    // The lock file beside the target could not be written.
    const code = (e as { code?: string }).code ?? '';
    if (code === 'ENOSPC' || code === 'SQLITE_FULL') throw new EventdbError('DISK_FULL', `no space left beside ${path}`, 'free disk space and retry; the target was not replaced', { cause: e });
    throw new EventdbError('RESTORE_FAILED', `cannot restore ${path}: ${messageOf(e)}`, 'check that the folder exists and is writable; the target was not replaced', { cause: e });
  });
}

async function restoreLocked(config: ResolvedConfig, target: ResolvedConfig, opts: RestoreOptions, env: NodeJS.ProcessEnv, keys: EncryptionKeys, started: number, lockTimeoutMs: number): Promise<RestoreResult> {
  // The target engine's modules (the driver among them) load while the store's catalog is read (#18).
  const loadingEngine = entryOf(target.database).loadSnapshot();
  loadingEngine.catch(() => undefined);
  const catalog: Catalog = await readCatalog(config, { store: opts.store, env });
  mark('catalog read');
  const snap = selectSnapshot(catalog, opts);
  const m = snap.manifest;
  const notes: string[] = [];
  const base = { id: snap.id, createdAt: snap.createdAt, engine: m.database.engine, target: target.database.display };

  if (m.database.engine !== target.database.engine) {
    throw new EventdbError('RESTORE_REFUSED', `snapshot ${snap.id} is a ${m.database.engine} snapshot and the target is ${target.database.engine}`, `restore it into a ${m.database.engine} database with --to URL; eventdb does not convert between engines`);
  }
  // The manifest says whose snapshot it is: restoring another database's snapshot over this one
  // needs --to (a target named explicitly) or --force.
  const path = fileIdentity(config);
  const otherFile = !!path && !!m.database.path && m.database.path !== path;
  if (m.database.name !== config.database.name || m.environment !== config.environment || otherFile) {
    const what = otherFile
      ? `snapshot ${snap.id} is of the file ${describeName(m.database.path)}, not of ${describeName(path)} (the same name, another file)`
      : `snapshot ${snap.id} is of ${describeName(m.database.name)} (environment ${describeName(m.environment)}), not of ${describeName(config.database.name)} (environment ${describeName(config.environment)})`;
    if (!opts.to && !opts.force) throw new EventdbError('SNAPSHOT_MISMATCH', what, 'pass --to URL to restore it into a database you name, or --force to restore it here anyway');
    notes.push(`${what}; restored because ${opts.to ? '--to names the target' : '--force was given'}`);
  }
  const known = knownMigrationIds(config);
  if (known.size === 0) {
    notes.push(`migration head not checked: no migrations in ${config.migrationsDir}`);
  } else if (!isKnownHead(m.migrations.head, known)) {
    if (!opts.force) {
      throw new EventdbError('RESTORE_REFUSED', `snapshot ${snap.id} is at migration "${m.migrations.head}", which this code does not know`, 'deploy the code that has that migration first, or pass --force to restore anyway');
    }
    notes.push(`restored despite unknown migration head "${m.migrations.head}" (--force)`);
  }
  const engine = await loadingEngine;
  mark('snapshot engine loaded');
  const removed = (await engine.removeLeftovers?.(target)) ?? [];
  if (removed.length) notes.push(`removed ${removed.length} folder(s) left by an interrupted restore: ${removed.join(', ')}`);

  if (opts.ifNewer) {
    const age = await engine.targetAge(target);
    if (age === 'unknown') {
      return { ...base, restored: false, reason: 'the target has data and its age cannot be told (enable track_commit_timestamp on PostgreSQL); not restoring', tables: {}, checks: [], notes, durationMs: Date.now() - started };
    }
    if (age instanceof Date && age.getTime() >= Date.parse(m.createdAt)) {
      return { ...base, restored: false, reason: `the target's data (${age.toISOString()}) is newer than snapshot ${snap.id} (${m.createdAt}); not restoring`, tables: {}, checks: [], notes, durationMs: Date.now() - started };
    }
    notes.push(age instanceof Date ? `the snapshot is newer than the target's data (${age.toISOString()})` : `the target is ${age}`);
  }

  // Exactly one data object: parseManifest marks any other manifest damaged.
  const o = m.objects[0]!;
  const key = `${snap.location}${checkStoreName(o.name, 'the object name')}`;
  const progress = opts.onProgress;
  // The data object, fetched the way the engine asks: downloaded to a file (checked when complete) or
  // streamed into a load that stays invisible until `verified`.
  let scratch: string | undefined;
  const data: RestoreData = {
    download: async (dest, { fsync }) => {
      await downloadVerified(catalog.store, key, o, keys, dest, { fsync, onBytes: progress ? (n) => progress({ phase: 'download', bytes: n, total: o.size }) : undefined });
    },
    open: () => openVerified(catalog.store, key, o, keys, { onBytes: progress ? (n) => progress({ phase: 'load', bytes: n, total: o.size }) : undefined }),
    scratchDir: async () => (scratch ??= await makeTempDir('restore', env)),
  };
  try {
    const r = await engine.restore({
      target,
      format: m.dataFormat,
      expected: m.tables,
      keep: opts.keep !== false,
      stamp: stampOf(new Date()),
      lockTimeoutMs,
      data,
      checkRows: (counted) => compareTables(m, counted),
      onPhase: progress ? (phase) => progress({ phase }) : undefined,
    });
    mark('restored and swapped');
    compareTables(m, r.tables);
    const checks = [`${o.name}: size and SHA-256 match${o.encryption ? ', decrypted' : ''}`, ...r.checks];
    return { ...base, restored: true, previous: r.previous, tables: r.tables, checks, notes: [...notes, ...(r.notes ?? [])], durationMs: Date.now() - started };
  } finally {
    if (scratch) await removeTempDir(scratch);
  }
}

/**
 * Smart restore for start-up scripts (`eventdb prepare`): restores the newest snapshot only when it is
 * newer than the target's data (or the target is missing or empty); otherwise returns restored=false.
 */
export function restoreIfNewer(config: ResolvedConfig, opts: Omit<RestoreOptions, 'ifNewer' | 'latest' | 'id' | 'at'> = {}): Promise<RestoreResult> {
  return restoreSnapshot(config, { ...opts, latest: true, ifNewer: true });
}
