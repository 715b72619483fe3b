import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/*
 * Row counts were kept in plain objects: a table named `__proto__` set the object's prototype instead
 * of a count, so the manifest left it out ("2 tables" for 3) and verify never checked its rows; a
 * manifest's count for it read as "[object Object] rows". Counts are now own keys everywhere.
 */
const dir = mkdtempSync(join(tmpdir(), 'eventdb-proto-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('tables named __proto__, constructor and toString are counted, stored, printed and verified', async () => {
  const file = join(dir, 'p.sqlite');
  const db = new Database(file);
  db.exec('create table "__proto__" (x int); insert into "__proto__" values (1), (2); create table "constructor" (x int); insert into "constructor" values (1); create table "toString" (x int)');
  db.close();
  const store = join(dir, 'store');
  const b = await runCli(['--url', `sqlite:${file}`, 'backup', '--store', `file://${store}`, '--json'], { cwd: dir });
  expect(b.code, b.stderr).toBe(0);
  expect(JSON.parse(b.stdout).backup.tables).toEqual(JSON.parse('{"__proto__": 2, "constructor": 1, "toString": 0}'));
  const folder = join(store, 'development', 'p', readdirSync(join(store, 'development', 'p'))[0]!);
  const manifest = readFileSync(join(folder, 'manifest.json'), 'utf8');
  expect(manifest).toMatch(/"__proto__": 2/);
  const v = await runCli(['--url', `sqlite:${file}`, 'backup', 'verify', '--latest', '--store', `file://${store}`], { cwd: dir });
  expect(v.code, v.stderr).toBe(0);
  expect(v.stdout).toContain('row counts match the manifest (3 tables)');
  // A manifest that lies about it is caught, with the count as a number.
  writeFileSync(join(folder, 'manifest.json'), manifest.replace('"__proto__": 2', '"__proto__": 5'));
  const bad = await runCli(['--url', `sqlite:${file}`, 'backup', 'verify', '--latest', '--store', `file://${store}`], { cwd: dir });
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain('table __proto__ has 2 rows in the copy, the manifest says 5');
});
