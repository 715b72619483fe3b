import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadParsers } from '../../src/risk/index.js';
import { createPgDatabase } from '../helpers/engines.js';
import { loadCorpus, runCase } from './corpus-cases.js';

/*
 * Where eventdb and squawk disagree, eventdb's reasons rest on what PostgreSQL does: which ALTERs
 * rewrite a table, what cannot run in a transaction, which locks a statement holds. Here real
 * PostgreSQL is the judge (a rewrite gives the table a new relfilenode).
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
  'adding a stored generated column rewrites',
  'constant default is instant (safe)',
  'now() default is evaluated once (safe)',
  'type change to the type it already has is not a rewrite',
  'same type with a USING conversion rewrites',
];
/** SET NOT NULL: flagged exactly when PostgreSQL scans the table (pg_stat_get_xact_numscans). */
const SCAN_CASES = [
  'SET NOT NULL on a nullable column scans',
  'SET NOT NULL on a column already NOT NULL (safe)',
  'SET NOT NULL on a primary key column (safe)',
  'SET NOT NULL after DROP NOT NULL scans',
];
/** Tables the cases without a `before` alter. */
const FIXTURE = 'CREATE TABLE users (id bigint PRIMARY KEY, email text, name text); CREATE TABLE events (id bigint PRIMARY KEY, capacity integer);';

const pgCorpus = loadCorpus().filter((c) => c.engine === 'postgres');
const corpus = pgCorpus.filter((c) => CASES.includes(c.name));
const findings = (name: string) => runCase(pgCorpus.find((c) => c.name === name)!);
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

/** Whether `sql` (after `before` and 100 rows) scans the table, by the transaction's own scan counter. */
async function scans(before: string, sql: string): Promise<boolean> {
  const table = /ALTER TABLE (\w+)/i.exec(sql)![1]!;
  await client.query('BEGIN');
  try {
    await client.query(before);
    await client.query(`INSERT INTO ${table} (id) SELECT g FROM generate_series(1, 100) g`);
    const count = async () => Number((await client.query<{ n: string }>('SELECT pg_stat_get_xact_numscans($1::regclass)::text AS n', [table])).rows[0]!.n);
    const was = await count();
    await client.query(sql);
    return (await count()) > was;
  } finally {
    await client.query('ROLLBACK');
  }
}

describe('SET NOT NULL findings match whether PostgreSQL scans the table', () => {
  const scanCorpus = pgCorpus.filter((c) => SCAN_CASES.includes(c.name));
  it('every listed case is in the corpus, with both outcomes', () => {
    expect(scanCorpus.map((c) => c.name).sort()).toEqual([...SCAN_CASES].sort());
    const flagged = scanCorpus.map((c) => runCase(c).includes('lock-set-not-null:high'));
    expect(flagged.filter(Boolean).length).toBeGreaterThanOrEqual(2);
    expect(flagged.filter((x) => !x).length).toBeGreaterThanOrEqual(2);
  });

  it.each(scanCorpus.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const flagged = runCase(c).some((f) => f.startsWith('lock-set-not-null'));
    expect(await scans(c.before!, c.sql)).toBe(flagged);
  });
});

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

/** Runs `setup` then `sql` in one transaction (rolled back); returns PostgreSQL's error message, or '' when it ran. */
async function attempt(setup: string, sql: string): Promise<string> {
  await client.query('BEGIN');
  try {
    await client.query(setup);
    await client.query(sql);
    return '';
  } catch (e) {
    return (e as Error).message;
  } finally {
    await client.query('ROLLBACK');
  }
}

describe('the reasons eventdb gives where squawk disagrees hold on PostgreSQL', () => {
  it('CREATE / DROP INDEX CONCURRENTLY fail inside the transaction eventdb runs a migration in', async () => {
    expect(findings("concurrent index inside the migration's transaction")).toEqual(['concurrently-in-transaction:high']);
    expect(findings('DROP INDEX CONCURRENTLY in a transaction')).toEqual(['concurrently-in-transaction:high']);
    expect(await attempt(FIXTURE, 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email)')).toBe('CREATE INDEX CONCURRENTLY cannot run inside a transaction block');
    expect(await attempt(`${FIXTURE} CREATE INDEX users_email_idx ON users (email);`, 'DROP INDEX CONCURRENTLY users_email_idx')).toBe('DROP INDEX CONCURRENTLY cannot run inside a transaction block');
  });

  it('a UNIQUE constraint cannot be NOT VALID (squawk\'s constraint-missing-not-valid advice), so eventdb advises USING INDEX', async () => {
    expect(findings('UNIQUE constraint builds an index under lock')).toEqual(['lock-index-build:high']);
    expect(await attempt(FIXTURE, 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email) NOT VALID')).toBe('UNIQUE constraints cannot be marked NOT VALID');
    expect(await attempt(`${FIXTURE} CREATE UNIQUE INDEX users_email_idx ON users (email);`, 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx')).toBe('');
  });

  it('NOT NULL without a default fails on a table with rows and succeeds on an empty one', async () => {
    expect(findings('NOT NULL column without default')).toEqual(['add-not-null-without-default:high']);
    expect(findings('NOT NULL column without default on an empty table')).toEqual([]);
    expect(await attempt(`${FIXTURE} INSERT INTO users (id) VALUES (1);`, 'ALTER TABLE users ADD COLUMN country text NOT NULL')).toMatch(/column "country" of relation "users" contains null values/);
    expect(await attempt(FIXTURE, 'ALTER TABLE users ADD COLUMN country text NOT NULL')).toBe('');
  });

  it('VALIDATE in the transaction that added the constraint NOT VALID still holds its ACCESS EXCLUSIVE lock', async () => {
    expect(findings('NOT VALID check validated in the same transaction')).toEqual(['lock-check-validation:high']);
    expect(findings('NOT VALID then VALIDATE without a transaction (safe)')).toEqual([]);
    await client.query('BEGIN');
    try {
      await client.query(FIXTURE);
      await client.query('COMMIT');
      await client.query('BEGIN');
      await client.query('ALTER TABLE events ADD CONSTRAINT events_capacity_ck CHECK (capacity >= 0) NOT VALID');
      await client.query('ALTER TABLE events VALIDATE CONSTRAINT events_capacity_ck');
      const modes = (await client.query<{ mode: string }>("SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND relation = 'events'::regclass")).rows.map((r) => r.mode);
      expect(modes).toContain('AccessExclusiveLock');
    } finally {
      await client.query('ROLLBACK');
      await client.query('DROP TABLE IF EXISTS users, events');
    }
  });
});
