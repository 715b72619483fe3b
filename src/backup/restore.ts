import { existsSync } from 'node:fs';
import { constants as fsConstants } from 'node:fs';
import { copyFile, link, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { sql } from 'kysely';
import { parseDatabaseUrl, registerSecret, type ResolvedConfig } from '../config/index.js';
import { getDialect, getSnapshotEngine, openConnection } from '../dialects/index.js';
import { EventdbError, messageOf } from '../errors.js';
import { fsyncDir } from './fsync-dir.js';
import { readCatalog, selectSnapshot, type Catalog, type Selector } from './catalog.js';
import { checkKeys, keysFromEnv, type EncryptionKeys } from './codec.js';
import { downloadVerified, openVerified } from './download.js';
import { isKnownHead, knownMigrationIds } from './migration-head.js';
import { checkStoreName, describeName } from './names.js';
import { makeTempDir } from './temp-dirs.js';
import { compareTables } from './verify.js';

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

const WAL_FILES: Record<string, string[]> = { sqlite: ['-wal', '-shm', '-journal'], duckdb: ['.wal'] };

function stampOf(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'z').toLowerCase();
}

function targetConfig(config: ResolvedConfig, to: string | undefined): ResolvedConfig {
  if (!to) return config;
  const database = parseDatabaseUrl(to, { cwd: config.cwd });
  registerSecret(database.postgres?.password);
  return { ...config, database, isDefaultDatabase: false };
}

/** When the target's data last changed, or 'missing' / 'empty' / 'unknown'. */
async function targetAge(target: ResolvedConfig): Promise<Date | 'missing' | 'empty' | 'unknown'> {
  const db = target.database;
  if (db.engine !== 'postgres') {
    if (db.memory || !existsSync(db.path!)) return 'missing';
    let newest = (await stat(db.path!)).mtime;
    for (const s of WAL_FILES[db.engine] ?? []) {
      if (existsSync(db.path! + s)) {
        const m = (await stat(db.path! + s)).mtime;
        if (m > newest) newest = m;
      }
    }
    return newest;
  }
  const dialect = await getDialect('postgres', db.driver);
  if (!(await dialect.exists(target))) return 'missing';
  const conn = await openConnection(target);
  try {
    const schema = await conn.introspect();
    if (schema.tables.length === 0) return 'empty';
    try {
      const r = await sql<{ t: Date | null }>`select (pg_last_committed_xact()).timestamp as t`.execute(conn.db);
      return r.rows[0]?.t ?? 'unknown';
    } catch {
      return 'unknown';
    }
  } finally {
    await conn.close();
  }
}

/**
 * Keeps the target as `<path>.pre-restore-<time>` (then `-2`, `-3` … when taken): a hard link, else a
 * copy, both created exclusively, so a kept copy never replaces another one.
 */
async function keepCopy(path: string, stamp: string): Promise<string> {
  for (let i = 1; ; i++) {
    const candidate = `${path}.pre-restore-${stamp}${i > 1 ? `-${i}` : ''}`;
    try {
      await link(path, candidate);
      return candidate;
    } catch (e) {
      if ((e as { code?: string }).code === 'EEXIST') continue;
    }
    try {
      await copyFile(path, candidate, fsConstants.COPYFILE_EXCL);
      return candidate;
    } catch (e) {
      if ((e as { code?: string }).code === 'EEXIST') continue;
      await rm(candidate, { force: true }).catch(() => undefined); // a partial copy of ours (disk full)
      throw e;
    }
  }
}

/** Moves a file to a name that must not exist yet. */
async function moveExclusive(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
    await rm(from);
  } catch (e) {
    if ((e as { code?: string }).code === 'EEXIST' || existsSync(to)) throw e;
    await rename(from, to);
  }
}

/**
 * The hidden download folders of restores of `path` that did not finish (`.<name>.restore-XXXXXX`):
 * called under the target's restore lock, when no other restore of it can be running. Returns them.
 */
async function removeRestoreLeftovers(path: string): Promise<string[]> {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.restore-`;
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(prefix) || !/^[A-Za-z0-9]{6}$/.test(name.slice(prefix.length))) continue;
    await rm(join(dir, name), { recursive: true, force: true }).catch(() => undefined);
    removed.push(join(dir, name));
  }
  return removed;
}

/**
 * SQLite/DuckDB: under the target's lock, checkpoint it, keep the old file (hard link) as
 * `<name>.pre-restore-<time>`, move its WAL aside, and rename the verified temp file over it.
 */
async function swapFile(target: ResolvedConfig, tmp: string, keep: boolean, stamp: string, lockTimeoutMs: number): Promise<string | undefined> {
  const path = target.database.path!;
  const { withFileLock, lockFilePath } = await import('../dialects/file-lock.js');
  return withFileLock(lockFilePath(path, 'migrate'), `the migration lock on ${path}`, { timeoutMs: lockTimeoutMs }, async () => {
    const exists = existsSync(path);
    if (exists) {
      // Fold the WAL into the file so the kept copy is complete. A damaged target cannot be opened: go on.
      const conn = await openConnection(target, { lockWaitMs: lockTimeoutMs }).catch((e: unknown) => {
        if (e instanceof EventdbError && (e.code === 'LOCK_BUSY' || e.code === 'LOCK_TIMEOUT')) throw e;
        return undefined;
      });
      if (conn) {
        try {
          if (target.database.engine === 'sqlite') await sql`pragma wal_checkpoint(TRUNCATE)`.execute(conn.db);
          else await sql`force checkpoint`.execute(conn.db);
        } catch {
          /* best effort */
        } finally {
          await conn.close();
        }
      }
    }
    const previous = exists && keep ? await keepCopy(path, stamp) : undefined;
    for (const s of WAL_FILES[target.database.engine] ?? []) {
      if (!existsSync(path + s)) continue;
      if (previous) await moveExclusive(path + s, previous + s);
      else await rm(path + s, { force: true });
    }
    await rename(tmp, path);
    await fsyncDir(dirname(path));
    return previous;
  });
}

/**
 * Restores a snapshot. The whole snapshot is downloaded and verified (checksums, decryption, the
 * engine's integrity check, row counts) before the target is touched; then SQLite/DuckDB get an
 * atomic rename over the file and PostgreSQL a new database swapped in by name.
 */
export async function restoreSnapshot(config: ResolvedConfig, opts: RestoreOptions): Promise<RestoreResult> {
  const env = opts.env ?? process.env;
  const started = Date.now();
  const keys = keysFromEnv(env, { identityFile: opts.identityFile });
  await checkKeys(keys);
  const target = targetConfig(config, opts.to);
  if (target.database.memory) throw new EventdbError('USAGE', 'cannot restore into an in-memory database', 'restore into a file (--to sqlite:./restored.sqlite)');
  const lockTimeoutMs = opts.lockTimeoutMs ?? 30_000;
  // Restores of one file target run one at a time, from choosing the snapshot to the swap (the
  // PostgreSQL server takes an advisory lock of its own). A second one waits, then exits 4.
  const path = target.database.path;
  if (!path) return restoreLocked(config, target, opts, env, keys, started, lockTimeoutMs);
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
  const catalog: Catalog = await readCatalog(config, { store: opts.store, env });
  const snap = selectSnapshot(catalog, opts);
  const m = snap.manifest;
  const notes: string[] = [];
  const base = { id: snap.id, createdAt: snap.createdAt, engine: m.database.engine, target: target.database.display };

  if (m.database.engine !== target.database.engine) {
    throw new EventdbError('RESTORE_REFUSED', `snapshot ${snap.id} is a ${m.database.engine} snapshot and the target is ${target.database.engine}`, `restore it into a ${m.database.engine} database with --to URL; eventdb does not convert between engines`);
  }
  // The manifest says whose snapshot it is: restoring another database's snapshot over this one
  // needs --to (a target named explicitly) or --force.
  if (m.database.name !== config.database.name || m.environment !== config.environment) {
    const what = `snapshot ${snap.id} is of ${describeName(m.database.name)} (environment ${describeName(m.environment)}), not of ${describeName(config.database.name)} (environment ${describeName(config.environment)})`;
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
  const isFile = target.database.engine !== 'postgres';
  if (isFile) {
    const removed = await removeRestoreLeftovers(target.database.path!);
    if (removed.length) notes.push(`removed ${removed.length} folder(s) left by an interrupted restore: ${removed.join(', ')}`);
  }

  if (opts.ifNewer) {
    const age = await targetAge(target);
    if (age === 'unknown') {
      return { ...base, restored: false, reason: 'the target has data and its age cannot be told (enable track_commit_timestamp on PostgreSQL); not restoring', tables: {}, checks: [], notes, durationMs: Date.now() - started };
    }
    if (age instanceof Date && age.getTime() >= Date.parse(m.createdAt)) {
      return { ...base, restored: false, reason: `the target's data (${age.toISOString()}) is newer than snapshot ${snap.id} (${m.createdAt}); not restoring`, tables: {}, checks: [], notes, durationMs: Date.now() - started };
    }
    notes.push(age instanceof Date ? `the snapshot is newer than the target's data (${age.toISOString()})` : `the target is ${age}`);
  }

  const engine = await getSnapshotEngine(m.database.engine, target.database.driver); // PGlite restores its own way
  const stamp = stampOf(new Date());
  const keep = opts.keep !== false;
  // The PostgreSQL server loads while it downloads: no local copy.
  const streaming = !isFile && !!engine.restoreStream;
  const checks: string[] = [];
  const o = m.objects[0];
  if (!o || m.objects.length !== 1) throw new EventdbError('CORRUPT_SNAPSHOT', `snapshot ${snap.id} has ${m.objects.length} data objects; expected 1`, 'use another snapshot');
  const key = `${snap.location}${checkStoreName(o.name, 'the object name')}`;
  const progress = opts.onProgress;
  if (streaming) {
    // PostgreSQL: the load into the new database streams while the object downloads; the swap waits
    // for the checksum, and the new database is dropped on any failure.
    const dump = await openVerified(catalog.store, key, o, keys, { onBytes: progress ? (n) => progress({ phase: 'load', bytes: n, total: o.size }) : undefined });
    const r = await engine.restoreStream!(config, dump, m.dataFormat, { to: opts.to ? target : undefined, keep, stamp, expected: m.tables, lockTimeoutMs });
    checks.push(`${o.name}: size and SHA-256 match${o.encryption ? ', decrypted' : ''}`);
    compareTables(m, r.tables);
    checks.push('row counts of the restored database match the manifest (checked before the swap)');
    return { ...base, restored: true, previous: r.previous, tables: r.tables, checks, notes: [...notes, ...(r.notes ?? [])], durationMs: Date.now() - started };
  }
  // File engines: download beside the target (same filesystem, so the final rename is atomic).
  const dir = isFile
    ? await mkdtemp(join(dirname(target.database.path!), `.${basename(target.database.path!)}.restore-`)).catch((e: unknown) => {
        throw new EventdbError((e as { code?: string }).code === 'ENOSPC' ? 'DISK_FULL' : 'RESTORE_FAILED', `cannot write beside ${target.database.path}: ${messageOf(e)}`, 'check the folder exists, is writable and has free space; nothing was changed');
      })
    : await makeTempDir('restore', env);
  try {
    let previous: string | undefined;
    let tables = m.tables;
    const file = join(dir, 'data');
    // A file engine's copy becomes the database: fsync it. A PostgreSQL dump is only read by the load.
    await downloadVerified(catalog.store, key, o, keys, file, { fsync: isFile, onBytes: progress ? (n) => progress({ phase: 'download', bytes: n, total: o.size }) : undefined });
    checks.push(`${o.name}: size and SHA-256 match${o.encryption ? ', decrypted' : ''}`);
    if (isFile) {
      progress?.({ phase: 'check' });
      const checked = await engine.checkFile(file, m.dataFormat);
      compareTables(m, checked.tables);
      checks.push(checked.check);
      tables = checked.tables ?? m.tables;
      progress?.({ phase: 'swap' });
      previous = await swapFile(target, file, keep, stamp, lockTimeoutMs).catch((e: unknown) => {
        if (e instanceof EventdbError) throw e;
        const code = (e as { code?: string }).code ?? '';
        if (code === 'ENOSPC' || code === 'SQLITE_FULL') throw new EventdbError('DISK_FULL', `no space left beside ${target.database.path}`, 'free disk space and retry; the target was not replaced', { cause: e });
        throw new EventdbError('RESTORE_FAILED', `cannot replace ${target.database.path}: ${messageOf(e)}`, 'the target was not replaced; check the folder permissions', { cause: e });
      });
    } else {
      // PGlite: loads the downloaded dump in one transaction.
      progress?.({ phase: 'load' });
      const r = await engine.restoreDatabase!(config, file, m.dataFormat, { to: opts.to ? target : undefined, keep, stamp });
      compareTables(m, r.tables);
      checks.push('row counts of the restored database match the manifest');
      previous = r.previous;
      tables = r.tables;
    }
    return { ...base, restored: true, previous, tables, checks, notes, durationMs: Date.now() - started };
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * Smart restore for start-up scripts (`eventdb prepare`): restores the newest snapshot only when it is
 * newer than the target's data (or the target is missing or empty); otherwise returns restored=false.
 */
export function restoreIfNewer(config: ResolvedConfig, opts: Omit<RestoreOptions, 'ifNewer' | 'latest' | 'id' | 'at'> = {}): Promise<RestoreResult> {
  return restoreSnapshot(config, { ...opts, latest: true, ifNewer: true });
}
