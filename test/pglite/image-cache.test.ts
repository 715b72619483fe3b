import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readCachedImage, writeCachedImage } from '../../src/dialects/pglite/image-cache.js';
import { runCli } from '../helpers/cli.js';

/*
 * The per-user cache of a pristine PGlite data directory (src/dialects/pglite/image-cache.ts): a new
 * `pglite:` folder or in-memory database is loaded from it instead of running initdb. The file is
 * untrusted: used only when it and its folder are private to the user and its SHA-256 matches.
 */
const root = mkdtempSync(join(tmpdir(), 'eventdb-pglite-cache-'));
const empty = join(root, 'migrations');
mkdirSync(empty);
afterAll(() => rmSync(root, { recursive: true, force: true }));
const saved = process.env.EVENTDB_PGLITE_CACHE;
afterEach(() => {
  if (saved === undefined) delete process.env.EVENTDB_PGLITE_CACHE;
  else process.env.EVENTDB_PGLITE_CACHE = saved;
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const imageFile = (dir: string) => join(dir, readdirSync(dir).find((f) => f.endsWith('.image'))!);
let n = 0;
/** `migrate up` (no migrations: the history tables) on a new pglite: folder; how PGlite started. */
async function upNew(cache: string): Promise<{ how: string; url: string }> {
  const url = `pglite:${join(root, `db${++n}`)}`;
  const r = await runCli(['migrate', 'up', '--url', url, '--migrations', empty], { cwd: root, env: { EVENTDB_TRACE: '1', EVENTDB_PGLITE_CACHE: cache }, timeoutMs: 120_000 });
  expect(r.code, r.stderr).toBe(0);
  const how = /pglite (initdb|started from the image)/.exec(r.stderr)?.[1] ?? 'neither';
  return { how, url };
}

describe('PGlite image cache, end to end', () => {
  it('the first new folder runs initdb and writes the image; the next is loaded from it and is a working database', async () => {
    const cache = join(root, 'cache');
    expect((await upNew(cache)).how).toBe('initdb');
    const file = imageFile(cache);
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const bytes = readFileSync(file);
    const nl = bytes.indexOf(10);
    expect(bytes.subarray(0, nl).toString()).toBe(`eventdb-pglite-image sha256=${sha(bytes.subarray(nl + 1))}`);
    const second = await upNew(cache);
    expect(second.how).toBe('started from the image');
    const st = await runCli(['migrate', 'status', '--url', second.url, '--migrations', empty, '--json'], { cwd: root });
    expect(st.code, st.stderr).toBe(0);
    expect(st.json()).toMatchObject({ ok: true, pending: 0 });
  });

  it('a damaged image is ignored (initdb) and replaced by a good one', async () => {
    const cache = join(root, 'cache');
    const file = imageFile(cache);
    const bytes = readFileSync(file);
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff;
    writeFileSync(file, bytes, { mode: 0o600 });
    expect((await upNew(cache)).how).toBe('initdb');
    const fresh = readFileSync(file);
    const nl = fresh.indexOf(10);
    expect(fresh.subarray(0, nl).toString()).toBe(`eventdb-pglite-image sha256=${sha(fresh.subarray(nl + 1))}`);
  });

  it('a folder others can write to is neither read nor written; EVENTDB_PGLITE_CACHE=off uses none', async () => {
    const open = join(root, 'open-cache');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect((await upNew(open)).how).toBe('initdb');
    expect(readdirSync(open)).toEqual([]);
    expect((await upNew('off')).how).toBe('initdb');
    expect(existsSync(join(root, 'off'))).toBe(false);
  });
});

describe('readCachedImage: what it trusts', () => {
  const dir = join(root, 'unit');
  const write = async (tar: Uint8Array) => {
    process.env.EVENTDB_PGLITE_CACHE = dir;
    await writeCachedImage(new Blob([tar]));
    return imageFile(dir);
  };

  it('reads back what was written', async () => {
    const tar = new Uint8Array([1, 2, 3, 4, 5]);
    await write(tar);
    expect(new Uint8Array(await (await readCachedImage())!.arrayBuffer())).toEqual(tar);
  });

  it('not a file of its own kept privately: a group-writable file, a symbolic link, a wrong sum', async () => {
    const file = await write(new Uint8Array([9, 9, 9]));
    chmodSync(file, 0o620);
    expect(await readCachedImage()).toBeUndefined();
    chmodSync(file, 0o600);
    expect(await readCachedImage()).toBeDefined();
    const real = `${file}.real`;
    writeFileSync(real, readFileSync(file), { mode: 0o600 });
    rmSync(file);
    symlinkSync(real, file);
    expect(await readCachedImage()).toBeUndefined();
    rmSync(file);
    writeFileSync(file, Buffer.concat([Buffer.from(`eventdb-pglite-image sha256=${'0'.repeat(64)}\n`), Buffer.from([9, 9, 9])]), { mode: 0o600 });
    expect(await readCachedImage()).toBeUndefined();
  });
});
