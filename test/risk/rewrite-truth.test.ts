import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadParsers } from '../../src/risk/index.js';
import { createPgDatabase } from '../helpers/engines.js';
import { loadCorpus, runCase } from './corpus-cases.js';

/*
 * The corpus says which ALTERs rewrite a PostgreSQL table and which do not (where eventdb and squawk
 * disagree, eventdb's reasons rest on it). Here real PostgreSQL is the judge: a rewrite gives the
 * table a new relfilenode.
 */
const CASES = [
  'column type change rewrites',
  'varchar widening is not a rewrite',
  'varchar to text is not a rewrite',
  'varchar narrowing loses data',
  'bigint to integer narrows',
  'numeric precision widening is not a rewrite',
  'numeric to unconstrained numeric is not a rewrite',
  'numeric scale change rewrites',
  'volatile default rewrites',
  'adding a bigserial column rewrites',
  'constant default is instant (safe)',
  'now() default is evaluated once (safe)',
];
/** Tables the cases without a `before` alter. */
const FIXTURE = 'CREATE TABLE users (id bigint PRIMARY KEY, email text, name text); CREATE TABLE events (id bigint PRIMARY KEY, capacity integer);';

const corpus = loadCorpus().filter((c) => c.engine === 'postgres' && CASES.includes(c.name));
let db: Awaited<ReturnType<typeof createPgDatabase>>;
let client: pg.Client;

beforeAll(async () => {
  await loadParsers(['postgres']);
  db = await createPgDatabase('eventdb_risk_rw');
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await db?.drop();
});

async function rewrites(before: string | undefined, sql: string): Promise<boolean> {
  const table = /ALTER TABLE (\w+)/i.exec(sql)![1]!;
  await client.query('BEGIN');
  try {
    await client.query(before ?? FIXTURE);
    await client.query(`INSERT INTO ${table} (id) SELECT g FROM generate_series(1, 100) g`);
    const node = async () => (await client.query<{ n: string }>('SELECT relfilenode::text AS n FROM pg_class WHERE oid = $1::regclass', [table])).rows[0]!.n;
    const was = await node();
    await client.query(sql);
    return (await node()) !== was;
  } finally {
    await client.query('ROLLBACK');
  }
}

describe('rewrite findings match what PostgreSQL really does', () => {
  it('every listed case is in the corpus', () => {
    expect(corpus.map((c) => c.name).sort()).toEqual([...CASES].sort());
  });

  it.each(corpus.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const flagged = runCase(c).some((f) => f.startsWith('rewrite-'));
    expect(await rewrites(c.before, c.sql)).toBe(flagged);
  });

  it('the cases cover both outcomes', () => {
    const flagged = corpus.map((c) => runCase(c).some((f) => f.startsWith('rewrite-')));
    expect(flagged.filter(Boolean).length).toBeGreaterThanOrEqual(4);
    expect(flagged.filter((x) => !x).length).toBeGreaterThanOrEqual(4);
  });
});
