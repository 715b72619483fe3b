import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseMigration, loadParsers, readSqlMigration, SchemaMemory } from '../../src/risk/index.js';
import { FIXTURES } from '../conformance/helpers.js';
import { createPgDatabase } from '../helpers/engines.js';

/*
 * memos (store/migration/postgres/0.30/01__case_sensitive_username.sql) changes a column's collation:
 * `ALTER COLUMN username TYPE TEXT COLLATE "C"`. PostgreSQL does not rewrite the table for that, but it
 * rebuilds every index on the column under the ALTER's ACCESS EXCLUSIVE lock. With the column's type
 * known, lint said nothing. Real PostgreSQL is the judge: relfilenodes of the table and of its indexes.
 */
const SCHEMA = 'CREATE TABLE "user" (id serial PRIMARY KEY, username text NOT NULL UNIQUE, nickname text NOT NULL, bio varchar(20));';
const CASES: Array<[sql: string, expected: string[]]> = [
  [readFileSync(join(FIXTURES, 'memos', 'postgres', '0.30', '01__case_sensitive_username.sql'), 'utf8'), ['lock-index-build']], // memos' file: index rebuilt
  ['ALTER TABLE "user" ALTER COLUMN nickname TYPE TEXT COLLATE "C";', []], // not indexed: nothing rebuilt
  ['ALTER TABLE "user" ALTER COLUMN bio TYPE text;', []], // binary-coercible, no collation: nothing rebuilt
];

describe('risk [postgres]: a collation change on an indexed column', () => {
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  beforeAll(async () => {
    await loadParsers(['postgres']);
    db = await createPgDatabase('eventdb_collation');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('lint says lock-index-build exactly where PostgreSQL rebuilds an index; rewrite-* never (the table keeps its file)', async () => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      for (const [sql, expected] of CASES) {
        await c.query('DROP TABLE IF EXISTS "user"');
        await c.query(SCHEMA);
        await c.query(`INSERT INTO "user" (username, nickname) SELECT 'u' || g, 'n' || g FROM generate_series(1, 200) g`);
        const nodes = async () => new Map((await c.query<{ name: string; node: string }>(`SELECT c.relname AS name, c.relfilenode::text AS node FROM pg_class c WHERE c.oid = '"user"'::regclass OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = '"user"'::regclass)`)).rows.map((r) => [r.name, r.node]));
        const before = await nodes();
        await c.query(sql);
        const after = await nodes();
        const changed = [...before].filter(([k, v]) => after.get(k) !== v).map(([k]) => k);
        expect(changed.includes('user'), sql).toBe(false);
        const memory = new SchemaMemory();
        analyseMigration(readSqlMigration('0001_schema', SCHEMA, 'schema.sql'), { engine: 'postgres' }, { memory });
        const findings = analyseMigration(readSqlMigration('0002_change', sql, 'change.sql'), { engine: 'postgres' }, { memory }).findings;
        expect(findings.map((f) => f.rule), sql).toEqual(expected);
        expect(changed.length > 0, sql).toBe(expected.includes('lock-index-build'));
        if (expected.length) expect(findings[0]!.message).toMatch(/^changing the collation of "user"\."username" rebuilds every index on it under an ACCESS EXCLUSIVE lock/);
      }
    } finally {
      await c.end();
    }
  });
});
