import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type * as src from '../../src/index.js';
import type { Connection } from '../../src/dialects/types.js';
import { crashingSeed } from './crashing-seed.js';
import { tableHashes } from './hash.js';

/**
 * DuckDB's seed when the worker thread that writes the CSV files crashes (it ends, instead of
 * reporting an error): the table being loaded is rolled back, the tables not yet loaded stay as they
 * were, the CSV folder is removed, and the error says what happened. Runs the built dist/ with its
 * worker replaced by test/seed/fixtures/crashing-worker.mjs (the real one runs inside it).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dist = (await import(join(ROOT, 'dist/index.js'))) as typeof src;
const dir = mkdtempSync(join(tmpdir(), 'eventdb-duckdb-crash-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
const crashing = await crashingSeed('csv-worker');

let n = 0;
async function migrated(): Promise<{ conn: Connection; cfg: src.ResolvedConfig }> {
  const cfg = await dist.resolveConfig({ flags: { url: `duckdb:${join(dir, `t${++n}.duckdb`)}` }, env: {}, cwd: ROOT });
  const conn = await dist.openDatabase(cfg);
  await dist.migrateUp(conn, cfg);
  return { conn, cfg };
}
const schemaOf = async (conn: Connection) => (await sql<{ t: string; c: string; ty: string }>`select table_name as t, column_name as c, data_type as ty from information_schema.columns order by 1, 2`.execute(conn.db)).rows;

describe('DuckDB seed: the CSV worker thread crashing', () => {
  for (const [how, message] of [['exit', 'the worker thread exited with code 7'], ['throw', "the test broke the worker thread's port"]] as const) {
    it(`${how === 'exit' ? 'process.exit' : 'an uncaught error'} as registrations are handed over: BULK_INSERT, registrations rolled back, the tables after it untouched, no CSV left`, async () => {
      const { conn, cfg } = await migrated();
      const temp = mkdtempSync(join(dir, 'tmp-'));
      const env = { EVENTDB_TEST_CRASH: how, EVENTDB_TEST_CRASH_TABLE: 'registrations', TMPDIR: temp };
      const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
      try {
        const before = await tableHashes(conn);
        const schema = await schemaOf(conn);
        Object.assign(process.env, env);
        const e = await crashing.seedDatabase(conn, cfg, { profile: 'demo', seed: 3, now: new Date('2025-06-01T12:00:00.000Z') }).catch((x: unknown) => x);
        // Named by the table the writer was on (it was "users", the first table, before #18's tenth session).
        expect(e).toMatchObject({ code: 'BULK_INSERT', message: `generating rows for registrations failed: ${message}`, hint: expect.stringMatching(/nothing of that table was loaded/) });
        const after = await tableHashes(conn);
        expect(after.registrations).toEqual(before.registrations);
        // attendance and feedback come after registrations (they are made from it): never loaded
        expect(after.attendance).toEqual(before.attendance);
        expect(after.feedback).toEqual(before.feedback);
        expect(await schemaOf(conn)).toEqual(schema);
        expect(readdirSync(temp)).toEqual([]);
      } finally {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
        await conn.close();
      }
    }, 60_000);
  }
});
