import type { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import type { ResolvedConfig } from '../../config/index.js';
import { EventdbError, messageOf } from '../../errors.js';
import { introspectPostgres } from '../postgres/introspect.js';
import type { Capabilities, Connection, ConnectOptions, Dialect } from '../types.js';
import { bulkInsertPglite } from './bulk-insert.js';
import { checkDataDir, holdDataDir } from './data-dir.js';
import { PgliteKyselyDialect } from './kysely-driver.js';
import { PgliteLocks } from './lock.js';
import { typeParsers } from './parsers.js';
import { PgliteSession } from './session.js';
import { formatVersion, libraryVersion, parseVersionString } from './version.js';

/**
 * PGlite is the postgres dialect — PostgreSQL compiled to WASM, running in this process. Same SQL,
 * introspection and advisory-lock keys as the server. One difference: it is one backend in one
 * process, so it does not take concurrent writers from other processes.
 */
export const capabilities: Readonly<Capabilities> = Object.freeze({
  transactionalDdl: true,
  advisoryLocks: true,
  concurrentIndex: true,
  returning: true,
  triggers: true,
  storedProcedures: true,
  concurrentWriters: false,
});

/** A PGlite connection: the postgres dialect's Connection, plus the instance for COPY via /dev/blob. */
export interface PgliteConnection extends Connection {
  readonly driver: 'pglite';
  /** Runs `fn` with the instance to itself (no other statement interleaves). */
  exclusive<T>(fn: (lite: PGlite) => Promise<T>): Promise<T>;
}

async function boot(dataDir: string, readOnly: boolean): Promise<PGlite> {
  const { PGlite } = await import('@electric-sql/pglite');
  try {
    const lite = await PGlite.create(dataDir, { parsers: typeParsers() });
    if (readOnly) await lite.exec('set default_transaction_read_only = on');
    return lite;
  } catch (e) {
    throw new EventdbError('CONNECT', `cannot open PGlite ${dataDir === 'memory://' ? 'in-memory database' : `data directory ${dataDir}`}: ${messageOf(e)}`, 'check the directory and its permissions; a directory another PostgreSQL build wrote cannot be opened', { cause: e });
  }
}

export async function connectPglite(config: ResolvedConfig, opts: ConnectOptions = {}): Promise<PgliteConnection> {
  const target = config.database;
  const memory = target.memory;
  const path = memory ? 'memory://' : target.path!;
  const readOnly = !!opts.readOnly;
  if (!memory) {
    const state = checkDataDir(path);
    if (state !== 'database' && readOnly) {
      throw new EventdbError('DB_NOT_FOUND', `PGlite data directory ${path} does not exist`, 'run `eventdb migrate up` to create it');
    }
  }
  const waitMs = opts.lockWaitMs ?? config.connectTimeoutMs;
  let instance: Promise<PGlite> | undefined;
  let release: (() => Promise<void>) | undefined;
  let closed = false;
  const open = (): Promise<PGlite> => {
    if (closed) return Promise.reject(new EventdbError('CLOSED', 'the PGlite connection is closed', 'open a new connection'));
    instance ??= (async () => {
      if (!memory) release = await holdDataDir(path, waitMs);
      try {
        if (!memory) checkDataDir(path); // again, now that no other process can be creating it
        return await boot(path, readOnly);
      } catch (e) {
        await release?.();
        release = undefined;
        throw e;
      }
    })();
    return instance;
  };
  // Read-only connections (`eventdb info`) boot on first query: a version needs no boot.
  if (!readOnly) await open();
  const session = new PgliteSession(open);
  const db = new Kysely<any>({ dialect: new PgliteKyselyDialect(session) });
  const locks = new PgliteLocks(session, memory ? 'the in-memory PGlite database' : path);
  return {
    engine: 'postgres',
    driver: 'pglite',
    target,
    capabilities,
    db,
    async ping() {
      const t = performance.now();
      await session.run((lite) => lite.query('select 1'));
      return performance.now() - t;
    },
    async serverVersion() {
      if (!instance) return formatVersion(libraryVersion());
      const r = await session.run((lite) => lite.query<{ v: string }>('select version() as v'));
      const v = parseVersionString(r.rows[0]?.v ?? '');
      return v ? formatVersion(v) : (r.rows[0]?.v ?? 'PGlite');
    },
    withLock: (name, lockOpts, fn) => locks.withLock(name, lockOpts, fn),
    lockStatus: (name) => locks.status(name),
    introspect: () => introspectPostgres(db),
    bulkInsert: (table, columns, rows) => bulkInsertPglite(session, table, columns, rows),
    exclusive: (fn) => session.run(fn),
    async close() {
      if (closed) return;
      await db.destroy();
      closed = true;
      try {
        if (instance) await (await instance.catch(() => undefined))?.close();
      } finally {
        await release?.();
      }
    },
  };
}

export const pgliteDialect: Dialect = {
  engine: 'postgres',
  capabilities,
  connect: (config, opts) => connectPglite(config, opts),
  async exists(config) {
    return config.database.memory || checkDataDir(config.database.path!) === 'database';
  },
};
