/**
 * The README's walkthrough, as a user runs it with the built CLI: adopt an existing SQLite database
 * that has no migrations — schema pull → migrate diff (the first migration, creating the folder) →
 * migrate baseline → edit the declaration → migrate diff → migrate up — with the rows kept and every
 * check (validate's drift, diff --check) clean at the end.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'eventdb-adopt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { EVENTDB_DATABASE_URL: 'sqlite:./app.db' };
const cli = (...args: string[]) => runCli(args, { cwd: dir, env });

it('pull → diff → baseline → edit → diff → up on a database eventdb did not create', { timeout: 120_000 }, async () => {
  const db = new Database(join(dir, 'app.db'));
  db.exec(`create table venues (id integer primary key, name text not null);
    create table events (id integer primary key, venue_id integer not null references venues (id) on delete cascade, title text not null, starts_at text);
    create index events_venue_idx on events (venue_id);
    insert into venues values (1, 'hall'); insert into events values (1, 1, 'opening', '2026-12-01');`);
  db.close();

  const pull = await cli('schema', 'pull');
  expect(pull.code, pull.stderr).toBe(0);
  expect(readFileSync(join(dir, 'schema', 'index.ts'), 'utf8')).toContain("foreignKey('venue_id', 'venues', 'id', { onDelete: 'CASCADE' })");

  // --check compares only: the declaration and the (absent) migrations disagree, and nothing is created
  const check = await cli('migrate', 'diff', 'initial', '--check');
  expect(check.code).toBe(1);
  expect(existsSync(join(dir, 'migrations'))).toBe(false);

  const first = await cli('migrate', 'diff', 'initial');
  expect(first.code, first.stderr).toBe(0);
  expect(readdirSync(join(dir, 'migrations'))).toEqual(['0001_initial.sql']);

  const baseline = await cli('migrate', 'baseline', '--to', '0001_initial');
  expect(baseline.code, baseline.stderr).toBe(0);
  const validate = await cli('validate', '--json');
  expect(validate.code, validate.stderr).toBe(0);
  expect(JSON.stringify(validate.json())).toContain('no drift');

  const declaration = join(dir, 'schema', 'index.ts');
  writeFileSync(
    declaration,
    readFileSync(declaration, 'utf8')
      .replace("text('starts_at', { nullable: true }),", "text('starts_at', { nullable: true }),\n        integer('capacity', { default: '100' }),")
      .replace("index('events_venue_idx', ['venue_id']),", "index('events_venue_idx', ['venue_id']),\n        index('events_starts_idx', ['starts_at']),"),
  );
  const next = await cli('migrate', 'diff', 'add_capacity');
  expect(next.code, next.stderr).toBe(0);
  expect(readdirSync(join(dir, 'migrations')).sort()).toEqual(['0001_initial.sql', '0002_add_capacity.sql']);
  const up = await cli('migrate', 'up');
  expect(up.code, up.stderr).toBe(0);

  const after = new Database(join(dir, 'app.db'), { readonly: true });
  try {
    expect(after.prepare('select id, title, capacity from events').all()).toEqual([{ id: 1, title: 'opening', capacity: 100 }]);
    expect(after.prepare("select name from sqlite_master where type = 'index' and name = 'events_starts_idx'").get()).toEqual({ name: 'events_starts_idx' });
  } finally {
    after.close();
  }
  const clean = await cli('migrate', 'diff', 'again', '--check');
  expect(clean.code, clean.stdout + clean.stderr).toBe(0);
  expect((await cli('validate')).code).toBe(0);
});
