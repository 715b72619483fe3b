import { accessSync, constants, existsSync, openSync, readSync, closeSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { EventdbError } from '../errors.js';

export interface FileState {
  exists: boolean;
  size: number;
  writable: boolean;
}

/**
 * Checks a database file before a driver touches it, so that a wrong path fails with a clear error
 * and the file stays byte-for-byte as it was. `magic` is checked at `offset` when the file is non-empty.
 */
export function checkDatabaseFile(path: string, engineName: string, magic: { offset: number; bytes: string }, createIfMissing: boolean): FileState {
  if (existsSync(path)) {
    const st = statSync(path);
    if (st.isDirectory()) {
      throw new EventdbError('IS_A_DIRECTORY', `${path} is a directory, not a ${engineName} database file`, `point the URL at a file inside it, e.g. ${engineName.toLowerCase()}:${path}/eventdb.${engineName === 'DuckDB' ? 'duckdb' : 'sqlite'}`);
    }
    if (!st.isFile()) {
      throw new EventdbError('NOT_A_DATABASE', `${path} is not a regular file (${kindOf(st)}), not a ${engineName} database`, 'check the path and the engine in the URL (nothing was changed)');
    }
    if (st.size > 0 && !hasMagic(path, magic)) {
      throw new EventdbError('NOT_A_DATABASE', `${path} is not a ${engineName} database`, `check the path and the engine in the URL (the file was not changed)`);
    }
    return { exists: true, size: st.size, writable: isWritable(path, st.mode) };
  }
  const dir = dirname(path);
  if (!existsSync(dir)) {
    if (!createIfMissing) return { exists: false, size: 0, writable: false };
    throw new EventdbError('CONNECT', `cannot create ${path}: directory ${dir} does not exist`, `create the directory first (mkdir -p ${dir})`);
  }
  if (createIfMissing && !isWritable(dir, statSync(dir).mode)) {
    throw new EventdbError('READ_ONLY', `cannot create ${path}: directory ${dir} is not writable`, 'check the directory permissions, or point the URL elsewhere');
  }
  return { exists: false, size: 0, writable: true };
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a file';
}

/**
 * Whether the file starts with the engine's magic. A header still all zeros is a file another process
 * is creating this moment (DuckDB writes its header after the file exists): read it again for up to
 * a second before calling it foreign; a file that stays zeros is not a database.
 */
function hasMagic(path: string, magic: { offset: number; bytes: string }): boolean {
  const buf = Buffer.alloc(magic.offset + magic.bytes.length);
  const deadline = Date.now() + 1000;
  for (;;) {
    const fd = openSync(path, 'r');
    try {
      readSync(fd, buf, 0, buf.length, 0);
    } finally {
      closeSync(fd);
    }
    if (buf.subarray(magic.offset).toString('latin1') === magic.bytes) return true;
    if (buf.some((b) => b !== 0) || Date.now() > deadline) return false;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}

/** Writable for us: access(W_OK), and — since root passes access() — at least one write bit set. */
function isWritable(path: string, mode: number): boolean {
  if ((mode & 0o222) === 0) return false;
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export function readOnlyError(path: string): EventdbError {
  return new EventdbError('READ_ONLY', `database file ${path} is read-only`, `make it writable (chmod u+w ${path}) or use a read-only command such as \`eventdb info\``);
}
