import { constants as fsConstants, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { chmod, chown, copyFile, link, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ResolvedConfig } from '../config/index.js';
import { EventdbError, messageOf } from '../errors.js';
import { fsyncDir } from '../fsync-dir.js';
import { onInterrupt } from '../interrupt-cleanup.js';
import type { Connection, RestoreOutcome, RestoreRequest, SnapshotSource } from './types.js';

/**
 * Restore of an engine whose database is one file (SQLite, DuckDB): the snapshot is downloaded beside
 * the target (same filesystem, so the final rename is atomic), checked, and renamed over it under the
 * file's migration lock, keeping the old file as `<name>.pre-restore-<time>`. The engine supplies its
 * side files, its checkpoint and its integrity check.
 */
export interface FileEngine {
  /** Suffixes of the files beside the database that hold part of its data (`-wal`, `.wal` …). */
  sidecars: readonly string[];
  /**
   * Refuses a target the snapshot must not replace, before anything is downloaded: a folder, a device, a
   * FIFO, a file that is not a database of the engine (a store's own object, a text file); checkDatabaseFile.
   */
  checkTarget(path: string): void;
  /** Folds the WAL into the file, so a kept copy is complete. */
  checkpoint(conn: Connection): Promise<void>;
  /** The engine's integrity check of a downloaded copy (SnapshotEngine.checkFile). */
  checkFile(path: string, format: SnapshotSource['format']): Promise<{ tables?: Record<string, number>; check: string }>;
}

/** When the file's data last changed: the newest mtime of the file and its side files, or 'missing'. */
export async function fileAge(target: ResolvedConfig, sidecars: readonly string[]): Promise<Date | 'missing'> {
  const path = target.database.path;
  if (target.database.memory || !path || !existsSync(path)) return 'missing';
  let newest = (await stat(path)).mtime;
  for (const s of sidecars) {
    if (existsSync(path + s)) {
      const m = (await stat(path + s)).mtime;
      if (m > newest) newest = m;
    }
  }
  return newest;
}

/**
 * The hidden download folders of restores of the target that did not finish (`.<name>.restore-XXXXXX`):
 * called under the target's restore lock, when no other restore of it can be running. Returns them.
 */
export async function removeRestoreLeftovers(target: ResolvedConfig): Promise<string[]> {
  const path = target.database.path!;
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

/** Downloads, checks and swaps the snapshot's file in place of the target's (see FileEngine). */
export async function restoreFile(req: RestoreRequest, engine: FileEngine): Promise<RestoreOutcome> {
  const path = req.target.database.path!;
  engine.checkTarget(path);
  // Created and registered in one step (mkdtempSync): a signal between an asynchronous mkdtemp and the
  // registration left the folder behind.
  let dir: string;
  try {
    dir = mkdtempSync(join(dirname(path), `.${basename(path)}.restore-`));
  } catch (e) {
    throw new EventdbError((e as { code?: string }).code === 'ENOSPC' ? 'DISK_FULL' : 'RESTORE_FAILED', `cannot write beside ${path}: ${messageOf(e)}`, 'check the folder exists, is writable and has free space; nothing was changed');
  }
  const off = onInterrupt(() => rmSync(dir, { recursive: true, force: true }));
  try {
    const file = join(dir, 'data');
    // The copy becomes the database: fsync it.
    await req.data.download(file, { fsync: true });
    req.onPhase?.('check');
    const checked = await engine.checkFile(file, req.format);
    req.checkRows(checked.tables);
    req.onPhase?.('swap');
    const previous = await swapFile(req.target, file, engine, req.keep, req.stamp, req.lockTimeoutMs).catch((e: unknown) => {
      if (e instanceof EventdbError) throw e;
      const code = (e as { code?: string }).code ?? '';
      if (code === 'ENOSPC' || code === 'SQLITE_FULL') throw new EventdbError('DISK_FULL', `no space left beside ${path}`, 'free disk space and retry; the target was not replaced', { cause: e });
      throw new EventdbError('RESTORE_FAILED', `cannot replace ${path}: ${messageOf(e)}`, 'the target was not replaced; check the folder permissions', { cause: e });
    });
    return { previous, tables: checked.tables ?? req.expected, checks: [checked.check] };
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    off();
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
 * Under the target's lock: checkpoint it, keep the old file (hard link) as `<name>.pre-restore-<time>`,
 * move its WAL aside, and rename the verified temp file over it.
 */
async function swapFile(target: ResolvedConfig, tmp: string, engine: FileEngine, keep: boolean, stamp: string, lockTimeoutMs: number): Promise<string | undefined> {
  const path = target.database.path!;
  const { withFileLock, lockFilePath } = await import('./file-lock.js');
  return withFileLock(lockFilePath(path, 'migrate'), `the migration lock on ${path}`, { timeoutMs: lockTimeoutMs }, async () => {
    const exists = existsSync(path);
    if (exists) {
      // Fold the WAL into the file so the kept copy is complete. A damaged target cannot be opened: go on.
      const { openConnection } = await import('./index.js');
      const conn = await openConnection(target, { lockWaitMs: lockTimeoutMs }).catch((e: unknown) => {
        if (e instanceof EventdbError && (e.code === 'LOCK_BUSY' || e.code === 'LOCK_TIMEOUT')) throw e;
        return undefined;
      });
      if (conn) {
        try {
          await engine.checkpoint(conn);
        } catch {
          /* best effort */
        } finally {
          await conn.close();
        }
      }
    }
    // The restored file gets the target's mode and owner (the download is private, 0600): an application
    // running as another user or group keeps its access. A new file gets what the engine would create.
    const before = exists ? await stat(path) : undefined;
    await chmod(tmp, before ? before.mode & 0o7777 : 0o666 & ~process.umask());
    if (before) await chown(tmp, before.uid, before.gid).catch(() => undefined); // allowed only to root, or within one's groups
    const previous = exists && keep ? await keepCopy(path, stamp) : undefined;
    for (const s of engine.sidecars) {
      if (!existsSync(path + s)) continue;
      if (previous) await moveExclusive(path + s, previous + s);
      else await rm(path + s, { force: true });
    }
    await rename(tmp, path);
    await fsyncDir(dirname(path));
    return previous;
  });
}
