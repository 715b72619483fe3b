import { DuckDBInstance } from '@duckdb/node-api';
import { Kysely, sql } from 'kysely';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResolvedConfig } from '../../config/index.js';
import { EventdbError, messageOf } from '../../errors.js';
import { checkDatabaseFile, readOnlyError } from '../file-checks.js';
import { MAGIC } from './magic.js';
import { fileLockStatus, lockFilePath, withFileLock, withMemoryLock } from '../file-lock.js';
import type { Capabilities, Connection, ConnectOptions, Dialect } from '../types.js';
import { introspectDuckdb } from './introspect.js';
import { quoteIdent } from '../quote.js';
import { duckdbResetTables, duckdbSyncIdSequence } from './seed-reset.js'; // migrations and seed
import { bulkLoadCsvDuckdb } from './bulk-csv.js';
import { bulkInsertDuckdb } from './bulk-insert.js';
import { DuckDbDialect } from './kysely-driver.js';
import { attachMemoryCatalog } from './memory-catalog.js';
import { duckdbRecordSuccess } from './history-sql.js';
import { duckdbApplyTwoCalls } from './fast-apply.js';
// core operations: health, risk sizes, capture
import { duckdbTableSizes } from './table-sizes.js';
import { duckdbVitals } from './vitals.js';

export const capabilities: Readonly<Capabilities> = Object.freeze({
  transactionalDdl: true,
  advisoryLocks: false,
  concurrentIndex: false,
  returning: true,
  triggers: false,
  storedProcedures: false,
  concurrentWriters: false,
});

/** DuckDB's file header carries "DUCK" at byte 8. */

/**
 * DuckDB lets one process open a file read-write at a time and says which PID holds it. Opening
 * waits for that process up to `lockWaitMs` (default: the connect timeout), then fails with exit 4.
 */
async function openInstance(path: string, readOnly: boolean, waitMs: number): Promise<DuckDBInstance> {
  const started = Date.now();
  let delay = 20;
  for (;;) {
    try {
      return await DuckDBInstance.create(path, readOnly ? { access_mode: 'READ_ONLY' } : {});
    } catch (e) {
      const msg = messageOf(e);
      if (/lock/i.test(msg) && /conflict|could not set lock/i.test(msg)) {
        if (Date.now() - started >= waitMs) {
          const pid = /PID (\d+)/.exec(msg)?.[1];
          throw new EventdbError('LOCK_BUSY', `DuckDB database ${path} is open in another process${pid ? ` (pid ${pid})` : ''}; gave up after ${(waitMs / 1000).toFixed(1)} s`, 'DuckDB allows one writing process at a time: wait for it to finish, or raise --lock-timeout', { cause: e });
        }
        await sleep(delay);
        delay = Math.min(delay * 2, 250);
        continue;
      }
      if (/not a valid DuckDB database|invalid|magic/i.test(msg)) {
        throw new EventdbError('NOT_A_DATABASE', `${path} is not a DuckDB database`, 'check the path and the engine in the URL (the file was not changed)', { cause: e });
      }
      if (/read-only|permission denied/i.test(msg)) throw readOnlyError(path);
      throw new EventdbError('CONNECT', `cannot open DuckDB database ${path}: ${msg}`, 'check the path and its permissions', { cause: e });
    }
  }
}

export async function connectDuckdb(config: ResolvedConfig, opts: ConnectOptions = {}): Promise<Connection> {
  const target = config.database;
  const memory = target.memory;
  const path = memory ? ':memory:' : target.path!;
  let readOnly = false;
  let creating = false;
  if (!memory) {
    const state = checkDatabaseFile(path, 'DuckDB', MAGIC, !opts.readOnly);
    creating = !state.exists;
    if (!state.exists && opts.readOnly) {
      throw new EventdbError('DB_NOT_FOUND', `database file ${path} does not exist`, 'run `eventdb migrate up` to create it');
    }
    if (state.exists && !state.writable && !opts.readOnly) throw readOnlyError(path);
    readOnly = !!opts.readOnly;
  }
  const waitMs = opts.lockWaitMs ?? config.connectTimeoutMs;
  // In memory: a fresh catalog of the process-wide in-memory instance (memory-catalog.ts), detached on close.
  const catalog = memory ? await attachMemoryCatalog() : undefined;
  // A new file is created by one process at a time: processes racing DuckDB's own creation of the
  // same file could read it before its header existed (six `migrate up` on a new file exited 3).
  // Whoever waited finds the file made, and checks it as any existing file.
  const instance = catalog
    ? undefined
    : creating
      ? await withFileLock(lockFilePath(path, 'create'), `the creation of ${path}`, { timeoutMs: waitMs }, async () => {
          checkDatabaseFile(path, 'DuckDB', MAGIC, true);
          return openInstance(path, false, waitMs);
        })
      : await openInstance(path, readOnly, waitMs);
  const connector = catalog ? catalog.instance : instance!;
  const db = new Kysely<any>({ dialect: new DuckDbDialect(connector) });
  const close = async () => {
    try {
      await db.destroy();
    } finally {
      instance?.closeSync();
      await catalog?.detach();
    }
  };
  // A migration's `SET search_path`, `SET schema` or `USE` would move eventdb's own statements and
  // the next migration elsewhere: back to the database and schema the connection opened on.
  let home: { d: string; s: string };
  try {
    home = (await sql<{ d: string; s: string }>`select current_database() as d, current_schema() as s`.execute(db)).rows[0]!;
  } catch (e) {
    await close();
    throw e;
  }
  // One entry, two statements: one call to DuckDB after every migration instead of two.
  const sessionReset = [`reset search_path; use ${quoteIdent(home.d)}.${quoteIdent(home.s)}`];
  const what = (name: string) => `the ${name === 'migrate' ? 'migration' : name} lock on ${memory ? 'the in-memory database' : path}`;
  return {
    engine: 'duckdb',
    target,
    capabilities,
    db,
    sessionReset,
    async ping() {
      const t = performance.now();
      await sql`select 1`.execute(db);
      return performance.now() - t;
    },
    async serverVersion() {
      const r = await sql<{ v: string }>`select version() as v`.execute(db);
      return `DuckDB ${String(r.rows[0]?.v ?? '?').replace(/^v/, '')}`;
    },
    withLock(name, lockOpts, fn) {
      if (memory) return withMemoryLock(`duckdb:${name}`, fn);
      return withFileLock(lockFilePath(path, name), what(name), lockOpts, fn);
    },
    async lockStatus(name) {
      if (memory || !existsSync(lockFilePath(path, name))) return { held: false };
      return fileLockStatus(lockFilePath(path, name));
    },
    introspect: () => introspectDuckdb(db),
    bulkInsert: (table, columns, rows) => bulkInsertDuckdb(connector, table, columns, rows),
    bulkLoadCsv: (table, columns, files) => bulkLoadCsvDuckdb(connector, table, columns, files),
    // migrations and seed
    recordMigrationSuccess: (on, s) => duckdbRecordSuccess(on, s),
    applyMigrationFast: (req) => duckdbApplyTwoCalls(db, req),
    resetTables: (tables) => duckdbResetTables(db, tables),
    syncIdSequence: (table, idDefault) => duckdbSyncIdSequence(db, table, idDefault),
    // --- core operations: health, risk sizes, capture ---
    tableSizes: () => duckdbTableSizes(db),
    vitals: (o) => duckdbVitals(db, target, o),
    close,
  };
}

export const duckdbDialect: Dialect = {
  engine: 'duckdb',
  capabilities,
  connect: (config, opts) => connectDuckdb(config, opts),
  async exists(config) {
    return config.database.memory || existsSync(config.database.path!);
  },
};
