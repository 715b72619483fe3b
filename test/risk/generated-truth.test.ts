import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadParsers } from '../../src/risk/index.js';
import { loadCorpus, runCase } from './corpus-cases.js';

/*
 * Generated columns: adding a stored one computes it for every row, a virtual one (PostgreSQL 18:
 * VIRTUAL, or neither keyword) stores nothing; ALTER COLUMN … SET EXPRESSION (17+) recomputes a stored
 * one for every row and only redefines a virtual one. The server in CI is PostgreSQL 15, which has
 * neither virtual columns nor SET EXPRESSION; PGlite is PostgreSQL 18, so it is the judge here: a
 * rewrite gives the table a new relfilenode.
 */
const CASES = [
  'adding a stored generated column rewrites',
  'adding a virtual generated column is not a rewrite (PostgreSQL 18)',
  'SET EXPRESSION of a stored generated column rewrites (PostgreSQL 17+)',
  'SET EXPRESSION of a virtual generated column is not a rewrite (PostgreSQL 18)',
];
const FIXTURE = 'CREATE TABLE events (id bigint PRIMARY KEY, capacity integer); INSERT INTO events SELECT g, g FROM generate_series(1, 100) g;';
const corpus = loadCorpus().filter((c) => c.engine === 'postgres' && CASES.includes(c.name));
let db: PGlite;

beforeAll(async () => {
  await loadParsers(['postgres']);
  db = await PGlite.create();
});
afterAll(async () => {
  await db?.close();
});

/** Runs the fixture, `before` and `sql` in a transaction (rolled back); whether `sql` gave its table a new file. */
async function rewrites(before: string | undefined, sql: string): Promise<boolean> {
  const table = /ALTER TABLE (\w+)/i.exec(sql)![1]!;
  await db.exec('BEGIN');
  try {
    await db.exec(FIXTURE);
    if (before) await db.exec(before);
    const node = async () => (await db.query<{ n: string }>('SELECT relfilenode::text AS n FROM pg_class WHERE oid = $1::regclass', [table])).rows[0]!.n;
    const was = await node();
    await db.exec(sql);
    return (await node()) !== was;
  } finally {
    await db.exec('ROLLBACK');
  }
}

describe('generated columns: rewrite findings match PostgreSQL 18 [PGlite]', () => {
  it('PGlite is PostgreSQL 18, and every listed case is in the corpus with both outcomes', async () => {
    expect((await db.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version).toMatch(/^18\./);
    expect(corpus.map((c) => c.name).sort()).toEqual([...CASES].sort());
    const flagged = corpus.map((c) => runCase(c).some((f) => f.startsWith('rewrite-')));
    expect(flagged.filter(Boolean)).toHaveLength(2);
    expect(flagged.filter((x) => !x)).toHaveLength(2);
  });

  it.each(corpus.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const flagged = runCase(c).some((f) => f.startsWith('rewrite-'));
    expect(await rewrites(c.before, c.sql)).toBe(flagged);
  });
});
