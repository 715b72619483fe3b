import { Kysely, PostgresDialect } from 'kysely';
import pg from './pg-driver.js';
import { hostname } from 'node:os';
import type { ResolvedConfig } from '../../config/index.js';
import { EventdbError } from '../../errors.js';
import type { ConnectOptions, Connection, Dialect } from '../types.js';
import { capabilities } from './capabilities.js';
import { connectError, noSchemaError } from './errors.js';
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

export async function connectPostgres(config: ResolvedConfig, opts: ConnectOptions = {}): Promise<Connection> {
  mark('pg: connect start');
  const cfg = poolConfig(config);
  const pool = new pg.Pool(cfg);
  pool.on('error', () => undefined); // idle-client errors surface on the next query instead
  const target = config.database;
  // A lock's own session (withLock: advisory locks belong to the session that took them), outside the pool.
  const openLockSession = async (): Promise<InstanceType<typeof pg.Client>> => {
    const client = new pg.Client({ ...cfg, application_name: `eventdb lock pid=${process.pid} host=${hostname()}` });
    client.on('error', () => undefined); // an idle session's error surfaces on its next query instead
    await client.connect().catch((e: unknown) => {
      throw connectError(e, target.postgres!, config.connectTimeoutMs);
    });
    return client;
  };
  // Opened beside the pool's first session when the caller will take a lock (#18: a connection's round
  // trips no longer follow the first one's before migrate's lock is taken); withLock's first call uses it.
  let lockSession = opts.lockSession ? openLockSession() : undefined;
  lockSession?.catch(() => undefined); // awaited by withLock, or ended by close(); its failure is withLock's to report
  let ownSchema: string | undefined;
  let noSchema: EventdbError | undefined;
  try {
    const c = await pool.connect();
    mark('pg: session open');
    try {
      ownSchema = (await c.query<{ s: string | null }>('select current_schema() as s')).rows[0]?.s ?? undefined;
      if (ownSchema === undefined) noSchema = noSchemaError((await c.query<{ p: string }>("select current_setting('search_path') as p")).rows[0]?.p ?? '', target.postgres!.database);
    } finally {
      c.release();
    }
  } catch (e) {
    await lockSession?.then((c) => c.end()).catch(() => undefined);
    await pool.end().catch(() => undefined);
    throw connectError(e, config.database.postgres!, config.connectTimeoutMs);
  }
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  const what = `the migration lock on ${target.postgres!.database}`;
  return {
    engine: 'postgres',
    target,
    capabilities,
    db,
    ownSchema,
    noSchema,
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
      const opened = lockSession ?? openLockSession();
      lockSession = undefined;
      const client = await opened;
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
      await lockSession?.then((c) => c.end()).catch(() => undefined);
      await db.destroy();
      // Kysely ends the pool only if it ever used it; the connection itself may not have.
      if (!pool.ended) await pool.end();
    },
  };
}

export const postgresDialect: Dialect = {
  engine: 'postgres',
  capabilities,
  connect: (config, opts) => connectPostgres(config, opts),
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
