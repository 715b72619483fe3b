import { beforeAll, describe, expect, it } from 'vitest';
import { analyseMigration, loadParsers } from '../../src/risk/index.js';

// TS migrations are analysed on the SQL Kysely compiles: SQLite gets `?` placeholders, PostgreSQL `$1`.
describe('compiled SQL with parameter placeholders', () => {
  beforeAll(async () => {
    await loadParsers();
  });

  it.each([
    ['sqlite', 'insert into "tiers" ("code", "rank") values (?, ?), (?, ?)'],
    ['postgres', 'insert into "tiers" ("code", "rank") values ($1, $2), ($3, $4)'],
    ['duckdb', 'insert into "tiers" ("code", "rank") values ($1, $2), ($3, $4)'],
  ] as const)('%s: a parameterised insert parses and raises no finding', (engine, up) => {
    const r = analyseMigration({ id: '0001_tiers', up: `create table tiers (code text primary key, "rank" integer);\n${up};` }, { engine, assumeSmall: true });
    expect(r.findings.map((f) => f.rule)).toEqual([]);
  });
});
