import Database from 'better-sqlite3';
import { chmodSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { commandLine, redactCommandLine } from '../config/redact.js';
import { EventdbError } from '../errors.js';
import type { LockHolder, LockOptions, LockStatus } from './types.js';

/**
 * A cross-process lock for file engines (SQLite, DuckDB, PGlite): an exclusive transaction on a
 * sibling SQLite file. SQLite takes it with POSIX fcntl locks, which the kernel drops when the holder
 * exits for any reason — `kill -9` included — so the lock can never be left stale. Who holds it is
 * written beside it (`<lock>.json`) for error messages and the health check; that file is advice only.
 */

export function lockFilePath(databasePath: string, name: string): string {
  return `${databasePath}.eventdb-${name.replace(/[^a-z0-9_-]/gi, '_')}.lock`;
}


function isBusy(e: unknown): boolean {
  const code = (e as { code?: string })?.code ?? '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

function openLockDb(lockPath: string): Database.Database {
  const db = new Database(lockPath, { timeout: 0 });
  db.pragma('busy_timeout = 0');
  return db;
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

/** Whether the lock is held right now, and by whom (from the advice file). */
export function fileLockStatus(lockPath: string): LockStatus {
  let db: Database.Database | undefined;
  try {
    db = openLockDb(lockPath);
    db.exec('BEGIN EXCLUSIVE');
    db.exec('ROLLBACK');
    return { held: false };
  } catch (e) {
    if (isBusy(e)) return { held: true, holder: readHolder(lockPath) };
    throw e;
  } finally {
    db?.close();
  }
}

export async function withFileLock<T>(lockPath: string, what: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  const db = openLockDb(lockPath);
  const started = Date.now();
  let delay = 10;
  try {
    for (;;) {
      try {
        db.exec('BEGIN EXCLUSIVE');
        break;
      } catch (e) {
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
    try {
      return await fn();
    } finally {
      try {
        const cur = readHolder(lockPath);
        if (cur?.pid === process.pid) unlinkSync(`${lockPath}.json`);
      } catch {
        /* advice file already gone */
      }
      db.exec('ROLLBACK');
    }
  } finally {
    db.close();
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
