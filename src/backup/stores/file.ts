import { randomBytes } from 'node:crypto';
import { constants, createWriteStream, lstatSync, mkdirSync, rmdirSync, rmSync, type Stats } from 'node:fs';
import { lstat, open, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EventdbError, messageOf } from '../../errors.js';
import { fsyncDir } from '../../fsync-dir.js';
import { onInterrupt } from '../../interrupt-cleanup.js';
import { meter as byteMeter } from '../codec.js';
import type { StoreUrl } from './index.js';
import { checkKey } from './keys.js';
import type { PutResult, Store, StoredObject } from './types.js';

/** put's temp files (`.<12 hex>.tmp`), and how long one may stay untouched before it counts as left by a killed write. */
const TEMP_FILE = /^\.[0-9a-f]{12}\.tmp$/;
const STALE_TEMP_MS = 60 * 60 * 1000;

/** The store registry's factory (stores/index.ts): `file:` URLs. */
export function createStore(loc: StoreUrl): Store {
  return new FileStore(loc.path!);
}

/**
 * A folder on a local (or mounted) filesystem. Writes go to a temp file in the same folder, are
 * fsynced and renamed into place, so an object is whole or absent.
 */
export class FileStore implements Store {
  readonly kind = 'file' as const;
  readonly display: string;

  constructor(readonly root: string) {
    this.display = `file:${root}`;
  }

  private path(key: string, opts: { prefix?: boolean } = {}): string {
    checkKey(key, opts);
    const p = resolve(this.root, ...key.split('/'));
    if (p !== this.root && !p.startsWith(this.root + sep)) {
      throw new EventdbError('STORE_FAILED', `invalid object key "${key}"`, 'object keys must stay inside the store');
    }
    return p;
  }

  /**
   * Throws STORE_FAILED when a folder on the way from the root to `p` (the root itself excluded: the
   * URL names it) is a symbolic link: a link inside the store can lead anywhere — out of the store, or
   * round in a loop — and eventdb only ever makes real folders there. Stops at the first missing one.
   */
  private checkNoLinks(p: string): void {
    const parts = relative(this.root, p).split(sep).filter(Boolean);
    let at = this.root;
    for (const part of parts.slice(0, -1)) {
      at = join(at, part);
      let st: Stats;
      try {
        st = lstatSync(at);
      } catch {
        return; // missing (or unreadable: the operation itself reports that)
      }
      if (st.isSymbolicLink()) throw linkInStore(this.display, relative(this.root, at));
    }
  }

  /** STORE_NOT_FOUND when the root folder does not exist (a typo in --store), as a missing bucket is. */
  private async checkRoot(): Promise<void> {
    let st;
    try {
      st = await stat(this.root);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new EventdbError('STORE_NOT_FOUND', `the store folder ${this.root} does not exist`, 'check --store (or EVENTDB_STORE); `eventdb backup` creates the folder');
      throw fsError(e, `cannot read ${this.root}`);
    }
    if (!st.isDirectory()) throw new EventdbError('STORE_NOT_FOUND', `the store ${this.display} is not a folder`, 'point --store (or EVENTDB_STORE) at a folder');
  }

  async put(key: string, body: NodeJS.ReadableStream | Readable): Promise<PutResult> {
    const final = this.path(key);
    const dir = dirname(final);
    this.checkNoLinks(final);
    // Made folder by folder, registered (below) in the same step: mkdirSync's own `recursive` retries
    // for ever where a parent exists and the child cannot be made (`/proc/self/…`).
    const made = makeFolders(dir);
    const tmp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
    const meter = byteMeter(); // size and SHA-256 of exactly what is stored
    // Interrupted: the temp file goes, and the folders this put created if they are left empty.
    const off = onInterrupt(() => {
      rmSync(tmp, { force: true });
      for (let d = dir; made && d.startsWith(made); d = dirname(d)) {
        try {
          rmdirSync(d);
        } catch {
          break; // not empty: another object is in it
        }
      }
    });
    try {
      await pipeline(body, meter, createWriteStream(tmp));
      const fh = await open(tmp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, final);
      await fsyncDir(dir);
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => undefined);
      if (e instanceof EventdbError) throw e;
      throw fsError(e, `cannot write ${final}`);
    } finally {
      off();
    }
    return { size: meter.bytes(), sha256: meter.sha256() };
  }

  async get(key: string): Promise<Readable> {
    const p = this.path(key);
    this.checkNoLinks(p);
    const notFound = () => new EventdbError('NOT_FOUND', `object ${key} does not exist in ${this.display}`, 'run `eventdb backup list` to see the snapshots in this store');
    // Opened here, so that a missing object and an unreadable one fail now, each with its own code.
    // Never through a link (O_NOFOLLOW), and without waiting for a writer (O_NONBLOCK: a FIFO opens at
    // once, then is refused below as not a regular file).
    let fh;
    try {
      fh = await open(p, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') {
        await this.checkRoot();
        throw notFound();
      }
      if (code === 'ELOOP' || code === 'EMLINK') throw new EventdbError('NOT_FOUND', `object ${key} in ${this.display} is a symbolic link, not a stored object`, 'eventdb does not follow links inside a store; remove the link (check who can write to the store)', { details: { notAFile: true } });
      throw fsError(e, `cannot read ${p}`);
    }
    const st = await fh.stat();
    if (!st.isFile()) {
      await fh.close();
      if (st.isDirectory()) throw notFound();
      throw new EventdbError('NOT_FOUND', `object ${key} in ${this.display} is not a regular file (a FIFO, socket or device), not a stored object`, 'eventdb reads only regular files from a store; remove it (check who can write to the store)', { details: { notAFile: true } });
    }
    // 1 MiB reads (the default is 64 KiB): the decompressor downstream takes fewer, larger pieces (#18).
    return fh.createReadStream({ highWaterMark: 1 << 20 });
  }

  /**
   * Walks the folders under `prefix` without following symbolic links (a link to `/` or a loop would
   * walk anything, or for ever) and lists regular files only: a FIFO, socket or device is never an
   * object. STORE_NOT_FOUND when the store's folder does not exist.
   */
  async *list(prefix: string): AsyncIterable<StoredObject> {
    await this.checkRoot();
    const start = this.path(prefix.replace(/\/+$/, ''), { prefix: true });
    let st: Stats;
    try {
      this.checkNoLinks(join(start, 'x')); // every folder down to `start` itself
      st = start === this.root ? await stat(start) : await lstat(start); // the root may be a link: the URL names it
    } catch (e) {
      if (e instanceof EventdbError) throw e;
      if ((e as { code?: string }).code === 'ENOENT' || (e as { code?: string }).code === 'ENOTDIR') return;
      throw fsError(e, `cannot read ${start}`);
    }
    const walk = async function* (dir: string, root: string): AsyncIterable<StoredObject> {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        throw fsError(e, `cannot read ${dir}`);
      }
      for (const ent of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        const p = join(dir, ent.name);
        // Dirent types come from the entry itself: a symbolic link is neither a directory nor a file here.
        if (ent.isDirectory()) yield* walk(p, root);
        else if (ent.isFile()) {
          const st = await lstat(p).catch(() => undefined);
          if (!st?.isFile()) continue; // gone, or replaced by something else, meanwhile
          // A temp file being written is not an object yet; one untouched for an hour is what a killed
          // write left (a put writes it continuously): listed, so its folder is reported and pruned as incomplete.
          if (ent.name.endsWith('.tmp') && !(TEMP_FILE.test(ent.name) && Date.now() - st.mtimeMs >= STALE_TEMP_MS)) continue;
          yield { key: relative(root, p).split(sep).join('/'), size: st.size, modified: st.mtime };
        }
      }
    };
    if (st.isFile()) {
      yield { key: prefix, size: st.size, modified: st.mtime };
      return;
    }
    if (!st.isDirectory()) return; // a link (the root's own links aside) or a special file: nothing to list
    yield* walk(start, this.root);
  }

  async delete(keys: string[]): Promise<void> {
    const dirs = new Set<string>();
    for (const k of keys) {
      const p = this.path(k);
      this.checkNoLinks(p);
      await rm(p, { force: true });
      dirs.add(dirname(p));
    }
    // Remove folders left empty (a snapshot's folder), never the root.
    for (const d of dirs) {
      let dir = d;
      while (dir.startsWith(this.root + sep)) {
        try {
          if ((await readdir(dir)).length > 0) break;
          await rmdir(dir);
        } catch {
          break;
        }
        dir = dirname(dir);
      }
    }
  }
}

/**
 * `mkdir -p` one folder at a time, from the nearest existing ancestor down; returns the first folder
 * it made (undefined when `dir` existed). Bounded by the path's depth: Node's recursive mkdirSync loops
 * for ever where a parent exists and mkdir of the child fails with ENOENT (procfs: `/proc/self/x`).
 */
function makeFolders(dir: string): string | undefined {
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    let st: Stats | undefined;
    try {
      st = lstatSync(d);
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') throw fsError(e, `cannot create ${dir}`);
    }
    if (st) break; // exists (the root may be a link: the URL names it); mkdir below says if it is no folder
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const [i, d] of missing.entries()) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as { code?: string }).code === 'EEXIST') continue; // made meanwhile by another backup
      // What this call made is removed again (still empty).
      for (const m of missing.slice(0, i).reverse()) {
        try {
          rmdirSync(m);
        } catch {
          break;
        }
      }
      throw fsError(e, `cannot create ${dir}`);
    }
  }
  return missing[0];
}

function linkInStore(display: string, where: string): EventdbError {
  return new EventdbError('STORE_FAILED', `${where.split(sep).join('/')} in ${display} is a symbolic link: eventdb does not follow links inside a store`, 'replace the link with a real folder (a link can lead out of the store), or point --store at the folder it names');
}

function fsError(e: unknown, what: string): EventdbError {
  const code = (e as { code?: string }).code;
  if (code === 'ENOSPC') return new EventdbError('DISK_FULL', `${what}: no space left on device`, 'free disk space or use another store', { cause: e });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new EventdbError('STORE_FAILED', `${what}: permission denied`, 'check the store folder and its permissions', { cause: e });
  return new EventdbError('STORE_FAILED', `${what}: ${messageOf(e)}`, 'check the store folder', { cause: e });
}
