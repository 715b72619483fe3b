import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import * as src from '../../src/index.js';
import type { BoundBatch, Connection } from '../../src/dialects/types.js';
import { BoundBatchWriter, boundRow, decodeBatch } from '../../src/seed/bound-batch.js';
import { shapeFor } from '../../src/seed/profiles.js';
import { crashingSeed } from './crashing-seed.js';
import { tableHashes } from './hash.js';

/**
 * SQLite's seed path (issue 18): a worker thread generates and encodes the rows as bound batches
 * (src/seed/bound-batch.ts), the loading thread only binds them (Connection.bulkInsertBound). The
 * worker runs from the built dist/ (the test script builds first); from the TypeScript source (src/)
 * the same batches are made on the loading thread.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
type Lib = typeof src;
const dist = (await import(join(ROOT, 'dist/index.js'))) as Lib;
const distBatches = (await import(join(ROOT, 'dist/seed/batch-load.js'))) as typeof import('../../src/seed/batch-load.js');
const srcBatches = await import('../../src/seed/batch-load.js');
const dir = mkdtempSync(join(tmpdir(), 'eventdb-sqlite-batches-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** dist's seed with its batch worker crashing on cue (EVENTDB_TEST_CRASH*; see crashing-seed.ts). */
const crashing = await crashingSeed('batch-worker');

async function migrated(lib: Lib): Promise<{ conn: Connection; cfg: src.ResolvedConfig; file: string }> {
  const file = join(dir, `t${++n}.sqlite`);
  const cfg = await lib.resolveConfig({ flags: { url: `sqlite:${file}` }, env: {}, cwd: ROOT });
  const conn = await lib.openDatabase(cfg);
  await lib.migrateUp(conn, cfg);
  return { conn, cfg, file };
}

const rows = async (conn: Connection, table: string) => Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(conn.db)).rows[0]!.n);
const schemaOf = async (conn: Connection) => (await sql<{ type: string; name: string; sql: string | null }>`select type, name, sql from sqlite_schema order by type, name`.execute(conn.db)).rows;
const pragma = async (conn: Connection, name: string) => Object.values((await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(conn.db)).rows[0]!)[0];

const TIERS = [{ code: 'platinum', minPoints: 1000 }, { code: 'diamond', minPoints: 5000 }, { code: 'black', minPoints: 20000 }];

/** Every kind of value a row may hold, with the text SQLite must end up storing. */
const VALUES: Array<[unknown, unknown]> = [
  [null, null],
  [undefined, null],
  [0, 0],
  [-0, -0],
  [42, 42],
  [-7.25, -7.25],
  [2 ** 53 - 1, 2 ** 53 - 1],
  [true, 1],
  [false, 0],
  [1234567890123456789n, 1234567890123456789n],
  ['', ''],
  ['plain ascii', 'plain ascii'],
  ['ünïcødé ✓ 日本', 'ünïcødé ✓ 日本'],
  ['emoji 😀 pair', 'emoji 😀 pair'],
  ['tab\tline\nquote"\'', 'tab\tline\nquote"\''],
  [new Date('2025-06-01T12:34:56.789Z'), '2025-06-01T12:34:56.789Z'],
  [new Date('1970-01-01T00:00:00.000Z'), '1970-01-01T00:00:00.000Z'],
  [new Date('1969-12-31T23:59:59.999Z'), '1969-12-31T23:59:59.999Z'],
  [new Date('9999-12-31T23:59:59.999Z'), '9999-12-31T23:59:59.999Z'],
  [new Date(Date.UTC(10000, 0, 1)), '+010000-01-01T00:00:00.000Z'],
  [{ a: 1, b: ['x'] }, '{"a":1,"b":["x"]}'],
  [[1, 'two'], '[1,"two"]'],
];

describe('bound batches (what the worker hands to the loading thread)', () => {
  it('encode each kind of value as SQLite binds it, a batch at a time', () => {
    const w = new BoundBatchWriter(VALUES.length, 3);
    const pick = VALUES.map((_, i) => i);
    const input = VALUES.map(([v]) => v);
    w.row(input, pick);
    w.row([...input].reverse(), pick);
    const b = decodeBatch(w.take());
    expect(b).toMatchObject({ rows: 2, width: VALUES.length });
    expect(boundRow(b, 0)).toEqual(VALUES.map(([, out]) => out));
    expect(boundRow(b, 1)).toEqual(VALUES.map(([, out]) => out).reverse());
    expect(() => w.row(input, [14, 2])).toThrow(/2 values for 22 columns/);
    // a picked subset, in the pick's order; the writer starts afresh after take()
    const two = new BoundBatchWriter(2, 2);
    two.row(input, [14, 2]);
    const p = decodeBatch(two.take());
    expect(p).toMatchObject({ rows: 1, width: 2 });
    expect(boundRow(p, 0)).toEqual([VALUES[14]![1], VALUES[2]![1]]);
    two.row(['a', 1], [1, 0]);
    const c = decodeBatch(two.take());
    expect(boundRow(c, 0)).toEqual([1, 'a']);
    expect(c.text).toBe('a');
  });

  it('grow past the text buffer they are given (a slot of shared memory), and decode from shared memory', () => {
    const shared = new SharedArrayBuffer(64); // room is checked at 3 bytes per UTF-16 unit
    let asked = 0;
    const w = new BoundBatchWriter(2, 4, (n) => {
      asked++;
      return { kinds: new Uint8Array(new SharedArrayBuffer(n)), nums: new Float64Array(new SharedArrayBuffer(n * 8)), ends: new Int32Array(new SharedArrayBuffer(n * 4)), bytes: Buffer.from(shared) };
    });
    expect(asked).toBe(0); // memory is taken at a batch's first row, not before
    w.row(['short', 1], [0, 1]);
    const small = w.take();
    expect(small.bytes.buffer).toBe(shared);
    expect(boundRow(decodeBatch(small), 0)).toEqual(['short', 1]);
    const rows = [['a longer text than the slot holds', 2], ['ünïcødé past it ✓', new Date('2025-01-02T03:04:05.006Z')], ['x', null]];
    for (const r of rows) w.row(r, [0, 1]);
    const big = w.take();
    expect(asked).toBe(2);
    expect(big.bytes.buffer).not.toBe(shared);
    const b = decodeBatch(big);
    expect([0, 1, 2].map((r) => boundRow(b, r))).toEqual([['a longer text than the slot holds', 2], ['ünïcødé past it ✓', '2025-01-02T03:04:05.006Z'], ['x', null]]);
  });

  it('refuse what cannot be bound: an invalid date, a byte array; and a row past the batch', () => {
    const w = new BoundBatchWriter(1, 1);
    expect(() => w.row([new Date(Number.NaN)], [0])).toThrow('Invalid time value');
    expect(() => new BoundBatchWriter(1, 1).row([new Uint8Array(2)], [0])).toThrow(/byte array/);
    const full = new BoundBatchWriter(1, 1);
    full.row([1], [0]);
    expect(() => full.row([2], [0])).toThrow(/full/);
  });

  it('load through bulkInsertBound exactly what bulkInsert loads from the same rows (values and storage classes)', async () => {
    const conn = await src.openDatabase({ flags: { url: `sqlite:${join(dir, 'values.sqlite')}` }, env: {} });
    try {
      const cols = VALUES.map((_, i) => `c${i}`);
      for (const t of ['a', 'b']) await sql.raw(`create table ${t} (id integer primary key, ${cols.map((c) => `${c} any`).join(', ')}) strict`).execute(conn.db);
      const made = Array.from({ length: 700 }, (_, r) => [r + 1, ...VALUES.map(([v], i) => ((r + i) % 5 === 0 ? null : v))]);
      const all = ['id', ...cols];
      const pick = all.map((_, i) => i);
      await conn.bulkInsert('a', all, (async function* () {
        yield made.slice(0, 300);
        yield made.slice(300);
      })());
      const bound = (async function* (): AsyncIterable<BoundBatch> {
        const w = new BoundBatchWriter(all.length, 300);
        for (const row of made) {
          w.row(row, pick);
          if (w.rows === 300) yield decodeBatch(w.take());
        }
        yield decodeBatch(w.take());
      })();
      expect(await conn.bulkInsertBound!('b', all, bound)).toBe(700);
      const read = async (t: string) => (await sql.raw<Record<string, unknown>>(`select id, ${cols.map((c) => `typeof(${c}) as t_${c}, quote(${c}) as q_${c}`).join(', ')} from ${t} order by id`).execute(conn.db)).rows;
      const a = await read('a');
      expect(a).toHaveLength(700);
      expect(await read('b')).toEqual(a);
    } finally {
      await conn.close();
    }
  });
});

describe('SQLite seed through bound batches', () => {
  it('the worker thread (dist) is used from dist, this thread from src', async () => {
    const work = { plan: { seed: 1, nowMs: Date.UTC(2025, 5, 1), shape: shapeFor('demo', 1)!, base: {}, categoryIds: [1, 2, 3], tiers: TIERS }, jobs: [{ table: 'venues', pick: [0, 2, 6] }], batchRows: 16 };
    const got: unknown[][][] = [];
    for (const [open, threaded] of [[distBatches.openBatchParts, true], [srcBatches.openBatchParts, false]] as const) {
      const parts = open(work);
      expect(parts.threaded).toBe(threaded);
      const out: unknown[][] = [];
      for await (const b of parts.batches(0)) for (let r = 0; r < b.rows; r++) out.push(boundRow(b, r));
      await parts.close();
      got.push(out);
    }
    expect(got[0]!.length).toBeGreaterThan(16);
    expect(got[0]![0]).toEqual([1, expect.any(String), expect.any(Number)]);
    expect(got[0]).toEqual(got[1]);
  });

  it('seed load --scale 1 through the worker (dist) loads the rows the loading thread (src) does', async () => {
    const opts = { profile: 'load' as const, scale: 1, seed: 7, now: new Date('2025-06-01T12:00:00.000Z') };
    const hashes = [];
    const results = [];
    for (const lib of [dist, src]) {
      const { conn, cfg } = await migrated(lib);
      try {
        const r = await lib.seedDatabase(conn, cfg, opts);
        expect(r.totalRows).toBeGreaterThan(300_000);
        results.push({ ...r, ms: 0, rowsPerSec: 0, tables: r.tables.map((t) => ({ table: t.table, rows: t.rows })) });
        hashes.push(await tableHashes(conn));
      } finally {
        await conn.close();
      }
    }
    expect(hashes[0]!.registrations!.rows).toBeGreaterThan(90_000);
    expect(hashes[0]).toEqual(hashes[1]);
    expect(results[0]).toEqual(results[1]);
  }, 300_000);

  it('a demo seed with --append through the worker (dist): the same rows as from src', async () => {
    const hashes = [];
    for (const lib of [dist, src]) {
      const { conn, cfg } = await migrated(lib);
      try {
        await lib.seedDatabase(conn, cfg, { profile: 'demo', seed: 3, now: new Date('2025-06-01T12:00:00.000Z') });
        await lib.seedDatabase(conn, cfg, { profile: 'demo', seed: 4, append: true, now: new Date('2025-06-01T12:00:00.000Z') });
        hashes.push(await tableHashes(conn));
      } finally {
        await conn.close();
      }
    }
    expect(hashes[0]!.users!.rows).toBeGreaterThan(0);
    expect(hashes[0]).toEqual(hashes[1]);
  }, 120_000);

  const failures: Record<string, unknown[]> = { encode: [], refused: [] };
  for (const [where, lib] of [['the worker thread (dist)', dist], ['the loading thread (src)', src]] as const) {
    it(`a value that cannot be encoded, in ${where}: BULK_INSERT, that table rolled back with its indexes and triggers, the file as before`, async () => {
      const { conn, cfg, file } = await migrated(lib);
      try {
        const before = await schemaOf(conn);
        const cache = await pragma(conn, 'cache_size');
        // users and venues load; events start up to 180 days after `now`, past the last instant a Date can hold
        const now = new Date(8.64e15 - 30 * 86_400_000);
        const e = await lib.seedDatabase(conn, cfg, { profile: 'load', scale: 1, seed: 3, now }).catch((x: unknown) => x);
        expect(e).toMatchObject({ code: 'BULK_INSERT', message: 'loading events failed: Invalid time value', hint: expect.stringMatching(/rolled back/) });
        failures.encode!.push({ code: (e as src.EventdbError).code, message: (e as Error).message, hint: (e as src.EventdbError).hint });
        expect(await rows(conn, 'users')).toBe(20_000);
        expect(await rows(conn, 'venues')).toBeGreaterThan(0);
        for (const t of ['events', 'registrations', 'page_views']) expect(await rows(conn, t), t).toBe(0);
        expect(await schemaOf(conn)).toEqual(before);
        expect(String(await pragma(conn, 'journal_mode')).toLowerCase()).toBe('wal');
        expect(await pragma(conn, 'cache_size')).toBe(cache);
        expect(readdirSync(dir).filter((f) => f.startsWith(file.split('/').pop()!) && f.endsWith('-journal'))).toEqual([]);
      } finally {
        await conn.close();
      }
    }, 120_000);

    it(`a row SQLite refuses while ${where} runs ahead: BULK_INSERT, that table rolled back, the tables after it not loaded`, async () => {
      const { conn, cfg } = await migrated(lib);
      try {
        // feedback (after registrations, waitlist, attendance) refuses 5-star ratings
        const ddl = (await sql<{ sql: string }>`select sql from sqlite_schema where name = 'feedback'`.execute(conn.db)).rows[0]!.sql;
        await sql`drop table feedback`.execute(conn.db);
        await sql.raw(ddl.replace('BETWEEN 1 AND 5', 'BETWEEN 1 AND 4')).execute(conn.db);
        const e = await lib.seedDatabase(conn, cfg, { profile: 'load', scale: 1, seed: 3, now: new Date('2025-06-01T12:00:00.000Z') }).catch((x: unknown) => x);
        expect(e).toMatchObject({ code: 'BULK_INSERT', message: expect.stringMatching(/^loading feedback failed: CHECK constraint failed/) });
        failures.refused!.push({ code: (e as src.EventdbError).code, message: (e as Error).message, hint: (e as src.EventdbError).hint });
        expect(await rows(conn, 'feedback')).toBe(0);
        expect(await rows(conn, 'attendance')).toBeGreaterThan(40_000);
        for (const t of ['loyalty_ledger', 'visitor_sessions', 'page_views']) expect(await rows(conn, t), t).toBe(0);
      } finally {
        await conn.close();
      }
    }, 120_000);
  }

  for (const [how, message] of [['exit', 'the worker thread exited with code 7'], ['throw', "the test broke the worker thread's port"]] as const) {
    it(`the worker thread crashing (${how === 'exit' ? 'process.exit' : 'an uncaught error'}) while venues load: BULK_INSERT, venues rolled back with its indexes and triggers, the tables after it untouched, the file as before`, async () => {
      const { conn, cfg, file } = await migrated(dist);
      // venues (job 1) is 10 batches of 2 rows: the crash comes as the worker posts its 6th
      const env = { EVENTDB_TEST_CRASH: how, EVENTDB_TEST_CRASH_JOB: '1', EVENTDB_TEST_CRASH_AT: '6' };
      try {
        const before = await tableHashes(conn);
        const schema = await schemaOf(conn);
        const cache = await pragma(conn, 'cache_size');
        Object.assign(process.env, env);
        const e = await crashing.seedDatabase(conn, cfg, { profile: 'demo', seed: 3, batchSize: 2, now: new Date('2025-06-01T12:00:00.000Z') }).catch((x: unknown) => x);
        expect(e).toMatchObject({ code: 'BULK_INSERT', message: `loading venues failed: ${message}`, hint: expect.stringMatching(/rolled back/) });
        const after = await tableHashes(conn);
        // the reference rows and users were committed before venues began (each table is its own load)
        expect(after.event_categories!.rows).toBeGreaterThan(0);
        expect(after.users!.rows).toBe(shapeFor('demo', 1)!.users);
        expect(after.venues).toEqual({ rows: 0, sha256: before.venues!.sha256 });
        expect(after).toEqual({ ...before, event_categories: after.event_categories, users: after.users });
        expect(await schemaOf(conn)).toEqual(schema);
        expect(String(await pragma(conn, 'journal_mode')).toLowerCase()).toBe('wal');
        expect(await pragma(conn, 'cache_size')).toBe(cache);
        expect(readdirSync(dir).filter((f) => f.startsWith(file.split('/').pop()!) && f.endsWith('-journal'))).toEqual([]);
      } finally {
        for (const k of Object.keys(env)) delete process.env[k];
        await conn.close();
      }
    }, 30_000);
  }

  it('the same error from the worker thread as from the loading thread', () => {
    expect(failures.encode).toHaveLength(2);
    expect(failures.encode![0]).toEqual(failures.encode![1]);
    expect(failures.refused).toHaveLength(2);
    expect(failures.refused![0]).toEqual(failures.refused![1]);
  });
});
