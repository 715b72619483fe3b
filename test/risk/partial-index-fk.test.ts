import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseMigration, loadParsers, readSqlMigration, type Finding } from '../../src/risk/index.js';
import { createPgDatabase } from '../helpers/engines.js';

/*
 * eugene's example E15 (kaaveland/eugene, eugene/examples/E15/bad.sql, MIT): a foreign key whose only
 * index is partial (`CREATE INDEX … ON purchase (item) WHERE item = 1`). lint took the partial index as
 * covering the key and said nothing, but a lookup by a parameter (what a parent's DELETE runs) cannot use
 * it. The engines are the judge: PostgreSQL's scan counter on a parent DELETE (sequential scans off),
 * SQLite's query plan for the child lookup its foreign keys run.
 */
const TABLES = 'CREATE TABLE items (id bigint PRIMARY KEY);\nCREATE TABLE purchase (id bigint PRIMARY KEY, item bigint NOT NULL REFERENCES items (id) ON DELETE CASCADE);\n';
const PARTIAL = `${TABLES}CREATE INDEX purchase_item_idx ON purchase (item) WHERE item = 1;\n`;
const FULL = `${TABLES}CREATE INDEX purchase_item_idx ON purchase (item);\n`;

const fkFindings = (engine: 'postgres' | 'sqlite', sql: string): Finding[] =>
  analyseMigration(readSqlMigration('0001_purchase', sql, 'purchase.sql'), { engine }).findings.filter((f) => f.rule === 'fk-without-index');

describe('a partial index does not serve a foreign key', () => {
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  beforeAll(async () => {
    await loadParsers(['postgres', 'sqlite']);
    db = await createPgDatabase('eventdb_partial_fk');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('[postgres] deleting a parent scans "purchase" with the partial index, not with the full one; lint flags exactly the partial case', async () => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      for (const [sql, scans] of [[PARTIAL, true], [FULL, false]] as const) {
        await c.query('BEGIN');
        try {
          await c.query(sql);
          await c.query('INSERT INTO items SELECT g FROM generate_series(1, 200) g; INSERT INTO purchase SELECT g, g FROM generate_series(1, 200) g; ANALYZE items; ANALYZE purchase; SET LOCAL enable_seqscan = off');
          const count = async () => Number((await c.query<{ n: string }>("SELECT pg_stat_get_xact_numscans('purchase'::regclass)::text AS n")).rows[0]!.n);
          const was = await count();
          await c.query('DELETE FROM items WHERE id = 5');
          expect((await count()) > was, sql).toBe(scans);
        } finally {
          await c.query('ROLLBACK');
        }
        const found = fkFindings('postgres', sql);
        expect(found.map((f) => [f.rule, f.level])).toEqual(scans ? [['fk-without-index', 'medium']] : []);
        if (scans) expect(found[0]!.message).toBe('foreign key "purchase"(item) has no index starting with its columns: deleting a parent row scans "purchase"');
      }
    } finally {
      await c.end();
    }
  });

  it('[sqlite] the child lookup of a foreign key scans with the partial index, searches with the full one; lint agrees', () => {
    for (const [sql, scans] of [[PARTIAL, true], [FULL, false]] as const) {
      const s = new Database(':memory:');
      s.exec(sql);
      const plan = (s.prepare('EXPLAIN QUERY PLAN SELECT 1 FROM purchase WHERE item = ?').all(5) as Array<{ detail: string }>).map((r) => r.detail).join('; ');
      s.close();
      expect(plan.startsWith('SCAN'), plan).toBe(scans);
      expect(fkFindings('sqlite', sql).map((f) => f.rule)).toEqual(scans ? ['fk-without-index'] : []);
    }
  });
});
