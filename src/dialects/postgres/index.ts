import { Kysely, PostgresDialect } from 'kysely';
import pg from './pg-driver.js';
import { hostname } from 'node:os';
import type { ResolvedConfig } from '../../config/index.js';
import { EventdbError } from '../../errors.js';
import type { Connection, Dialect } from '../types.js';
import { capabilities } from './capabilities.js';
import { connectError } from './errors.js';
import { poolConfig } from './pool-config.js';
import { introspectPostgres } from './introspect.js';
import { bulkInsertPostgres } from './bulk-insert.js';
import { advisoryLockStatus, withAdvisoryLock } from './lock.js';
import { PG_SESSION_RESET } from './session-reset.js';
import { postgresMigrationMembers } from './migration-members.js'; // migrations and seed
// core operations: health, risk sizes, capture
import { postgresFunctionVolatility } from './function-volatility.js';
import { createPostgresScratch } from './scratch.js';
import { postgresTableSizes } from './table-sizes.js';
import { postgresVitals } from './vitals.js';
import { mark } from '../../trace.js';

export { capabilities, poolConfig };

export async function connectPostgres(config: ResolvedConfig): Promise<Connection> {
  mark('pg: connect start');
  const cfg = poolConfig(config);
  const pool = new pg.Pool(cfg);
  pool.on('error', () => undefined); // idle-client errors surface on the next query instead
  let ownSchema: string | undefined;
  try {
    const c = await pool.connect();
    mark('pg: session open');
    try {
      ownSchema = (await c.query<{ s: string | null }>('select current_schema() as s')).rows[0]?.s ?? undefined;
    } finally {
      c.release();
    }
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw connectError(e, config.database.postgres!, config.connectTimeoutMs);
  }
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  const target = config.database;
  const what = `the migration lock on ${target.postgres!.database}`;
  return {
    engine: 'postgres',
    target,
    capabilities,
    db,
    ownSchema,
    sessionReset: PG_SESSION_RESET,
    async ping() {
      const t = performance.now();
      await pool.query('select 1');
      return performance.now() - t;
    },
    async serverVersion() {
      const r = await pool.query<{ v: string }>("select current_setting('server_version') as v");
      return `PostgreSQL ${r.rows[0]?.v ?? '?'}`;
    },
    async withLock(name, opts, fn) {
      // A dedicated session outside the pool: advisory locks belong to the session that took them.
      const client = new pg.Client({ ...cfg, application_name: `eventdb lock pid=${process.pid} host=${hostname()}` });
      await client.connect().catch((e: unknown) => {
        throw connectError(e, target.postgres!, config.connectTimeoutMs);
      });
      try {
        return await withAdvisoryLock(client, name, name === 'migrate' ? what : `the ${name} lock`, opts, fn);
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    async lockStatus(name) {
      const client = await pool.connect();
      try {
        return await advisoryLockStatus(client, name);
      } finally {
        client.release();
      }
    },
    introspect: () => introspectPostgres(db),
    bulkInsert: (table, columns, rows, opts) => bulkInsertPostgres(pool, table, columns, rows, opts),
    ...postgresMigrationMembers(db, pool), // migrations and seed
    // --- core operations: health, risk sizes, capture ---
    tableSizes: () => postgresTableSizes(db),
    vitals: (o) => postgresVitals(db, o),
    functionVolatility: (names) => postgresFunctionVolatility(db, names),
    createScratchDatabase: (c) => createPostgresScratch(db, c),
    async close() {
      await db.destroy();
      // Kysely ends the pool only if it ever used it; the connection itself may not have.
      if (!pool.ended) await pool.end();
    },
  };
}

export const postgresDialect: Dialect = {
  engine: 'postgres',
  capabilities,
  connect: (config) => connectPostgres(config),
  async exists(config) {
    try {
      const c = await connectPostgres(config);
      await c.close();
      return true;
    } catch (e) {
      if (e instanceof EventdbError && e.code === 'DB_NOT_FOUND') return false;
      throw e;
    }
  },
};
