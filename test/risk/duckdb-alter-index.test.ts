/**
 * DuckDB refuses to ALTER a table that has an index of its own (CREATE INDEX): "Cannot alter entry …
 * because there are entries that depend on it". A PRIMARY KEY or UNIQUE constraint does not block it,
 * and dropping the index first (the rule's advice) lets the ALTER through. The lint must say what the
 * engine does: each case is linted, then run on a real in-memory DuckDB, and the two must agree.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import { lintMigrations } from '../../src/risk/index.js';

const dir = mkdtempSync(join(tmpdir(), 'eventdb-duck-alter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TABLES: Record<string, string[]> = {
  'primary key': ['create table t (id integer primary key, b integer, c integer)'],
  'unique constraint on another column': ['create table t (id integer, b integer unique, c integer)'],
  'foreign key to a parent': ['create table p (id integer primary key)', 'create table t (id integer, b integer references p (id), c integer)'],
  'an index of its own': ['create table t (id integer, b integer, c integer)', 'create index t_b_idx on t (b)'],
};
const ALTERS = ['alter table t alter column c set not null', 'alter table t alter column c type bigint', 'alter table t rename column c to d', 'alter table t drop column c', 'alter table t rename to t2'];
const CASES = [
  ...Object.entries(TABLES).flatMap(([what, setup]) => ALTERS.map((alter) => ({ what, setup, alter: [alter] }))),
  ...ALTERS.map((alter) => ({ what: 'index dropped first, as the rule advises', setup: TABLES['an index of its own']!, alter: ['drop index t_b_idx', alter] })),
];

it.each(CASES.map((c, i) => [i, c.what, c.alter.at(-1)!, c] as const))('case %i: %s, then %s: lint and DuckDB agree', async (i, _what, _alter, c) => {
  const folder = join(dir, `case${i}`);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder);
  writeFileSync(join(folder, '0001_setup.sql'), `-- eventdb:up\n${c.setup.map((q) => `${q};`).join('\n')}\n`);
  writeFileSync(join(folder, '0002_alter.sql'), `-- eventdb:up\n${c.alter.map((q) => `${q};`).join('\n')}\n`);
  const lint = await lintMigrations({ paths: [folder], engine: 'duckdb', failOn: 'high', cwd: folder });
  const flagged = lint.findings.some((f) => f.migration === '0002_alter' && f.rule === 'unsupported-statement');

  const conn = await openDatabase({ flags: { url: 'duckdb::memory:' }, env: {}, cwd: folder });
  let refused: string | undefined;
  try {
    for (const q of c.setup) await sql.raw(q).execute(conn.db);
    for (const q of c.alter) await sql.raw(q).execute(conn.db);
  } catch (e) {
    refused = (e as Error).message;
  } finally {
    await conn.close();
  }
  const dependency = refused !== undefined && /entries that depend on it/.test(refused);
  expect({ flagged, engineRefusedForTheIndex: dependency }).toEqual({ flagged: dependency, engineRefusedForTheIndex: dependency });
  if (c.what === 'an index of its own') expect(flagged).toBe(true);
  if (c.what === 'primary key') expect(flagged).toBe(false);
});
