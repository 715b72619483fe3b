import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as src from '../../src/index.js';
import type { Connection } from '../../src/dialects/types.js';
import { openCsvParts } from '../../src/seed/csv-load.js';
import { createGenerators } from '../../src/seed/platform.js';
import { shapeFor } from '../../src/seed/profiles.js';
import { tableHashes } from './hash.js';

/**
 * DuckDB's seed path (issue 18): a worker thread writes each table as CSV files while DuckDB loads
 * the ones before. The worker runs from the built dist/ (the test script builds first); from the
 * TypeScript source (src/) the same files are written on the loading thread.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
type Lib = typeof src;
const dist = (await import(join(ROOT, 'dist/index.js'))) as Lib;
const distParts = (await import(join(ROOT, 'dist/seed/csv-load.js'))) as typeof import('../../src/seed/csv-load.js');
const dir = mkdtempSync(join(tmpdir(), 'eventdb-duckdb-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TMPDIR = process.env.TMPDIR;
afterEach(() => {
  if (TMPDIR === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = TMPDIR;
});
let n = 0;

async function migrated(lib: Lib): Promise<{ conn: Connection; cfg: src.ResolvedConfig }> {
  const url = `duckdb:${join(dir, `t${++n}.duckdb`)}`;
  const cfg = await lib.resolveConfig({ flags: { url }, env: {}, cwd: ROOT });
  const conn = await lib.openDatabase(cfg);
  await lib.migrateUp(conn, cfg);
  return { conn, cfg };
}

const rows = async (conn: Connection, table: string) => Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(conn.db)).rows[0]!.n);

const TIERS = [{ code: 'platinum', minPoints: 1000 }, { code: 'diamond', minPoints: 5000 }, { code: 'black', minPoints: 20000 }];
const plan = (over: object = {}) => ({ seed: 5, nowMs: Date.UTC(2025, 5, 1, 12), shape: shapeFor('demo', 1)!, base: {}, categoryIds: [1, 2, 3], tiers: TIERS, ...over });

describe('DuckDB seed through CSV files', () => {
  it('the worker thread writes the documented CSV, a file at a time, and the folder goes with close()', async () => {
    const root = mkdtempSync(join(dir, 'parts-'));
    const parts = distParts.openCsvParts({ plan: plan(), jobs: [{ table: 'users', pick: [0, 1, 3, 4, 5, 6, 7, 9] }], partRows: 128 }, { tmpRoot: root });
    expect(parts.threaded).toBe(true);
    const sizes: number[] = [];
    let first = '';
    for await (const file of parts.files(0, (r) => sizes.push(r))) {
      first ||= readFileSync(file, 'utf8').split('\n')[0]!;
      expect(readdirSync(root)).toHaveLength(1);
    }
    expect(sizes).toEqual([128, 128, 44]); // 300 users
    // id, email, role, tier (NULL: unquoted empty), points, verified, created_at (ms), deleted_at (NULL)
    expect(first).toMatch(/^1,"[a-z]+\.[a-z]+\.1@example\.com","admin",("[a-z]+")?,\d+,(true|false),\d{13},$/);
    await parts.close();
    expect(readdirSync(root)).toEqual([]);
  });

  it("a job's files grow from partRows, doubling, to maxPartRows; each job starts small again", async () => {
    const root = mkdtempSync(join(dir, 'parts-'));
    const jobs = [{ table: 'users', pick: [0] }, { table: 'venues', pick: [0] }];
    const parts = openCsvParts({ plan: plan(), jobs, partRows: 10, maxPartRows: 40 }, { tmpRoot: root, threads: false });
    const sizes: number[][] = [[], []];
    const ids: string[] = [];
    try {
      for (const j of [0, 1]) for await (const file of parts.files(j, (r) => sizes[j]!.push(r))) if (j === 0) ids.push(...readFileSync(file, 'utf8').trim().split('\n'));
    } finally {
      await parts.close();
    }
    expect(sizes[0]).toEqual([10, 20, 40, 40, 40, 40, 40, 40, 30]); // 300 users
    expect(ids).toEqual(Array.from({ length: 300 }, (_, i) => String(i + 1))); // every row once, in order
    expect(sizes[1]).toEqual([10, 10]); // 20 venues: the second job starts at partRows again
    expect(readdirSync(root)).toEqual([]);
  });

  it('seed load --scale 1 through the worker (dist) loads the rows the loading thread (src) does', async () => {
    const opts = { profile: 'load' as const, scale: 1, seed: 7, now: new Date('2025-06-01T12:00:00.000Z') };
    const hashes = [];
    for (const lib of [dist, src]) {
      const { conn, cfg } = await migrated(lib);
      try {
        const threads = async () => (await sql<{ t: number }>`select current_setting('threads') as t`.execute(conn.db)).rows[0]!.t;
        await sql`set threads = 3`.execute(conn.db);
        const r = await lib.seedDatabase(conn, cfg, opts);
        expect(r.totalRows).toBeGreaterThan(300_000);
        expect(Number(await threads())).toBe(3); // one thread while loading, then the instance's own setting again
        hashes.push(await tableHashes(conn));
      } finally {
        await conn.close();
      }
    }
    expect(hashes[0]!.registrations!.rows).toBeGreaterThan(90_000);
    expect(hashes[0]).toEqual(hashes[1]);
  }, 300_000);

  for (const [where, lib] of [['the worker thread (dist)', dist], ['the loading thread (src)', src]] as const) {
    it(`a row that cannot be written, in ${where}: BULK_INSERT naming it, that table rolled back, the temporary folder removed`, async () => {
      const { conn, cfg } = await migrated(lib);
      const tmp = join(dir, `tmp-${n}`);
      mkdirSync(tmp);
      process.env.TMPDIR = tmp;
      try {
        // users and venues load; events start up to 180 days after `now`, past year 9999, which the CSV refuses
        const e = await lib.seedDatabase(conn, cfg, { profile: 'load', scale: 1, seed: 3, now: new Date('9999-12-01T00:00:00.000Z') }).catch((x: unknown) => x);
        expect(e).toMatchObject({ code: 'BULK_INSERT', message: expect.stringMatching(/^the timestamp \d+ ms cannot be written \(years 1 to 9999\)$/) });
        expect(await rows(conn, 'users')).toBe(20_000);
        expect(await rows(conn, 'events')).toBe(0);
        expect(readdirSync(tmp)).toEqual([]);
        expect(await rows(conn, 'registrations')).toBe(0);
      } finally {
        await conn.close();
      }
    }, 120_000);
  }

  for (const [where, lib] of [['the worker thread (dist)', dist], ['the loading thread (src)', src]] as const) {
    it(`a table refused in one lane (${where}) stops the other: every table all or nothing, the temporary folder removed`, async () => {
      const { conn, cfg } = await migrated(lib);
      const tmp = join(dir, `tmp-${n}`);
      mkdirSync(tmp);
      process.env.TMPDIR = tmp;
      try {
        // feedback (lane 1, after registrations, waitlist, attendance) refuses 5-star ratings, while lane 2 loads
        await sql`drop table feedback`.execute(conn.db);
        await sql`create table feedback (registration_id bigint primary key references attendance (registration_id), rating smallint not null check (rating between 1 and 4), comment varchar, created_at timestamptz not null, updated_at timestamptz not null)`.execute(conn.db);
        const e = await lib.seedDatabase(conn, cfg, { profile: 'load', scale: 1, seed: 3, now: new Date('2025-06-01T12:00:00.000Z') }).catch((x: unknown) => x);
        expect(e).toMatchObject({ code: 'BULK_INSERT', message: expect.stringMatching(/^loading feedback failed: .*check/i) });
        expect(await rows(conn, 'feedback')).toBe(0);
        expect(await rows(conn, 'attendance')).toBeGreaterThan(40_000);
        const gens = createGenerators({ ...plan({ seed: 3, shape: shapeFor('load', 1)! }), now: new Date('2025-06-01T12:00:00.000Z'), categoryIds: (await sql<{ id: number }>`select id from event_categories order by id`.execute(conn.db)).rows.map((r) => Number(r.id)) });
        for (const t of ['loyalty_ledger', 'visitor_sessions', 'page_views']) expect([0, [...gens[t]!.rows()].length], t).toContain(await rows(conn, t));
        expect(readdirSync(tmp)).toEqual([]);
      } finally {
        await conn.close();
      }
    }, 120_000);
  }

  it('a load the database refuses (a foreign key) in a later file is rolled back whole; the folder goes with close()', async () => {
    const { conn } = await migrated(src);
    const root = mkdtempSync(join(dir, 'fk-'));
    // venues without their owners (users): a seed whose first venue has no owner, so its file goes in
    // and a later one fails the foreign key
    const p = [...Array(50).keys()].map((seed) => plan({ seed })).find((x) => {
      const gens = createGenerators({ ...x, now: new Date(x.nowMs) });
      return [...gens.venues!.rows()][0]![1] === null;
    })!;
    const cols = ['id', 'owner_id', 'name', 'address', 'city', 'country', 'capacity', 'created_at', 'updated_at'];
    const parts = openCsvParts({ plan: p, jobs: [{ table: 'venues', pick: cols.map((_, i) => i) }], partRows: 1 }, { tmpRoot: root, threads: false });
    let loaded = 0;
    try {
      const e = await conn.bulkLoadCsv!('venues', cols, parts.files(0, () => loaded++)).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'BULK_INSERT', message: expect.stringMatching(/^loading venues failed: .*foreign key/i) });
      expect(loaded).toBeGreaterThan(0);
      expect(await rows(conn, 'venues')).toBe(0);
    } finally {
      await parts.close();
      await conn.close();
    }
    expect(readdirSync(root)).toEqual([]);
  });
});
