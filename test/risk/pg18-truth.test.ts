import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadParsers } from '../../src/risk/index.js';
import { loadCorpus, runCase } from './corpus-cases.js';

/*
 * DDL of PostgreSQL 17 and 18, judged by PostgreSQL 18 itself: the server in CI is PostgreSQL 15,
 * which has none of it; PGlite is PostgreSQL 18.
 * - Generated columns: adding a stored one computes it for every row, a virtual one (VIRTUAL, or
 *   neither keyword) stores nothing; SET EXPRESSION (17+) recomputes a stored one and only redefines a
 *   virtual one. Judge: a rewrite gives the table a new relfilenode.
 * - Named NOT NULL constraints (ADD CONSTRAINT … NOT NULL [NOT VALID], VALIDATE) and foreign keys NOT
 *   ENFORCED / ALTER CONSTRAINT … ENFORCED. Judge: the transaction's own scan counter of the table.
 */
const REWRITE_CASES = [
  'adding a stored generated column rewrites',
  'adding a virtual generated column is not a rewrite (PostgreSQL 18)',
  'SET EXPRESSION of a stored generated column rewrites (PostgreSQL 17+)',
  'SET EXPRESSION of a virtual generated column is not a rewrite (PostgreSQL 18)',
];
/** Flagged exactly when the statement scans the table under a lock that blocks writes. */
const SCAN_CASES = [
  'ADD CONSTRAINT NOT NULL scans (PostgreSQL 18)',
  'ADD CONSTRAINT NOT NULL NOT VALID does not scan (PostgreSQL 18)',
  'NOT NULL constraint validated in the transaction that added it (PostgreSQL 18)',
  'SET NOT NULL after a validated NOT NULL constraint does not scan (PostgreSQL 18)',
  'foreign key NOT ENFORCED: no validation, no triggers (PostgreSQL 18)',
  'ALTER CONSTRAINT ENFORCED validates the foreign key (PostgreSQL 18)',
];
const FIXTURE = `CREATE TABLE users (id bigint PRIMARY KEY, email text, name text); INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 100) g;
CREATE TABLE events (id bigint PRIMARY KEY, capacity integer); INSERT INTO events SELECT g, g FROM generate_series(1, 100) g;
CREATE TABLE registrations (id bigint PRIMARY KEY, event_id bigint); INSERT INTO registrations SELECT g, g FROM generate_series(1, 100) g;`;
const pgCorpus = loadCorpus().filter((c) => c.engine === 'postgres');
const cases = (names: string[]) => pgCorpus.filter((c) => names.includes(c.name));
let db: PGlite;

beforeAll(async () => {
  await loadParsers(['postgres']);
  db = await PGlite.create();
});
afterAll(async () => {
  await db?.close();
});

/** Runs the fixture, `before`, then `sql` in a transaction (rolled back); what `probe` of the last ALTERed table read before and after `sql`. */
async function around(before: string | undefined, sql: string, probe: (table: string) => Promise<string>): Promise<[string, string]> {
  const table = [...sql.matchAll(/ALTER TABLE (\w+)/gi)].at(-1)![1]!;
  await db.exec('BEGIN');
  try {
    await db.exec(FIXTURE);
    if (before) await db.exec(before);
    const was = await probe(table);
    await db.exec(sql);
    return [was, await probe(table)];
  } finally {
    await db.exec('ROLLBACK');
  }
}
const relfilenode = async (table: string) => (await db.query<{ n: string }>('SELECT relfilenode::text AS n FROM pg_class WHERE oid = $1::regclass', [table])).rows[0]!.n;
const scanCount = async (table: string) => (await db.query<{ n: string }>('SELECT pg_stat_get_xact_numscans($1::regclass)::text AS n', [table])).rows[0]!.n;

describe('PostgreSQL 17/18 DDL: lint against PostgreSQL 18 [PGlite]', () => {
  it('PGlite is PostgreSQL 18; every listed case is in the corpus, each list with both outcomes', async () => {
    expect((await db.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version).toMatch(/^18\./);
    for (const [names, prefix] of [[REWRITE_CASES, 'rewrite-'], [SCAN_CASES, 'lock-']] as const) {
      expect(cases(names).map((c) => c.name).sort()).toEqual([...names].sort());
      const flagged = cases(names).map((c) => runCase(c).some((f) => f.startsWith(prefix)));
      expect(flagged.filter(Boolean).length).toBeGreaterThanOrEqual(2);
      expect(flagged.filter((x) => !x).length).toBeGreaterThanOrEqual(2);
    }
  });

  it.each(cases(REWRITE_CASES).map((c) => [c.name, c] as const))('rewrite: %s', async (_name, c) => {
    const [was, now] = await around(c.before, c.sql, relfilenode);
    expect(now !== was).toBe(runCase(c).some((f) => f.startsWith('rewrite-')));
  });

  it.each(cases(SCAN_CASES).map((c) => [c.name, c] as const))('scan: %s', async (_name, c) => {
    const [was, now] = await around(c.before, c.sql, scanCount);
    expect(Number(now) > Number(was)).toBe(runCase(c).some((f) => f.startsWith('lock-')));
  });
});
