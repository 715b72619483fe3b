import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { existsSync } from 'node:fs';
import type { ResolvedConfig } from '../../config/index.js';
import { EventdbError, messageOf } from '../../errors.js';
import { checkDatabaseFile, readOnlyError } from '../file-checks.js';
import { MAGIC } from './magic.js';
import { fileLockStatus, lockFilePath, withFileLock, withMemoryLock } from '../file-lock.js';
import type { Capabilities, Connection, ConnectOptions, Dialect } from '../types.js';
import { introspectSqlite } from './introspect.js';
import { bulkInsertBoundSqlite, bulkInsertSqlite } from './bulk-insert.js';
import { sqliteMigrationMembers } from './migration-members.js'; // migrations and seed
// core operations: health, risk sizes, capture
import { sqliteTableSizes } from './table-sizes.js';
import { sqliteVitals } from './vitals.js';

export const capabilities: Readonly<Capabilities> = Object.freeze({
  transactionalDdl: true,
  advisoryLocks: false,
  concurrentIndex: false,
  returning: true,
  triggers: true,
  storedProcedures: false,
  concurrentWriters: false,
});


export async function connectSqlite(config: ResolvedConfig, opts: ConnectOptions = {}): Promise<Connection> {
  const target = config.database;
  const path = target.path!;
  const memory = target.memory;
  let readonly = false;
  if (!memory) {
    const state = checkDatabaseFile(path, 'SQLite', MAGIC, !opts.readOnly);
    if (!state.exists && opts.readOnly) {
      throw new EventdbError('DB_NOT_FOUND', `database file ${path} does not exist`, 'run `eventdb migrate up` to create it');
    }
    if (state.exists && !state.writable && !opts.readOnly) throw readOnlyError(path);
    readonly = !!opts.readOnly;
  }
  let raw: Database.Database;
  try {
    raw = new Database(memory ? ':memory:' : path, { readonly, fileMustExist: readonly, timeout: config.connectTimeoutMs });
    raw.pragma(`busy_timeout = ${Math.max(config.connectTimeoutMs, 5000)}`);
    raw.pragma('foreign_keys = ON');
    if (!memory && !readonly) {
      raw.pragma('journal_mode = WAL');
      raw.pragma('synchronous = NORMAL');
    }
    raw.prepare('select count(*) from sqlite_schema').get();
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    if (code === 'SQLITE_NOTADB') throw new EventdbError('NOT_A_DATABASE', `${path} is not a SQLite database`, 'check the path and the engine in the URL (the file was not changed)', { cause: e });
    if (code.startsWith('SQLITE_READONLY')) throw readOnlyError(path);
    throw new EventdbError('CONNECT', `cannot open SQLite database ${path}: ${messageOf(e)}`, 'check the path and its permissions', { cause: e });
  }
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: raw }) });
  // What a migration's PRAGMAs may have changed, back to how this connection set it up (foreign
  // keys take effect only outside a transaction: the runner also runs this after each commit).
  const sessionReset = [
    'pragma foreign_keys = ON',
    'pragma legacy_alter_table = OFF',
    'pragma defer_foreign_keys = OFF',
    'pragma recursive_triggers = OFF',
    'pragma ignore_check_constraints = OFF',
    'pragma query_only = OFF',
    `pragma busy_timeout = ${Math.max(config.connectTimeoutMs, 5000)}`,
  ];
  const what = (name: string) => `the ${name === 'migrate' ? 'migration' : name} lock on ${memory ? 'the in-memory database' : path}`;
  const conn: Connection = {
    engine: 'sqlite',
    target,
    capabilities,
    db,
    sessionReset: readonly ? undefined : sessionReset,
    async ping() {
      const t = performance.now();
      raw.prepare('select 1').get();
      return performance.now() - t;
    },
    async serverVersion() {
      const r = raw.prepare('select sqlite_version() as v').get() as { v: string };
      return `SQLite ${r.v}`;
    },
    withLock(name, lockOpts, fn) {
      if (memory) return withMemoryLock(`sqlite:${name}`, fn);
      return withFileLock(lockFilePath(path, name), what(name), lockOpts, fn);
    },
    async lockStatus(name) {
      if (memory || !existsSync(lockFilePath(path, name))) return { held: false };
      return fileLockStatus(lockFilePath(path, name));
    },
    introspect: async () => introspectSqlite(raw),
    bulkInsert: (table, columns, rows, opts) => bulkInsertSqlite(raw, table, columns, rows, opts),
    bulkInsertBound: (table, columns, batches, opts) => bulkInsertBoundSqlite(raw, table, columns, batches, opts),
    ...sqliteMigrationMembers(db, (text) => void raw.exec(text)), // migrations and seed
    // --- core operations: health, risk sizes, capture ---
    tableSizes: () => sqliteTableSizes(db),
    vitals: (o) => sqliteVitals(db, target, o),
    setBusyTimeout: async (ms) => void raw.pragma(`busy_timeout = ${Math.max(1, Math.round(ms))}`),
    async close() {
      await db.destroy();
      if (raw.open) raw.close(); // Kysely closes it only if it ever used it
    },
  };
  return conn;
}

export const sqliteDialect: Dialect = {
  engine: 'sqlite',
  capabilities,
  connect: (config, opts) => connectSqlite(config, opts),
  async exists(config) {
    return config.database.memory || existsSync(config.database.path!);
  },
};
