import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseMigration, loadParsers, readSqlMigration, type Finding } from '../../src/risk/index.js';
import { createPgDatabase } from '../helpers/engines.js';

/*
 * Synapse's worker_read_write_locks_mode (delta 79/03): FOREIGN KEY (lock_name, lock_key, token) with
 * only a UNIQUE index on (lock_name, lock_key). lint said "deleting a parent row scans" it, but the
 * lookup a parent's DELETE runs (`… WHERE lock_name = $1 AND lock_key = $2 AND token = $3`) is served by
 * any unique index whose columns are all key columns: at most one row, found by the index. A plain
 * (non-unique) index on a prefix is not enough for eventdb's rule, and stays flagged (not judged here).
 * The engines are the judge: PostgreSQL's sequential-scan counter of the child on a parent DELETE
 * (planner left to choose), SQLite's query plan for the child lookup its foreign keys run.
 */
const TABLES = 'CREATE TABLE locks (name text NOT NULL, key text NOT NULL, token text NOT NULL, UNIQUE (name, key, token));\nCREATE TABLE modes (name text NOT NULL, key text NOT NULL, token text NOT NULL, live boolean NOT NULL DEFAULT true, FOREIGN KEY (name, key, token) REFERENCES locks (name, key, token));\n';
const CASES: Array<[string, string, boolean]> = [
  ['unique index on a prefix', `${TABLES}CREATE UNIQUE INDEX modes_key ON modes (name, key);\n`, false],
  ['unique index on key columns in another order', `${TABLES}CREATE UNIQUE INDEX modes_key ON modes (key, name);\n`, false],
  ['UNIQUE constraint in the table', TABLES.replace('DEFAULT true, FOREIGN', 'DEFAULT true, UNIQUE (name, key), FOREIGN'), false],
  ['partial unique index on a prefix', `${TABLES}CREATE UNIQUE INDEX modes_key ON modes (name, key) WHERE live;\n`, true],
  ['no index', TABLES, true],
];

const fkFindings = (engine: 'postgres' | 'sqlite', sql: string): Finding[] =>
  analyseMigration(readSqlMigration('0001_locks', sql, 'locks.sql'), { engine }).findings.filter((f) => f.rule === 'fk-without-index');

describe('a unique index on some of a foreign key\'s columns serves its lookups', () => {
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  beforeAll(async () => {
    await loadParsers(['postgres', 'sqlite']);
    db = await createPgDatabase('eventdb_fk_unique_subset');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('[postgres] deleting a parent scans "modes" exactly when lint flags the key', async () => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      for (const [what, sql, scans] of CASES) {
        await c.query('BEGIN');
        try {
          await c.query(sql);
          await c.query("INSERT INTO locks SELECT 'n' || g, 'k' || g, 't' || g FROM generate_series(1, 5000) g; INSERT INTO modes (name, key, token) SELECT 'n' || g, 'k' || g, 't' || g FROM generate_series(2, 5000) g; ANALYZE locks; ANALYZE modes");
          const counts = async () => (await c.query<{ seq: string; idx: string }>("SELECT seq_scan::text AS seq, coalesce(idx_scan, 0)::text AS idx FROM pg_stat_xact_user_tables WHERE relname = 'modes'")).rows[0]!;
          const was = await counts();
          await c.query("DELETE FROM locks WHERE name = 'n1'");
          const now = await counts();
          expect(Number(now.seq) + Number(now.idx) > Number(was.seq) + Number(was.idx), `${what}: the lookup ran`).toBe(true);
          expect(Number(now.seq) > Number(was.seq), `${what}: a sequential scan`).toBe(scans);
        } finally {
          await c.query('ROLLBACK');
        }
        expect(fkFindings('postgres', sql).map((f) => f.rule), what).toEqual(scans ? ['fk-without-index'] : []);
      }
    } finally {
      await c.end();
    }
  });

  it('[sqlite] the child lookup of the foreign key scans exactly when lint flags the key', () => {
    for (const [what, sql, scans] of CASES) {
      const s = new Database(':memory:');
      s.exec(sql);
      const plan = (s.prepare('EXPLAIN QUERY PLAN SELECT 1 FROM modes WHERE name = ? AND key = ? AND token = ?').all('n', 'k', 't') as Array<{ detail: string }>).map((r) => r.detail).join('; ');
      s.close();
      expect(plan.startsWith('SCAN'), `${what}: ${plan}`).toBe(scans);
      expect(fkFindings('sqlite', sql).map((f) => f.rule), what).toEqual(scans ? ['fk-without-index'] : []);
    }
  });
});
