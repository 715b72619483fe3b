import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/*
 * A backup killed while it wrote an object left the file store's temp file (`.<hex>.tmp`) in the
 * snapshot's folder. The store listed no temp file, so such a folder was neither reported as incomplete
 * nor pruned after a day, as the README promises — four interrupts left 183 MB behind. A temp file
 * untouched for an hour is now listed (one being written is not), and its folder is reported and pruned.
 */
const dir = mkdtempSync(join(tmpdir(), 'eventdb-killed-put-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a folder holding only an old temp file is listed as incomplete and pruned; a fresh one is not touched', async () => {
  const env = { EVENTDB_MIGRATIONS_DIR: join(dir, 'migrations') };
  mkdirSync(env.EVENTDB_MIGRATIONS_DIR);
  writeFileSync(join(env.EVENTDB_MIGRATIONS_DIR, '001_x.sql'), '-- eventdb:up\nCREATE TABLE x (id integer);\n');
  const url = `sqlite:${join(dir, 'app.sqlite')}`;
  const store = `file://${join(dir, 'store')}`;
  expect((await runCli(['migrate', 'up', '--url', url], { cwd: dir, env })).code).toBe(0);
  expect((await runCli(['backup', '--url', url, '--store', store], { cwd: dir, env })).code).toBe(0);
  const base = join(dir, 'store', 'development', 'app');
  const killed = join(base, '20261101T000000Z-aaaaaa');
  const running = join(base, '20261101T000000Z-bbbbbb');
  mkdirSync(killed);
  mkdirSync(running);
  writeFileSync(join(killed, '.0123456789ab.tmp'), Buffer.alloc(4096));
  writeFileSync(join(running, '.ba9876543210.tmp'), Buffer.alloc(4096));
  const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
  utimesSync(join(killed, '.0123456789ab.tmp'), twoDaysAgo, twoDaysAgo);

  const list = await runCli(['backup', 'list', '--url', url, '--store', store, '--json'], { cwd: dir, env });
  expect(list.code).toBe(0);
  expect(list.json().incomplete.map((f: { id: string }) => f.id)).toEqual(['20261101T000000Z-aaaaaa']);
  expect(list.json().snapshots).toHaveLength(1);

  const prune = await runCli(['backup', 'prune', '--keep-last', '1', '--yes', '--url', url, '--store', store, '--json'], { cwd: dir, env });
  expect(prune.code, prune.stderr).toBe(0);
  expect(prune.json().prune.incomplete.map((f: { id: string }) => f.id)).toEqual(['20261101T000000Z-aaaaaa']);
  expect(existsSync(killed)).toBe(false);
  expect(readdirSync(running)).toEqual(['.ba9876543210.tmp']);
  expect((await runCli(['backup', 'list', '--url', url, '--store', store, '--json'], { cwd: dir, env })).json().snapshots).toHaveLength(1);
});
