import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/*
 * The manifest is untrusted: a data object replaced by a small gzip of gigabytes of zeros, its size
 * and SHA-256 fixed in the manifest, was decompressed whole (3 GB, 23 s) before the sizes were
 * compared. Decompression now stops as soon as it passes the manifest's rawSize.
 */
const dir = mkdtempSync(join(tmpdir(), 'eventdb-bomb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('an object that inflates past rawSize is refused as it passes it; the target is untouched', async () => {
  const file = join(dir, 'app.sqlite');
  const db = new Database(file);
  db.exec('create table t (x integer); insert into t values (1)');
  db.close();
  const store = join(dir, 'store');
  expect((await runCli(['--url', `sqlite:${file}`, 'backup', '--compress', 'gzip', '--store', `file://${store}`], { cwd: dir })).code).toBe(0);
  const folder = join(store, 'development', 'app', readdirSync(join(store, 'development', 'app'))[0]!);
  const manifestPath = join(folder, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const obj = manifest.objects[0];
  const bomb = gzipSync(Buffer.alloc(256 * 1024 * 1024)); // 256 MiB of zeros in ~250 KB
  writeFileSync(join(folder, obj.name), bomb);
  obj.size = bomb.length;
  obj.sha256 = createHash('sha256').update(bomb).digest('hex');
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  const before = readFileSync(file);
  const r = await runCli(['--url', `sqlite:${file}`, 'restore', '--latest', '--yes', '--store', `file://${store}`], { cwd: dir });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`error: ${obj.name} decompresses to more than the ${obj.rawSize} bytes the manifest says`);
  expect(readFileSync(file).equals(before)).toBe(true);
  const v = await runCli(['--url', `sqlite:${file}`, 'backup', 'verify', '--latest', '--store', `file://${store}`], { cwd: dir });
  expect(v.code).toBe(1);
  expect(v.stderr).toContain('decompresses to more than');
});
