import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { adoptDuckdb } from './adopt-duckdb.js';

/*
 * The README's adopt walkthrough (pull, diff initial) on DuckDB schemas it failed on:
 * - DuckDB takes a foreign key only to a primary key or a UNIQUE constraint, not to a unique index;
 *   `schema pull` declares `email VARCHAR UNIQUE` as `unique(…)`, and `migrate diff` made it a CREATE
 *   UNIQUE INDEX ("does not have a primary key or unique constraint on the columns email"). A new
 *   table's referenced unique key is now a constraint of its CREATE TABLE.
 * - a default drawing from a sequence failed "Sequence … does not exist": the sequence is created first.
 */
const root = mkdtempSync(join(tmpdir(), 'eventdb-duckuq-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('the referenced unique key is a constraint, the key works, validate is clean', async () => {
  const { text, conn } = await adoptDuckdb(root, 'uq', 'CREATE TABLE account (id INTEGER PRIMARY KEY, email VARCHAR UNIQUE, code VARCHAR, UNIQUE (code, id));\nCREATE TABLE login (id INTEGER PRIMARY KEY, account_email VARCHAR REFERENCES account(email));');
  try {
    expect(text).toContain('constraint "account_email_key" unique ("email")');
    expect(text).toContain('create unique index "account_code_id_key" on "account" ("code", "id")'); // referenced by nothing: an index
    await sql`insert into account values (1, 'a@x.org', 'c')`.execute(conn.db);
    await sql`insert into login values (1, 'a@x.org')`.execute(conn.db);
    await expect(sql`insert into login values (2, 'nobody@x.org')`.execute(conn.db)).rejects.toThrow(/foreign key/i);
    await expect(sql`insert into account values (2, 'a@x.org', 'd')`.execute(conn.db)).rejects.toThrow(/duplicate key|unique/i);
  } finally {
    await conn.close();
  }
});

it('a default drawing from a sequence: diff initial creates the sequence first (as on PostgreSQL); the rebuilt file numbers rows', async () => {
  const { text, conn } = await adoptDuckdb(root, 'seq', "CREATE SEQUENCE seq_person START 100 INCREMENT BY 5;\nCREATE TABLE person (id INTEGER PRIMARY KEY DEFAULT nextval('seq_person'), name VARCHAR);");
  try {
    expect(text.indexOf('create sequence seq_person;')).toBeGreaterThan(-1);
    expect(text.indexOf('create sequence seq_person;')).toBeLessThan(text.indexOf('create table "person"'));
    expect(text).toContain('drop sequence seq_person;');
    await sql`insert into person (name) values ('a'), ('b')`.execute(conn.db);
    expect((await sql<{ id: number }>`select id from person order by id`.execute(conn.db)).rows.map((r) => r.id)).toEqual([1, 2]);
  } finally {
    await conn.close();
  }
});
