import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, fstatSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { commandLine, redactCommandLine } from '../config/redact.js';
import { EventdbError } from '../errors.js';
import { onInterrupt } from '../interrupt-cleanup.js';
import type { LockHolder, LockOptions, LockStatus } from './types.js';

/**
 * A cross-process lock for file engines (SQLite, DuckDB, PGlite): an exclusive transaction on a
 * sibling SQLite file. SQLite takes it with POSIX fcntl locks, which the kernel drops when the holder
 * exits for any reason — `kill -9` included — so the lock can never be left stale. Who holds it is
 * written beside it (`<lock>.json`) for error messages and the health check; that file is advice only.
 * The holder removes the lock file as it lets go (nothing is left beside the database, a failed run's
 * folder included); a waiter that then gets the lock of the removed file sees that the path no longer
 * names the file it holds (its inode) and opens the path again.
 */

export function lockFilePath(databasePath: string, name: string): string {
  return `${databasePath}.eventdb-${name.replace(/[^a-z0-9_-]/gi, '_')}.lock`;
}


function isBusy(e: unknown): boolean {
  const code = (e as { code?: string })?.code ?? '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

function openLockDb(lockPath: string, mustExist = false): Database.Database {
  const db = new Database(lockPath, { timeout: 0, fileMustExist: mustExist });
  db.pragma('busy_timeout = 0');
  return db;
}

/** The lock file opened twice: a descriptor, whose inode says which file it is, and SQLite on it. */
interface OpenLock {
  fd: number;
  db: Database.Database;
}

function openLock(lockPath: string): OpenLock {
  // The descriptor first: SQLite then opens the same file unless it was removed in between, which
  // stillLinked sees once the lock is taken.
  const fd = openSync(lockPath, 'a');
  try {
    return { fd, db: openLockDb(lockPath) };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

function closeLock(lock: OpenLock): void {
  lock.db.close();
  closeSync(lock.fd);
}

/** Whether `lockPath` still names the file held open (its previous holder removes it as it lets go). */
function stillLinked(lock: OpenLock, lockPath: string): boolean {
  try {
    const held = fstatSync(lock.fd);
    const named = statSync(lockPath);
    return held.ino === named.ino && held.dev === named.dev;
  } catch {
    return false;
  }
}

function readHolder(lockPath: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(`${lockPath}.json`, 'utf8')) as LockHolder;
    // An untrusted record (an older eventdb wrote argv as given): shown only redacted.
    h.command = typeof h.command === 'string' ? redactCommandLine(h.command) : 'unknown command';
    let alive = false;
    if (h.host === hostname()) {
      try {
        process.kill(h.pid, 0);
        alive = true;
      } catch {
        alive = false;
      }
    }
    return { ...h, alive: h.host === hostname() ? alive : undefined };
  } catch {
    return undefined;
  }
}

export function describeHolder(h: LockHolder | undefined): string {
  if (!h) return 'another process';
  return `pid ${h.pid} on ${h.host} (${h.command}, since ${h.since})`;
}

/** Whether the lock is held right now, and by whom (from the advice file). No lock file: not held (none is created). */
export function fileLockStatus(lockPath: string): LockStatus {
  if (!existsSync(lockPath)) return { held: false };
  let db: Database.Database | undefined;
  try {
    db = openLockDb(lockPath, true);
    db.exec('BEGIN EXCLUSIVE');
    db.exec('ROLLBACK');
    return { held: false };
  } catch (e) {
    if (isBusy(e)) return { held: true, holder: readHolder(lockPath) };
    if ((e as { code?: string }).code === 'SQLITE_CANTOPEN' && !existsSync(lockPath)) return { held: false }; // removed as its holder let go
    throw e;
  } finally {
    db?.close();
  }
}

export async function withFileLock<T>(lockPath: string, what: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  let lock = openLock(lockPath);
  const started = Date.now();
  let delay = 10;
  try {
    for (;;) {
      try {
        lock.db.exec('BEGIN EXCLUSIVE');
        if (stillLinked(lock, lockPath)) break;
        lock.db.exec('ROLLBACK');
        throw Object.assign(new Error('lock file removed'), { code: 'SQLITE_IOERR' });
      } catch (e) {
        // The file its holder removed as it let go (SQLite may notice that first: an I/O error on a file
        // with no name left): open the path again — a new file, or a newer holder's.
        if (!isBusy(e) && !stillLinked(lock, lockPath)) {
          closeLock(lock);
          lock = openLock(lockPath);
          continue;
        }
        if (!isBusy(e)) throw e;
        if (Date.now() - started >= opts.timeoutMs) {
          const holder = readHolder(lockPath);
          throw new EventdbError(
            'LOCK_TIMEOUT',
            `${what} is held by ${describeHolder(holder)}; gave up after ${(opts.timeoutMs / 1000).toFixed(1)} s`,
            'wait for the other eventdb process to finish, or raise --lock-timeout',
            { details: { holder } },
          );
        }
        await sleep(Math.min(delay, Math.max(1, opts.timeoutMs - (Date.now() - started))));
        delay = Math.min(delay * 2, 200);
      }
    }
    const me: LockHolder = {
      pid: process.pid,
      host: hostname(),
      since: new Date().toISOString(),
      command: commandLine(),
    };
    writeFileSync(`${lockPath}.json`, JSON.stringify(me), { mode: 0o600 });
    chmodSync(`${lockPath}.json`, 0o600); // a record left by a killed run keeps its old mode otherwise
    // Interrupted while holding it: its files go as they would at the release (the kernel releases the lock).
    const off = onInterrupt(() => {
      for (const f of [`${lockPath}.json`, `${lockPath}-journal`, lockPath]) {
        try {
          unlinkSync(f);
        } catch {
          /* gone already */
        }
      }
    });
    try {
      return await fn();
    } finally {
      off();
      try {
        const cur = readHolder(lockPath);
        if (cur?.pid === process.pid) unlinkSync(`${lockPath}.json`);
      } catch {
        /* advice file already gone */
      }
      // Removed while still held, so no one can take the lock of this file once it is let go unnoticed.
      try {
        unlinkSync(lockPath);
      } catch {
        /* already gone, or a folder that does not allow it: the file stays, as before */
      }
      lock.db.exec('ROLLBACK');
    }
  } finally {
    closeLock(lock);
  }
}

/** An in-process lock for in-memory databases, which no other process can open anyway. */
const memoryLocks = new Map<string, Promise<void>>();
export async function withMemoryLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = memoryLocks.get(key) ?? Promise.resolve();
  let release!: () => void;
  const next = new Promise<void>((r) => (release = r));
  memoryLocks.set(key, prev.then(() => next));
  await prev;
  try {
    return await fn();
  } finally {
    release();
  }
}
