import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackup, restoreSnapshot } from '../../src/backup/index.js';
import { COMPRESSIONS, compressionSuffix, decompressor, defaultCompression, parseCompression, pureJsZstdDecompressor, runtimeHasZstd } from '../../src/backup/codec.js';
import { resolveConfig } from '../../src/config/index.js';
import { EventdbError } from '../../src/errors.js';
import { BIN, baseEnv, ROOT } from '../helpers/cli.js';
import { createPgDatabase, describeEngines, pgAdminUrl } from '../helpers/engines.js';
import { zstdNode } from '../helpers/node24.js';
import { collect, dataObject, dropPgDatabases, execSql, fingerprint, pgDatabases, sample, seedItems } from './helpers.js';

/** zstd frame magic numbers (28 b5 2f fd) in a buffer: one per frame, at least. */
function frameCount(z: Buffer): number {
  const magic = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
  let n = 0;
  for (let i = z.indexOf(magic); i !== -1; i = z.indexOf(magic, i + 1)) n++;
  return n;
}

/** eventdb's own zstd compressor (the built dist/) run by a Node.js that has zstd. */
function zstdByEventdb(input: Buffer, blockSize: number): Buffer {
  const codec = pathToFileURL(join(ROOT, 'dist', 'backup', 'codec.js')).href;
  const script = `import { compressor } from ${JSON.stringify(codec)}; process.stdin.pipe(compressor({ codec: 'zstd', blockSize: ${blockSize} })).pipe(process.stdout);`;
  return execFileSync(zstdNode(), ['--input-type=module', '-e', script], { input, maxBuffer: 64 * 1024 * 1024 });
}

describe('codecs', () => {
  it('parses zstd, gzip and none; refuses anything else, and zstd where the runtime lacks it, naming the Node version', () => {
    expect(parseCompression('gzip', '--compress')).toBe('gzip');
    expect(parseCompression(' None ', '--compress')).toBe('none');
    expect(() => parseCompression('lz4', '--compress')).toThrow(expect.objectContaining({ code: 'USAGE', message: '--compress "lz4" is not a compression', hint: 'use zstd, gzip or none' }));
    const major = Number(process.versions.node.split('.')[0]);
    const minor = Number(process.versions.node.split('.')[1]);
    // node:zlib gained zstd in 22.15 (and 23.8): the default follows the runtime.
    expect(runtimeHasZstd()).toBe(major > 23 || (major === 23 && minor >= 8) || (major === 22 && minor >= 15));
    expect(defaultCompression()).toBe(runtimeHasZstd() ? 'zstd' : 'gzip');
    if (runtimeHasZstd()) expect(parseCompression('ZSTD', '--compress')).toBe('zstd');
    else expect(() => parseCompression('zstd', '--compress')).toThrow(expect.objectContaining({ code: 'USAGE', message: `--compress zstd needs Node.js 22.15 or later; this is Node.js ${process.versions.node}` }));
    expect(COMPRESSIONS.map(compressionSuffix)).toEqual(['.zst', '.gz', '']);
  });

  it('zstd written by eventdb on a runtime with zstd is independent frames in order, read here by node:zlib or the pure-JS decoder, and by the zstd tool', async () => {
    const input = sample(3 * 1024 * 1024 + 4321);
    const zst = zstdByEventdb(input, 256 * 1024);
    expect(frameCount(zst)).toBeGreaterThanOrEqual(Math.ceil(input.length / (256 * 1024)));
    expect(zst.length).toBeLessThan(input.length / 2);
    // The decoder this runtime uses for restores (node:zlib on ≥ 22.15, fzstd on Node 20) …
    expect((await collect(Readable.from(chunks(zst, 65_537)).pipe(await decompressor('zstd')))).equals(input)).toBe(true);
    // … and the pure-JS one explicitly, on every runtime.
    expect((await collect(Readable.from(chunks(zst, 4099)).pipe(await pureJsZstdDecompressor()))).equals(input)).toBe(true);
    // The zstd tool reads it as one stream (what a user restoring by hand would use).
    const dir = mkdtempSync(join(tmpdir(), 'eventdb-zstd-'));
    try {
      writeFileSync(join(dir, 'x.zst'), zst);
      expect(execFileSync('zstd', ['-dc', join(dir, 'x.zst')], { maxBuffer: 64 * 1024 * 1024 }).equals(input)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an empty input is a valid empty zstd stream; a truncated one fails in the pure-JS decoder', async () => {
    const empty = zstdByEventdb(Buffer.alloc(0), 1024 * 1024);
    expect(empty.length).toBeGreaterThan(0);
    expect((await collect(Readable.from([empty]).pipe(await pureJsZstdDecompressor()))).length).toBe(0);
    const zst = zstdByEventdb(sample(300_000), 1024 * 1024);
    await expect(collect(Readable.from([zst.subarray(0, zst.length - 100)]).pipe(await pureJsZstdDecompressor()))).rejects.toThrow(/invalid zstd data/);
  });
});

function chunks(b: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}

describe('a zstd snapshot taken on Node 24 restores on this runtime', () => {
  // PostgreSQL: the file engines' cross-process lock loads better-sqlite3, which is built for one
  // runtime at a time; pg and pg_dump load under any Node.
  let dir: string;
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eventdb-zstd-rt-'));
    db = await createPgDatabase('eventdb_zstd');
  });
  afterAll(async () => {
    await dropPgDatabases(pgAdminUrl(), await pgDatabases(pgAdminUrl(), db.name));
    rmSync(dir, { recursive: true, force: true });
  });

  it('eventdb backup --compress zstd run by Node 24, then restore here (pure-JS decoder on Node 20): same rows', async () => {
    const cfg = await resolveConfig({ flags: { url: db.url }, env: {}, cwd: dir });
    await seedItems(cfg, 700);
    const before = await fingerprint(cfg);
    const node = zstdNode();
    const version = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
    expect(Number(version.split('.')[0])).toBeGreaterThanOrEqual(22);
    const store = `file:${join(dir, 'store')}`;
    const child = spawnSync(node, [BIN, 'backup', '--json', '--url', db.url, '--store', store, '--compress', 'zstd'], { cwd: dir, env: baseEnv(), encoding: 'utf8', timeout: 60_000 });
    expect(child.status, child.stderr).toBe(0);
    const b = JSON.parse(child.stdout).backup;
    expect(b.compression).toBe('zstd');
    const manifest = JSON.parse(readFileSync(join(dir, 'store', b.location, 'manifest.json'), 'utf8'));
    expect(manifest.objects[0]).toMatchObject({ compression: 'zstd' });
    expect(manifest.objects[0].name).toMatch(/\.zst$/);

    await execSql(cfg, 'delete from items where id > 10');
    const r = await restoreSnapshot(cfg, { id: b.id, store, env: {} });
    expect(r.restored).toBe(true);
    expect(r.tables.items).toBe(700);
    expect(await fingerprint(cfg)).toEqual(before);
  });

  it('EVENTDB_BACKUP_COMPRESS chooses the codec when no option is given', async () => {
    const cfg = await resolveConfig({ flags: { url: db.url }, env: {}, cwd: dir });
    const b = await createBackup(cfg, { store: `file:${join(dir, 'store-env')}`, env: { EVENTDB_BACKUP_COMPRESS: 'none' } });
    expect(b.compression).toBe('none');
    const d = await createBackup(cfg, { store: `file:${join(dir, 'store-default')}`, env: {} });
    expect(d.compression).toBe(defaultCompression());
    const e = await createBackup(cfg, { store: `file:${join(dir, 'store-bad')}`, env: { EVENTDB_BACKUP_COMPRESS: 'brotli' } }).then(() => undefined, (err: unknown) => err);
    expect(e).toMatchObject({ code: 'USAGE', message: 'EVENTDB_BACKUP_COMPRESS "brotli" is not a compression' });
    expect(existsSync(join(dir, 'store-bad'))).toBe(false);
  });
});

describe('a manifest naming an unknown codec', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'eventdb-codec-unknown-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is refused by restore with CORRUPT_SNAPSHOT naming the field; the database is unchanged', async () => {
    const cfg = await resolveConfig({ flags: { url: `sqlite:${join(dir, 'app.sqlite')}` }, env: {}, cwd: dir });
    await seedItems(cfg, 30);
    const store = `file:${join(dir, 'store')}`;
    const b = await createBackup(cfg, { store, compress: 'gzip', env: {} });
    const mpath = join(dir, 'store', b.location, 'manifest.json');
    const manifest = JSON.parse(readFileSync(mpath, 'utf8'));
    manifest.objects[0].compression = 'lz4';
    writeFileSync(mpath, JSON.stringify(manifest));
    await execSql(cfg, 'delete from items where id > 5');
    const before = await fingerprint(cfg);
    const e = await restoreSnapshot(cfg, { id: b.id, store, env: {} }).then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(EventdbError);
    expect(e).toMatchObject({ code: 'CORRUPT_SNAPSHOT', message: `snapshot ${b.id} is damaged: the manifest ${b.id}/manifest.json is damaged: "objects[0].compression" is missing or invalid` });
    expect(await fingerprint(cfg)).toEqual(before);
  });
});

describeEngines('backup --compress', (fx) => {
  it('zstd, gzip and none each round-trip and are recorded in the manifest; zstd without runtime support is refused before anything is written', async () => {
    const cfg = await fx.config();
    await seedItems(cfg, 400);
    const before = await fingerprint(cfg);
    let n = 0;
    for (const codec of COMPRESSIONS) {
      const storeDir = join(fx.dir(), `store-${codec}-${++n}-${Date.now()}`);
      const store = `file:${storeDir}`;
      if (codec === 'zstd' && !runtimeHasZstd()) {
        const e = await createBackup(cfg, { store, compress: codec, env: {} }).then(() => undefined, (err: unknown) => err);
        expect(e).toBeInstanceOf(EventdbError);
        expect((e as EventdbError).code).toBe('USAGE');
        expect((e as EventdbError).message).toBe(`--compress zstd needs Node.js 22.15 or later; this is Node.js ${process.versions.node}`);
        expect(existsSync(storeDir) ? readdirSync(storeDir) : []).toEqual([]);
        expect(await fingerprint(cfg)).toEqual(before);
        continue;
      }
      const b = await createBackup(cfg, { store, compress: codec, env: {} });
      expect(b.compression).toBe(codec);
      const manifest = JSON.parse(readFileSync(join(storeDir, b.location, 'manifest.json'), 'utf8'));
      expect(manifest.objects[0].compression).toBe(codec);
      expect(manifest.objects[0].name).toMatch(new RegExp(`^data\\.[a-z]+${compressionSuffix(codec).replace('.', '\\.')}$`));
      const stored = readFileSync(dataObject(storeDir));
      if (codec === 'none') expect(stored.length).toBe(manifest.objects[0].rawSize);
      else expect(stored.length).toBeLessThan(manifest.objects[0].rawSize);

      await execSql(cfg, 'delete from items where id > 50');
      const r = await restoreSnapshot(cfg, { id: b.id, store, env: {} });
      expect(r.restored).toBe(true);
      expect(await fingerprint(cfg)).toEqual(before);
    }
  });
});
