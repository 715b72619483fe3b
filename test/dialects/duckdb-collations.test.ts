import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { duckdbCollations } from '../../src/dialects/duckdb/collations.js';
import { adoptDuckdb, duckCli } from '../schema/generate/adopt-duckdb.js';

/*
 * DuckDB keeps a column's collation only in its CREATE TABLE text. eventdb read none: `schema pull`
 * dropped `COLLATE NOCASE` without a word, validate and drift never compared it, and a database
 * rebuilt from the pull matched `'A@X.ORG'` no more. Now collations are read, declared, compared
 * and created.
 */
const root = mkdtempSync(join(tmpdir(), 'eventdb-duckcoll-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('reads the collation of each column from the CREATE TABLE text', () => {
  const m = duckdbCollations('CREATE TABLE users(id INTEGER PRIMARY KEY, email VARCHAR COLLATE NOCASE NOT NULL, "Name" VARCHAR COLLATE noaccent.nocase, q VARCHAR COLLATE "nocase", d VARCHAR DEFAULT \'x collate y\', CHECK (email <> \'\'));');
  expect([...m]).toEqual([['email', 'nocase'], ['name', 'noaccent.nocase'], ['q', 'nocase']]);
});

it('pull declares it, validate compares it, diff creates it: a database rebuilt from the pull still matches case-insensitively', async () => {
  const a = join(root, 'a');
  mkdirSync(join(a, 'migrations'), { recursive: true });
  writeFileSync(join(a, 'migrations', '0001_users.sql'), '-- eventdb:up\nCREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR COLLATE NOCASE NOT NULL, name VARCHAR COLLATE NOACCENT.NOCASE);\n');
  const cli = duckCli;
  expect((await cli(a, 'a.duckdb', 'migrate', 'up')).code).toBe(0);
  expect((await cli(a, 'a.duckdb', 'schema', 'pull')).code).toBe(0);
  const decl = readFileSync(join(a, 'schema', 'index.ts'), 'utf8');
  expect(decl).toContain("text('email', { collate: { duckdb: 'nocase' } })");
  expect(decl).toContain("text('name', { nullable: true, collate: { duckdb: 'noaccent.nocase' } })");
  expect((await cli(a, 'a.duckdb', 'validate', '--env', 'production')).code).toBe(0);
  // Declared differently: a collation-mismatch error.
  writeFileSync(join(a, 'schema', 'index.ts'), decl.replace("text('email', { collate: { duckdb: 'nocase' } })", "text('email')"));
  const v = await cli(a, 'a.duckdb', 'validate', '--no-drift', '--json');
  expect(v.code).toBe(1);
  expect(v.json<{ findings: Array<{ kind: string; message: string }> }>().findings.filter((f) => f.kind === 'collation-mismatch').map((f) => f.message)).toEqual(['column users.email has collation nocase; expected the default collation']);

  const { conn } = await adoptDuckdb(root, 'coll', 'CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR COLLATE NOCASE NOT NULL, name VARCHAR COLLATE NOACCENT.NOCASE);');
  try {
    await sql`insert into users values (1, 'a@x.org', 'É')`.execute(conn.db);
    const r = await sql<{ n: number }>`select count(*)::integer as n from users where email = 'A@X.ORG' and name = 'e'`.execute(conn.db);
    expect(r.rows[0]!.n).toBe(1);
  } finally {
    await conn.close();
  }
});
