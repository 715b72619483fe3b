import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackup } from '../../src/backup/index.js';
import { readMigrationHead } from '../../src/backup/migration-head.js';
import { HISTORY_TABLE_NAME } from '../../src/backup/migration-head.js';
import { resolveConfig, type ResolvedConfig } from '../../src/config/index.js';
import { openConnection } from '../../src/dialects/index.js';
import { postgresSnapshot } from '../../src/dialects/postgres/snapshot.js';
import { HISTORY_TABLE } from '../../src/migrations/history.js';
import { createPgDatabase } from '../helpers/engines.js';

// #18 fixed cost: the PostgreSQL dump session reads the server version and the migration head itself,
// in the dump's snapshot, so a backup opens no connection of the core's (no Kysely, no second session).
// A history table of another layout, or one whose read fails, is still read as before, by the core.

let dir: string;
let db: Awaited<ReturnType<typeof createPgDatabase>>;
let cfg: ResolvedConfig;

async function sql(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

async function coreHead(): Promise<Awaited<ReturnType<typeof readMigrationHead>>> {
  const conn = await openConnection(cfg);
  try {
    return await readMigrationHead(conn);
  } finally {
    await conn.close();
  }
}

function manifestOf(store: string): { migrations: { head: string | null; applied: unknown[] }; database: { serverVersion: string }; tables: Record<string, number> } {
  const m = readdirSync(store, { recursive: true }).map(String).find((f) => f.endsWith('manifest.json'))!;
  return JSON.parse(readFileSync(join(store, m), 'utf8'));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eventdb-pghead-'));
  db = await createPgDatabase('eventdb_pghead');
  cfg = await resolveConfig({ flags: { url: db.url }, env: {} });
  await sql('create table items (id int primary key); insert into items select generate_series(1, 40)');
});
afterAll(async () => {
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the migration head read in the dump session', () => {
  it('names the table migrations/history.ts creates', () => {
    expect(HISTORY_TABLE_NAME).toBe(HISTORY_TABLE);
  });

  it('eventdb\'s layout: read in the dump\'s snapshot (a row applied after it started is not in it), as the core reads it', async () => {
    await sql(`create table eventdb_migrations (id text primary key, checksum text not null, applied_at timestamptz not null);
               insert into eventdb_migrations values ('0002_b', 'c2', '2025-01-02T00:00:00Z'), ('0001_a', 'c1', '2025-01-01T00:00:00Z')`);
    try {
      const expected = await coreHead();
      expect(expected.head).toBe('0002_b');
      const seen: Array<boolean | undefined> = [];
      const source = await postgresSnapshot.snapshotOwnSession!(cfg, { tmpDir: dir, onStarted: (readsHead) => seen.push(readsHead) });
      try {
        await sql("insert into eventdb_migrations values ('0003_c', 'c3', '2025-01-03T00:00:00Z')");
        for await (const _ of source.stream as AsyncIterable<Buffer>) void _;
        await source.settled;
        expect(seen).toEqual([true]);
        expect(source.head).toEqual({ serverVersion: expect.stringMatching(/^PostgreSQL \d+/), migrations: expected });
        expect(source.tables).toEqual({ items: 40, eventdb_migrations: 2 });
      } finally {
        await source.cleanup();
      }
      // Through the core: the manifest holds the same head and version as the core's connection reads.
      const store = join(dir, 'store-own-layout');
      const r = await createBackup(cfg, { store: `file:${store}`, env: {} });
      const now = await coreHead();
      expect(r.migrationHead).toBe('0003_c');
      expect(manifestOf(store).migrations).toEqual(now);
      expect(manifestOf(store).database.serverVersion).toMatch(/^PostgreSQL \d+/);
    } finally {
      await sql('drop table if exists eventdb_migrations');
    }
  });

  it('no history table: no head, and no core connection is needed', async () => {
    const seen: Array<boolean | undefined> = [];
    const source = await postgresSnapshot.snapshotOwnSession!(cfg, { tmpDir: dir, pgDump: 'never', onStarted: (readsHead) => seen.push(readsHead) });
    try {
      for await (const _ of source.stream as AsyncIterable<Buffer>) void _;
      expect(seen).toEqual([true]);
      expect(source.head?.migrations).toEqual({ head: null, applied: [] });
    } finally {
      await source.cleanup();
    }
  });

  it('another layout: the core reads it (by its columns), as before', async () => {
    await sql("create table eventdb_migrations (id text primary key); insert into eventdb_migrations values ('0002_b'), ('0001_a')");
    try {
      const seen: Array<boolean | undefined> = [];
      const source = await postgresSnapshot.snapshotOwnSession!(cfg, { tmpDir: dir, onStarted: (readsHead) => seen.push(readsHead) });
      try {
        for await (const _ of source.stream as AsyncIterable<Buffer>) void _;
        expect(seen).toEqual([false]);
        expect(source.head).toBeUndefined();
      } finally {
        await source.cleanup();
      }
      const store = join(dir, 'store-other-layout');
      const r = await createBackup(cfg, { store: `file:${store}`, env: {} });
      expect(r.migrationHead).toBe('0002_b');
      expect(manifestOf(store).migrations).toEqual({ head: '0002_b', applied: [{ id: '0001_a', checksum: null, appliedAt: null }, { id: '0002_b', checksum: null, appliedAt: null }] });
    } finally {
      await sql('drop table if exists eventdb_migrations');
    }
  });

  it('a history read that fails in the session leaves the dump intact (savepoint): pg_dump\'s archive and the counts are whole', async () => {
    // A view of eventdb's columns whose read fails at run time (division by zero).
    await sql(`create view eventdb_migrations as select 'x'::text as id, 'c'::text as checksum, now() + (1 / (select count(*) from items where id < 0))::int * interval '1 second' as applied_at`);
    try {
      const seen: Array<boolean | undefined> = [];
      const source = await postgresSnapshot.snapshotOwnSession!(cfg, { tmpDir: dir, onStarted: (readsHead) => seen.push(readsHead) });
      let bytes = 0;
      try {
        for await (const chunk of source.stream as AsyncIterable<Buffer>) bytes += chunk.length;
        await source.settled;
        expect(seen).toEqual([true]);
        expect(source.head).toBeUndefined();
        expect(source.format).toBe('pg-custom');
        expect(source.tables).toEqual({ items: 40 });
        expect(bytes).toBeGreaterThan(100);
      } finally {
        await source.cleanup();
      }
      const store = join(dir, 'store-failing-view');
      const r = await createBackup(cfg, { store: `file:${store}`, env: {} });
      expect(r.tool).toMatch(/^pg_dump/);
      expect(r.tables).toEqual({ items: 40 });
      expect(manifestOf(store).migrations).toEqual(await coreHead());
    } finally {
      await sql('drop view if exists eventdb_migrations');
    }
  });
});
