import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { openDatabase } from '../../../src/index.js';
import { resolveConfig } from '../../../src/config/index.js';
import { runCli } from '../../helpers/cli.js';

/*
 * DuckDB takes a foreign key only to a primary key or a UNIQUE constraint, not to a unique index.
 * `schema pull` declares `email VARCHAR UNIQUE` as `unique(…)`, and `migrate diff` made it a CREATE
 * UNIQUE INDEX, so the README's adopt walkthrough failed on a table whose unique key another
 * references ("does not have a primary key or unique constraint on the columns email"). A new table's
 * referenced unique key is now a constraint of its CREATE TABLE.
 */
const root = mkdtempSync(join(tmpdir(), 'eventdb-duckuq-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('pull → diff initial → up on a fresh file: the referenced unique key is a constraint, the key works, validate is clean', async () => {
  const a = join(root, 'a');
  mkdirSync(join(a, 'migrations'), { recursive: true });
  writeFileSync(
    join(a, 'migrations', '0001_u.sql'),
    '-- eventdb:up\nCREATE TABLE account (id INTEGER PRIMARY KEY, email VARCHAR UNIQUE, code VARCHAR, UNIQUE (code, id));\nCREATE TABLE login (id INTEGER PRIMARY KEY, account_email VARCHAR REFERENCES account(email));\n',
  );
  const cliIn = (dir: string, file: string, ...args: string[]) => runCli(['--url', `duckdb:${join(dir, file)}`, ...args], { cwd: dir, env: { EVENTDB_MIGRATIONS_DIR: join(dir, 'migrations'), EVENTDB_SCHEMA_DIR: join(dir, 'schema') } });
  expect((await cliIn(a, 'a.duckdb', 'migrate', 'up')).code).toBe(0);
  expect((await cliIn(a, 'a.duckdb', 'schema', 'pull')).code).toBe(0);

  const b = join(root, 'b');
  mkdirSync(b);
  cpSync(join(a, 'schema'), join(b, 'schema'), { recursive: true });
  const diff = await cliIn(b, 'b.duckdb', 'migrate', 'diff', 'initial');
  expect(diff.code, diff.stderr).toBe(0);
  const text = readFileSync(join(b, 'migrations', readdirSync(join(b, 'migrations'))[0]!), 'utf8');
  expect(text).toContain('constraint "account_email_key" unique ("email")');
  expect(text).toContain('create unique index "account_code_id_key" on "account" ("code", "id")'); // referenced by nothing: an index
  const up = await cliIn(b, 'b.duckdb', 'migrate', 'up');
  expect(up.code, up.stderr).toBe(0);
  const v = await cliIn(b, 'b.duckdb', 'validate', '--env', 'production');
  expect(v.code, v.stdout + v.stderr).toBe(0);

  const conn = await openDatabase(await resolveConfig({ flags: { url: `duckdb:${join(b, 'b.duckdb')}` }, env: {}, cwd: b }));
  try {
    await sql`insert into account values (1, 'a@x.org', 'c')`.execute(conn.db);
    await sql`insert into login values (1, 'a@x.org')`.execute(conn.db);
    await expect(sql`insert into login values (2, 'nobody@x.org')`.execute(conn.db)).rejects.toThrow(/foreign key/i);
    await expect(sql`insert into account values (2, 'a@x.org', 'd')`.execute(conn.db)).rejects.toThrow(/duplicate key|unique/i);
  } finally {
    await conn.close();
  }
});

it('a default drawing from a sequence: diff initial creates the sequence first (as on PostgreSQL); the rebuilt file numbers rows', async () => {
  const a = join(root, 'seq-a');
  mkdirSync(join(a, 'migrations'), { recursive: true });
  writeFileSync(join(a, 'migrations', '0001_person.sql'), "-- eventdb:up\nCREATE SEQUENCE seq_person START 100 INCREMENT BY 5;\nCREATE TABLE person (id INTEGER PRIMARY KEY DEFAULT nextval('seq_person'), name VARCHAR);\n");
  const cliIn = (dir: string, file: string, ...args: string[]) => runCli(['--url', `duckdb:${join(dir, file)}`, ...args], { cwd: dir, env: { EVENTDB_MIGRATIONS_DIR: join(dir, 'migrations'), EVENTDB_SCHEMA_DIR: join(dir, 'schema') } });
  expect((await cliIn(a, 'a.duckdb', 'migrate', 'up')).code).toBe(0);
  expect((await cliIn(a, 'a.duckdb', 'schema', 'pull')).code).toBe(0);
  const b = join(root, 'seq-b');
  mkdirSync(b);
  cpSync(join(a, 'schema'), join(b, 'schema'), { recursive: true });
  const diff = await cliIn(b, 'b.duckdb', 'migrate', 'diff', 'initial');
  expect(diff.code, diff.stderr).toBe(0);
  const text = readFileSync(join(b, 'migrations', readdirSync(join(b, 'migrations'))[0]!), 'utf8');
  expect(text.indexOf('create sequence seq_person;')).toBeGreaterThan(-1);
  expect(text.indexOf('create sequence seq_person;')).toBeLessThan(text.indexOf('create table "person"'));
  expect(text).toContain('drop sequence seq_person;');
  expect((await cliIn(b, 'b.duckdb', 'migrate', 'up')).code).toBe(0);
  expect((await cliIn(b, 'b.duckdb', 'validate', '--env', 'production')).code).toBe(0);
  const conn = await openDatabase(await resolveConfig({ flags: { url: `duckdb:${join(b, 'b.duckdb')}` }, env: {}, cwd: b }));
  try {
    await sql`insert into person (name) values ('a'), ('b')`.execute(conn.db);
    expect((await sql<{ id: number }>`select id from person order by id`.execute(conn.db)).rows.map((r) => r.id)).toEqual([1, 2]);
  } finally {
    await conn.close();
  }
});
