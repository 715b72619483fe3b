import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { EventdbError } from '../../errors.js';
import { lockFilePath, withFileLock } from '../file-lock.js';
import { dataDirMajor, libraryVersion } from './version.js';

export type DataDirState = 'missing' | 'empty' | 'database';

/**
 * What is at a PGlite data-directory path, before PGlite touches it: nothing (it will be created),
 * an empty directory, or a PostgreSQL data directory of the major version this PGlite runs. A file,
 * a directory holding something else, or a data directory of another PostgreSQL major version is
 * refused with the path left exactly as it was.
 */
export function checkDataDir(path: string): DataDirState {
  if (!existsSync(path)) return 'missing';
  const st = statSync(path);
  if (!st.isDirectory()) {
    throw new EventdbError('NOT_A_DATABASE', `${path} is a file, not a PGlite data directory`, 'point the pglite: URL at a directory (it is created when missing)');
  }
  const major = dataDirMajor(path);
  if (!major) {
    if (readdirSync(path).length === 0) return 'empty';
    throw new EventdbError('NOT_A_DATABASE', `${path} is not a PGlite data directory (no PG_VERSION file)`, 'point the pglite: URL at an empty or new directory, or at one PGlite created (the directory was not changed)');
  }
  const lib = libraryVersion().postgres.split('.')[0];
  if (lib !== '?' && major !== lib) {
    throw new EventdbError('NOT_A_DATABASE', `${path} is a PostgreSQL ${major} data directory; this PGlite runs PostgreSQL ${lib}`, 'open it with a PGlite release built on the same PostgreSQL major version, or dump and restore it');
  }
  return 'database';
}

/** The lock file that says which process has a data directory open. */
export function dataDirLockPath(path: string): string {
  return lockFilePath(path, 'open');
}

/**
 * Holds the data directory for this process until `release()` — a SQLite exclusive transaction on
 * a sibling lock file (see file-lock.ts), which the kernel drops when the process dies, `kill -9`
 * included. PGlite is one PostgreSQL backend in this process: two processes opening the same
 * directory would corrupt it, so a second one waits up to `waitMs`, then fails with LOCK_BUSY (exit 4).
 */
export async function holdDataDir(path: string, waitMs: number): Promise<() => Promise<void>> {
  mkdirSync(dirname(path), { recursive: true });
  let acquired!: () => void;
  const got = new Promise<void>((r) => (acquired = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const held = withFileLock(dataDirLockPath(path), `PGlite data directory ${path}`, { timeoutMs: waitMs }, async () => {
    acquired();
    await released;
  });
  try {
    await Promise.race([got, held]);
  } catch (e) {
    if (e instanceof EventdbError && e.code === 'LOCK_TIMEOUT') {
      throw new EventdbError(
        'LOCK_BUSY',
        e.message.replace(/^PGlite data directory (.*?) is held by /, 'PGlite data directory $1 is open in '),
        'PGlite allows one process at a time: wait for the other eventdb process to finish, or raise --lock-timeout',
        { cause: e, details: e.details },
      );
    }
    throw e;
  }
  return async () => {
    release();
    await held;
  };
}
