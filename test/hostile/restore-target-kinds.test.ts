import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/*
 * `restore --to` replaced whatever the path named: a FIFO or a device node became a SQLite file (the
 * sweep turned /dev/null into one), a text file was replaced (kept aside, exit 0), and aimed at the
 * store's own data object it overwrote the snapshot, so every later restore of it failed as damaged. A
 * folder failed only after the download, with a raw EISDIR. A symbolic link was replaced by the restored
 * file, leaving the database the application opens (the link's file) as it was — "restored", exit 0. And
 * the restored file was 0600 whatever the target's mode had been.
 */
const dir = mkdtempSync(join(tmpdir(), 'eventdb-restore-kinds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { EVENTDB_MIGRATIONS_DIR: join(dir, 'migrations') };
const src = join(dir, 'app.sqlite');
const store = `file://${join(dir, 'store')}`;
const restore = (to: string) => runCli(['restore', '--latest', '--url', `sqlite:${src}`, '--store', store, '--to', `sqlite:${to}`, '--yes', '--json'], { cwd: dir, env });
const rows = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('select id from x order by id').all();
  } finally {
    db.close();
  }
};

beforeAll(async () => {
  mkdirSync(env.EVENTDB_MIGRATIONS_DIR);
  writeFileSync(join(env.EVENTDB_MIGRATIONS_DIR, '001_x.sql'), '-- eventdb:up\nCREATE TABLE x (id integer primary key);\nINSERT INTO x VALUES (1), (2);\n');
  expect((await runCli(['migrate', 'up', '--url', `sqlite:${src}`], { cwd: dir, env })).code).toBe(0);
  expect((await runCli(['backup', '--url', `sqlite:${src}`, '--store', store], { cwd: dir, env })).code).toBe(0);
});

it.each([
  ['a FIFO', 'fifo.sqlite', (p: string) => execFileSync('mkfifo', [p]), /is not a regular file \(a FIFO\), not a SQLite database$/],
  ['a text file', 'notes.sqlite', (p: string) => writeFileSync(p, 'hello\n'), /is not a SQLite database$/],
  ['a folder', 'dir.sqlite', (p: string) => mkdirSync(p), /is a directory, not a SQLite database file$/],
])('--to %s is refused before anything is downloaded, and left as it was', async (_what, name, make, message) => {
  const target = join(dir, name);
  make(target);
  const before = readdirSync(dir).sort();
  const kind = lstatSync(target);
  const r = await restore(target);
  expect(r.code).toBe(3);
  expect(r.json().error.message).toMatch(message);
  expect(r.json().error.code).toMatch(/^(NOT_A_DATABASE|IS_A_DIRECTORY)$/);
  expect(readdirSync(dir).sort()).toEqual(before);
  const after = lstatSync(target);
  expect([after.isFIFO(), after.isDirectory(), after.isFile(), after.size]).toEqual([kind.isFIFO(), kind.isDirectory(), kind.isFile(), kind.size]);
});

it("--to the store's own data object is refused and the snapshot still restores", async () => {
  const folder = join(dir, 'store', 'development', 'app');
  const [id] = readdirSync(folder);
  const object = join(folder, id!, readdirSync(join(folder, id!)).find((f) => f.startsWith('data'))!);
  const bytes = readFileSync(object);
  const r = await restore(object);
  expect(r.code).toBe(3);
  expect(r.json().error).toMatchObject({ code: 'NOT_A_DATABASE', message: `${object} is not a SQLite database` });
  expect(readFileSync(object).equals(bytes)).toBe(true);
  const ok = await restore(join(dir, 'fresh.sqlite'));
  expect(ok.code, ok.stderr).toBe(0);
  expect(rows(join(dir, 'fresh.sqlite'))).toEqual([{ id: 1 }, { id: 2 }]);
});

it('--to a symbolic link restores into the file it points to, keeping its mode; a dangling link is refused', async () => {
  const real = join(dir, 'real.sqlite');
  const other = new Database(real);
  other.exec('create table y (a integer)');
  other.close();
  chmodSync(real, 0o640);
  const link = join(dir, 'link.sqlite');
  symlinkSync('real.sqlite', link);
  const r = await restore(link);
  expect(r.code, r.stderr).toBe(0);
  expect(lstatSync(link).isSymbolicLink()).toBe(true);
  expect(rows(real)).toEqual([{ id: 1 }, { id: 2 }]);
  expect(statSync(real).mode & 0o777).toBe(0o640);
  expect(readdirSync(dir).filter((f) => f.startsWith('real.sqlite.pre-restore-'))).toHaveLength(1);

  const dangling = join(dir, 'dangling.sqlite');
  symlinkSync('nowhere.sqlite', dangling);
  const d = await restore(dangling);
  expect(d.code).toBe(3);
  expect(d.json().error).toMatchObject({ code: 'DB_NOT_FOUND', message: `${dangling} is a symbolic link to nowhere.sqlite, which does not exist` });
  expect(existsSync(join(dir, 'nowhere.sqlite'))).toBe(false);
  expect(lstatSync(dangling).isSymbolicLink()).toBe(true);
});
