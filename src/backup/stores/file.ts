import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, rmdirSync, rmSync } from 'node:fs';
import { open, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
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

  async put(key: string, body: NodeJS.ReadableStream | Readable): Promise<PutResult> {
    const final = this.path(key);
    const dir = dirname(final);
    let made: string | undefined;
    try {
      made = mkdirSync(dir, { recursive: true }); // registered (below) in the same step
    } catch (e) {
      throw fsError(e, `cannot create ${dir}`);
    }
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
    // Opened here, so that a missing object and an unreadable one fail now, each with its own code.
    let fh;
    try {
      fh = await open(p, 'r');
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') throw new EventdbError('NOT_FOUND', `object ${key} does not exist in ${this.display}`, 'run `eventdb backup list` to see the snapshots in this store');
      throw fsError(e, `cannot read ${p}`);
    }
    if ((await fh.stat()).isDirectory()) {
      await fh.close();
      throw new EventdbError('NOT_FOUND', `object ${key} does not exist in ${this.display}`, 'run `eventdb backup list` to see the snapshots in this store');
    }
    // 1 MiB reads (the default is 64 KiB): the decompressor downstream takes fewer, larger pieces (#18).
    return fh.createReadStream({ highWaterMark: 1 << 20 });
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const start = this.path(prefix.replace(/\/+$/, ''), { prefix: true });
    let st;
    try {
      st = await stat(start);
    } catch (e) {
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
        if (ent.isDirectory()) yield* walk(p, root);
        else if (ent.isFile()) {
          const st = await stat(p);
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
    yield* walk(start, this.root);
  }

  async delete(keys: string[]): Promise<void> {
    const dirs = new Set<string>();
    for (const k of keys) {
      const p = this.path(k);
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


function fsError(e: unknown, what: string): EventdbError {
  const code = (e as { code?: string }).code;
  if (code === 'ENOSPC') return new EventdbError('DISK_FULL', `${what}: no space left on device`, 'free disk space or use another store', { cause: e });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new EventdbError('STORE_FAILED', `${what}: permission denied`, 'check the store folder and its permissions', { cause: e });
  return new EventdbError('STORE_FAILED', `${what}: ${messageOf(e)}`, 'check the store folder', { cause: e });
}
