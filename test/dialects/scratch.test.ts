import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { EventdbError } from '../../src/errors.js';
import { openDatabase } from '../../src/index.js';
import { withScratchDatabase } from '../../src/schema/drift.js';
import { describeEngines, pgAdminUrl } from '../helpers/engines.js';

/** The drift check's scratch database on a PostgreSQL server: `Connection.createScratchDatabase`. */
const role = `eventdb_nocreatedb_${process.pid}`;
async function admin(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: pgAdminUrl() });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}
beforeAll(() => admin(`create role "${role}" login nocreatedb`));
afterAll(() => admin(`drop role if exists "${role}"`));

describeEngines(
  'scratch database',
  (fx) => {
    const scratchCount = async (db: Kysely<any>) =>
      Number((await sql<{ n: number }>`select count(*)::int as n from pg_database where datname like ${`eventdb_scratch_${process.pid}_%`}`.execute(db)).rows[0]!.n);

    it('createScratchDatabase makes an empty database on the same server; drop removes it', async () => {
      const config = await fx.config();
      const conn = await openDatabase(config);
      try {
        const made = await conn.createScratchDatabase!(config);
        const name = made.config.database.postgres!.database;
        expect(name).toMatch(new RegExp(`^eventdb_scratch_${process.pid}_[a-z0-9]+$`));
        expect(made.config.database.postgres!.host).toBe(config.database.postgres!.host);
        expect(await scratchCount(conn.db)).toBe(1);
        const scratch = await openDatabase(made.config);
        try {
          expect((await scratch.introspect()).tables).toEqual([]);
        } finally {
          await scratch.close();
        }
        await made.drop();
        expect(await scratchCount(conn.db)).toBe(0);
      } finally {
        await conn.close();
      }
    });

    it('a role without CREATEDB: DRIFT_SCRATCH with message and hint; fn never runs, no database is left', async () => {
      const u = new URL(fx.url());
      u.username = role;
      u.password = '';
      const config = await resolveConfig({ flags: { url: u.toString() }, env: {}, cwd: fx.dir() });
      const conn = await openDatabase(config);
      try {
        let ran = false;
        const err = await withScratchDatabase(conn, config, async () => {
          ran = true;
        }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(EventdbError);
        expect((err as EventdbError).code).toBe('DRIFT_SCRATCH');
        expect((err as EventdbError).message).toMatch(/^cannot create a scratch database for the drift check: permission denied to create database/);
        expect((err as EventdbError).hint).toBe('grant CREATEDB to this role, or skip the drift check with --no-drift');
        expect(ran).toBe(false);
        expect(await scratchCount(conn.db)).toBe(0);
      } finally {
        await conn.close();
      }
    });
  },
  ['postgres'],
);
