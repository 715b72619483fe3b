/**
 * A per-user cache of a pristine PGlite data directory — what initdb leaves, as a tar, for this PGlite
 * and PostgreSQL version — so that a new data directory or in-memory database in a later process is
 * loaded from it instead of running initdb again (seconds of WASM in every process that makes one).
 *
 * Where: `EVENTDB_PGLITE_CACHE` (a folder, or `off`), else `$XDG_CACHE_HOME/eventdb`, else
 * `~/.cache/eventdb`. The file is untrusted input: it is used only when the folder and the file are
 * this user's own, not symbolic links, and not writable by group or others, and when the SHA-256 in
 * its first line matches the bytes after it; anything else is ignored (initdb runs, as without a
 * cache). It is written whole to a temporary name and renamed, and never deleted.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { libraryVersion } from './version.js';

const MAGIC = 'eventdb-pglite-image sha256=';
/** The first line: the magic, 64 hex digits, a newline. */
const HEADER_BYTES = MAGIC.length + 64 + 1;

function cacheDir(): string | undefined {
  const set = process.env.EVENTDB_PGLITE_CACHE;
  if (set === 'off' || set === '0') return undefined;
  if (set) return resolve(set);
  const base = process.env.XDG_CACHE_HOME || (homedir() ? join(homedir(), '.cache') : '');
  return base ? join(base, 'eventdb') : undefined;
}

function imagePath(dir: string): string {
  const v = libraryVersion();
  return join(dir, `pglite-${v.pglite}-pg${v.postgres}.image`.replace(/[^\w.-]/g, '_'));
}

/** A folder or file of this user's own, not a link, not writable by group or others. */
function ownedPrivately(path: string, kind: 'dir' | 'file'): boolean {
  const st = lstatSync(path);
  if (kind === 'dir' ? !st.isDirectory() : !st.isFile()) return false;
  const uid = process.getuid?.();
  return (uid === undefined || st.uid === uid) && (st.mode & 0o022) === 0;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The cached image, or undefined when there is none or it is not to be trusted. */
export async function readCachedImage(): Promise<Blob | undefined> {
  try {
    const dir = cacheDir();
    if (!dir) return undefined;
    const file = imagePath(dir);
    if (!ownedPrivately(dir, 'dir') || !ownedPrivately(file, 'file')) return undefined;
    const bytes = await readFile(file);
    const header = bytes.subarray(0, HEADER_BYTES).toString('latin1');
    if (!header.startsWith(MAGIC) || header[HEADER_BYTES - 1] !== '\n') return undefined;
    const tar = bytes.subarray(HEADER_BYTES);
    if (tar.length === 0 || sha256(tar) !== header.slice(MAGIC.length, MAGIC.length + 64)) return undefined;
    return new Blob([tar]);
  } catch {
    return undefined; // no cache, or one that cannot be read: initdb runs
  }
}

/** Keeps `image` for later processes. Best effort: a cache that cannot be written changes nothing else. */
export async function writeCachedImage(image: Blob): Promise<void> {
  const dir = cacheDir();
  if (!dir) return;
  let tmp: string | undefined;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!ownedPrivately(dir, 'dir')) return;
    const tar = new Uint8Array(await image.arrayBuffer());
    const file = imagePath(dir);
    tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, Buffer.concat([Buffer.from(`${MAGIC}${sha256(tar)}\n`, 'latin1'), tar]), { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
    tmp = undefined;
  } catch {
    /* a read-only or full disk: the next process runs initdb, as without a cache */
  } finally {
    if (tmp) rmSync(tmp, { force: true }); // only the temporary file this call created
  }
}
