import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseMigration, loadParsers, readSqlMigration, type Finding } from '../../src/risk/index.js';
import { runCli } from '../helpers/cli.js';
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
// lemmy's shape (`… ON notification (admin_add_id) WHERE admin_add_id IS NOT NULL`): `item = $1` implies the predicate.
const NOT_NULL = `${TABLES}CREATE INDEX purchase_item_idx ON purchase (item) WHERE item IS NOT NULL;\n`;
const CASES = [[PARTIAL, true], [FULL, false], [NOT_NULL, false]] as const;

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

  it('[postgres] deleting a parent scans "purchase" with the partial index, not with the full or the IS NOT NULL one; lint flags exactly the partial case', async () => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      for (const [sql, scans] of CASES) {
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

  it('[sqlite] the child lookup of a foreign key scans with the partial index, searches with the full or the IS NOT NULL one; lint agrees', () => {
    for (const [sql, scans] of CASES) {
      const s = new Database(':memory:');
      s.exec(sql);
      const plan = (s.prepare('EXPLAIN QUERY PLAN SELECT 1 FROM purchase WHERE item = ?').all(5) as Array<{ detail: string }>).map((r) => r.detail).join('; ');
      s.close();
      expect(plan.startsWith('SCAN'), plan).toBe(scans);
      expect(fkFindings('sqlite', sql).map((f) => f.rule)).toEqual(scans ? ['fk-without-index'] : []);
    }
  });

  it('[postgres] with a database (migrate up --dry-run), the live partial indexes are read the same way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eventdb-partial-fk-'));
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      writeFileSync(join(dir, '0001_fk.sql'), '-- eventdb:up\nALTER TABLE purchase ADD CONSTRAINT purchase_item_fk FOREIGN KEY (item) REFERENCES items (id) NOT VALID;\n');
      for (const [predicate, flagged] of [['item = 1', true], ['item IS NOT NULL', false]] as const) {
        await c.query('DROP TABLE IF EXISTS purchase, items');
        await c.query(`CREATE TABLE items (id bigint PRIMARY KEY); CREATE TABLE purchase (id bigint PRIMARY KEY, item bigint NOT NULL); CREATE INDEX purchase_item_idx ON purchase (item) WHERE ${predicate}`);
        const r = await runCli(['migrate', 'up', '--dry-run', '--json'], { env: { EVENTDB_DATABASE_URL: db.url, EVENTDB_MIGRATIONS_DIR: dir } });
        expect(r.code, r.stderr).toBe(0);
        const rules = r.json<{ plan: Array<{ findings: Array<{ rule: string }> }> }>().plan.flatMap((p) => p.findings.map((f) => f.rule));
        expect(rules, predicate).toEqual(flagged ? ['fk-without-index'] : []);
        expect((await c.query("SELECT count(*)::int AS n FROM pg_constraint WHERE conname = 'purchase_item_fk'")).rows[0]).toEqual({ n: 0 }); // a dry run changes nothing
      }
    } finally {
      await c.end();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
