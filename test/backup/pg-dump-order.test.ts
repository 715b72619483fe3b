import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackup } from '../../src/backup/index.js';
import { resolveConfig, type ResolvedConfig } from '../../src/config/index.js';
import { postgresSnapshot } from '../../src/dialects/postgres/snapshot.js';
import { countAll } from '../../src/dialects/postgres/own-dump.js';
import { createPgDatabase } from '../helpers/engines.js';

// #18: the PostgreSQL dump starts in its own session before the core's connection opens; rows are
// counted in the dump's snapshot from the moment pg_dump is spawned, without parallel workers, and the
// count stops between tables when pg_dump proves unusable.

let dir: string;
let db: Awaited<ReturnType<typeof createPgDatabase>>;
let cfg: ResolvedConfig;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eventdb-pgdump-order-'));
  db = await createPgDatabase('eventdb_dumporder');
  cfg = await resolveConfig({ flags: { url: db.url }, env: {} });
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  await c.query(`create table a (id int primary key); insert into a select generate_series(1, 30);
                 create table b (id int primary key); insert into b select generate_series(1, 20);
                 create table c (id int primary key); insert into c select generate_series(1, 10);`);
  await c.end();
});
afterAll(async () => {
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the PostgreSQL dump session', () => {
  it('countAll stops before the next table once told to, and counts every table otherwise', async () => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const tables = [{ schema: 'public', name: 'a' }, { schema: 'public', name: 'b' }, { schema: 'public', name: 'c' }];
      expect(await countAll(c, tables)).toEqual({ a: 30, b: 20, c: 10 });
      const stop = { now: false };
      const counting = countAll(c, tables, stop);
      stop.now = true; // set while the first count is in flight: that one finishes, no other starts
      expect(await counting).toEqual({ a: 30 });
    } finally {
      await c.end();
    }
  });

  it('starts in one session of its own (no core connection), tells when pg_dump runs, and counts in the dump snapshot', async () => {
    let started = 0;
    const source = await postgresSnapshot.snapshotOwnSession!(cfg, { tmpDir: dir, onStarted: () => started++ });
    try {
      expect(started).toBe(1);
      expect(source.format).toBe('pg-custom');
      // A row written now is in neither the dump nor the counts: both read the exported snapshot.
      const w = new pg.Client({ connectionString: db.url });
      await w.connect();
      await w.query('insert into a values (31)');
      // The engine opened one session of its own (pg_dump's is named `eventdb`).
      const s = await w.query<{ q: string }>("select query as q from pg_stat_activity where application_name = 'eventdb backup' and datname = current_database()");
      await w.end();
      expect(s.rows.length).toBe(1);
      const chunks: Buffer[] = [];
      for await (const chunk of source.stream as AsyncIterable<Buffer>) chunks.push(chunk);
      await source.settled;
      expect(source.tables).toEqual({ a: 30, b: 20, c: 10 });
      expect(Buffer.concat(chunks).subarray(0, 5).toString('latin1')).toBe('PGDMP');
    } finally {
      await source.cleanup();
    }
  });

  it('a backup writes the counts and the version of the dump session into the manifest', async () => {
    const store = join(dir, 'store');
    const r = await createBackup(cfg, { store: `file:${store}`, env: {} });
    expect(r.tables).toEqual({ a: 31, b: 20, c: 10 });
    expect(r.tool).toMatch(/^pg_dump \(PostgreSQL\) \d+/);
    const manifestPath = readdirSync(store, { recursive: true }).map(String).find((f) => f.endsWith('manifest.json'))!;
    const m = JSON.parse(readFileSync(join(store, manifestPath), 'utf8')) as { tables: Record<string, number>; database: { serverVersion: string }; migrations: { head: string | null } };
    expect(m.tables).toEqual({ a: 31, b: 20, c: 10 });
    expect(m.database.serverVersion).toMatch(/^PostgreSQL \d+/);
    expect(m.migrations.head).toBeNull();
  });
});
