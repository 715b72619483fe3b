import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { openConnection } from '../../src/dialects/index.js';
import type { Connection } from '../../src/dialects/types.js';
import { migrateUp } from '../../src/migrations/index.js';
import { seedDatabase } from '../../src/seed/index.js';
import { tableHashes } from './hash.js';

/** DuckDB's seed path (issue 18): the rows it loads equal SQLite's, value for value. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'eventdb-duckdb-bulk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function open(engine: 'duckdb' | 'sqlite'): Promise<{ conn: Connection; url: string }> {
  const url = `${engine}:${join(dir, `t${++n}.${engine}`)}`;
  return { conn: await openConnection(await resolveConfig({ flags: { url }, env: {}, cwd: ROOT })), url };
}

describe('DuckDB bulk load', () => {
  it('timestamps land to the microsecond on both sides of the one-BigInt fast path (|ms| < 9e12)', async () => {
    const { conn } = await open('duckdb');
    try {
      await sql`create table ts (id integer primary key, a timestamptz, b timestamp)`.execute(conn.db);
      const ms = [0, 1, -1, 1_748_779_200_123, -62_135_596_800_000, 8_999_999_999_999, 9_000_000_000_001, 253_402_300_799_999, -8_999_999_999_999];
      const rows = ms.map((x, i) => [i, new Date(x), x + 0.4]);
      expect(await conn.bulkInsert('ts', ['id', 'a', 'b'], (async function* () { yield rows; })())).toBe(ms.length);
      const r = await sql<{ id: number; a: string; b: string }>`select id, epoch_ms(a)::varchar as a, epoch_ms(b)::varchar as b from ts order by id`.execute(conn.db);
      expect(r.rows.map((x) => [Number(x.a), Number(x.b)])).toEqual(ms.map((x) => [x, x]));
      // a bad value still fails the whole load and names it
      const e = await conn.bulkInsert('ts', ['id', 'a', 'b'], (async function* () { yield [[100, 'not a time', null]]; })()).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'BULK_INSERT', message: '"not a time" is not a timestamp' });
      expect(Number((await sql<{ n: number }>`select count(*) as n from ts`.execute(conn.db)).rows[0]!.n)).toBe(ms.length);
    } finally {
      await conn.close();
    }
  });

  it('seed load --scale 1 with a fixed seed: every table hashes the same on DuckDB and SQLite', async () => {
    const opts = { profile: 'load' as const, scale: 1, seed: 11, now: new Date('2025-06-01T12:00:00.000Z') };
    const hashes: Record<string, Awaited<ReturnType<typeof tableHashes>>> = {};
    for (const engine of ['duckdb', 'sqlite'] as const) {
      const { conn, url } = await open(engine);
      try {
        const cfg = await resolveConfig({ flags: { url }, env: {}, cwd: ROOT });
        await migrateUp(conn, cfg);
        const r = await seedDatabase(conn, cfg, opts);
        expect(r.totalRows).toBeGreaterThan(300_000);
        hashes[engine] = await tableHashes(conn);
      } finally {
        await conn.close();
      }
    }
    expect(Object.keys(hashes.duckdb!).length).toBeGreaterThanOrEqual(12);
    expect(hashes.duckdb!.registrations!.rows).toBeGreaterThan(90_000);
    expect(hashes.duckdb).toEqual(hashes.sqlite);
  }, 300_000);
});
