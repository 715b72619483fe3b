import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/*
 * `restore --latest --to "$DEST"` with DEST unset passed `--to ""`, which was taken as no --to: the
 * snapshot was restored over the configured database (with --no-keep, nothing kept) — exit 0. An empty
 * option value or argument is now a usage error, and nothing runs.
 */
const dir = mkdtempSync(join(tmpdir(), 'eventdb-empty-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('restore --to "" is refused (exit 2) and the configured database keeps its rows; --url "" creates no default database', async () => {
  const file = join(dir, 'app.sqlite');
  const db = new Database(file);
  db.exec("create table users (id integer primary key); insert into users values (1)");
  db.close();
  const store = `file://${join(dir, 'store')}`;
  expect((await runCli(['backup', '--url', `sqlite:${file}`, '--store', store], { cwd: dir })).code).toBe(0);
  const more = new Database(file);
  more.exec('insert into users values (2), (3)');
  more.close();
  const before = readFileSync(file);

  const r = await runCli(['restore', '--latest', '--to', '', '--no-keep', '--url', `sqlite:${file}`, '--store', store, '--json'], { cwd: dir });
  expect(r.code).toBe(2);
  expect(r.json()).toMatchObject({ ok: false, error: { code: 'USAGE', message: '--to was given an empty value' } });
  expect(readFileSync(file).equals(before)).toBe(true);
  const after = new Database(file, { readonly: true });
  expect((after.prepare('select count(*) as n from users').get() as { n: number }).n).toBe(3);
  after.close();

  const u = await runCli(['--url', '', 'migrate', 'up'], { cwd: dir, env: { EVENTDB_MIGRATIONS_DIR: join(dir, 'none') } });
  expect(u.code).toBe(2);
  expect(u.stderr).toBe('error: --url was given an empty value\nhint: give --url a value, or leave the option out (an unset shell variable expands to nothing)\n');
  expect(existsSync(join(dir, 'eventdb.sqlite'))).toBe(false);
});
