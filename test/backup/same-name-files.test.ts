import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/**
 * Two SQLite files with one name (`x.sqlite` in two folders) share a store folder (`<env>/x/`). Before,
 * `restore --latest` of one restored the other's newest snapshot without a word. Now the manifest
 * records the file's path: each file lists, restores, prunes and ages only its own snapshots, and
 * another file's snapshot named by its ID is refused (SNAPSHOT_MISMATCH) unless --to names the target.
 */
const root = mkdtempSync(join(tmpdir(), 'eventdb-samename-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function makeDb(file: string, who: string): void {
  mkdirSync(join(file, '..'), { recursive: true });
  const db = new Database(file);
  db.exec(`create table who (name text); insert into who values ('${who}')`);
  db.close();
}
const who = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('select name from who').get() as { name: string }).name;
  } finally {
    db.close();
  }
};

it('each file restores, lists and prunes only its own snapshots; another file\'s is refused by ID', async () => {
  const a = join(root, 'x.sqlite');
  const b = join(root, 'other', 'x.sqlite');
  makeDb(a, 'A');
  makeDb(b, 'B');
  const store = `file://${join(root, 'store')}`;
  const env = { EVENTDB_MIGRATIONS_DIR: join(root, 'no-migrations') };
  const cli = (file: string, ...args: string[]) => runCli(['--url', `sqlite:${file}`, ...args, '--store', store], { env, cwd: root });
  expect((await cli(a, 'backup')).code).toBe(0);
  const bBackup = await cli(b, 'backup', '--json');
  expect(bBackup.code).toBe(0);
  const bId = bBackup.json<{ backup: { id: string } }>().backup.id;
  expect(readdirSync(join(root, 'store', 'development', 'x'))).toHaveLength(2); // one folder, as before

  // B's snapshot is the newest in the folder, yet A's --latest is A's own.
  const listed = await cli(a, 'backup', 'list', '--json');
  const l = listed.json<{ snapshots: Array<{ id: string }>; otherFiles: Array<{ id: string; path: string }> }>();
  expect(l.snapshots).toHaveLength(1);
  expect(l.otherFiles).toEqual([expect.objectContaining({ id: bId, path: b })]);
  expect((await cli(a, 'backup', 'list')).stdout).toContain(`not listed: 1 snapshot(s) of another file with this name (${b})`);
  const db = new Database(a);
  db.exec("update who set name = 'A changed'");
  db.close();
  const r = await cli(a, 'restore', '--latest', '--yes');
  expect(r.code, r.stderr).toBe(0);
  expect(who(a)).toBe('A');

  // B's snapshot by its ID over A: refused, A unchanged; with --to a new file it is restored there.
  const refused = await cli(a, 'restore', bId, '--yes');
  expect(refused.code).toBe(5);
  expect(refused.stderr).toContain(`error: snapshot ${bId} is of the file "${b}", not of "${a}" (the same name, another file)`);
  expect(refused.stderr).toContain('hint: pass --to URL');
  expect(who(a)).toBe('A');
  const copy = join(root, 'copy.sqlite');
  const to = await cli(a, 'restore', bId, '--to', `sqlite:${copy}`);
  expect(to.code, to.stderr).toBe(0);
  expect(who(copy)).toBe('B');

  // Pruning A down to one snapshot leaves B's alone.
  expect((await cli(a, 'backup')).code).toBe(0);
  const pruned = await cli(a, 'backup', 'prune', '--keep-last', '1', '--yes', '--json');
  expect(pruned.code, pruned.stderr).toBe(0);
  expect(existsSync(join(root, 'store', 'development', 'x', bId, 'manifest.json'))).toBe(true);
  expect((await cli(b, 'backup', 'list', '--json')).json<{ snapshots: Array<{ id: string }> }>().snapshots.map((s) => s.id)).toEqual([bId]);
  expect((await cli(a, 'backup', 'list', '--json')).json<{ snapshots: unknown[] }>().snapshots).toHaveLength(1);
});
