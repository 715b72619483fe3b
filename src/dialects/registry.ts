import type { DatabaseTarget, Engine } from '../config/url.js';
import { EventdbError } from '../errors.js';
import type { Dialect, SchemaDdl, SnapshotEngine } from './types.js';

/**
 * Every engine eventdb drives, in one table. Adding an engine is adding a row here and a folder under
 * src/dialects that fills the contract (docs/ARCHITECTURE.md has the checklist). Nothing here imports a
 * driver: `load` and `loadSnapshot` import the engine's folder on demand, and `storage` can be asked of a
 * configuration before any driver is loaded.
 */
export type DialectId = 'postgres' | 'pglite' | 'sqlite' | 'duckdb';

/** Where the data lives: a server eventdb connects to, or a file (or directory, or memory) it opens itself. */
export type Storage = 'server' | 'file';

export interface EngineEntry {
  readonly id: DialectId;
  readonly engine: Engine;
  readonly storage: Storage;
  readonly load: () => Promise<Dialect>;
  readonly loadSnapshot: () => Promise<SnapshotEngine>;
  /** DDL generation (H6): the engine's DDL, without a connection. */
  readonly loadDdl: () => Promise<SchemaDdl>;
}

const ENTRIES: Record<DialectId, EngineEntry> = {
  postgres: {
    id: 'postgres',
    engine: 'postgres',
    storage: 'server',
    load: async () => (await import('./postgres/index.js')).postgresDialect,
    loadSnapshot: async () => (await import('./postgres/snapshot.js')).postgresSnapshot,
    loadDdl: async () => (await import('./postgres/ddl.js')).postgresDdl,
  },
  pglite: {
    id: 'pglite',
    engine: 'postgres',
    storage: 'file',
    load: async () => (await import('./pglite/index.js')).pgliteDialect,
    loadSnapshot: async () => (await import('./pglite/snapshot.js')).pgliteSnapshot,
    loadDdl: async () => (await import('./postgres/ddl.js')).postgresDdl,
  },
  sqlite: {
    id: 'sqlite',
    engine: 'sqlite',
    storage: 'file',
    load: async () => (await import('./sqlite/index.js')).sqliteDialect,
    loadSnapshot: async () => (await import('./sqlite/snapshot.js')).sqliteSnapshot,
    loadDdl: async () => (await import('./sqlite/ddl.js')).sqliteDdl,
  },
  duckdb: {
    id: 'duckdb',
    engine: 'duckdb',
    storage: 'file',
    load: async () => (await import('./duckdb/index.js')).duckdbDialect,
    loadSnapshot: async () => (await import('./duckdb/snapshot.js')).duckdbSnapshot,
    loadDdl: async () => (await import('./duckdb/ddl.js')).duckdbDdl,
  },
};

/** The registry entry for an engine and driver (PostgreSQL's driver picks server or PGlite). */
export function engineEntry(engine: Engine, driver?: string): EngineEntry {
  // The one place that maps (engine, driver) to an implementation.
  const id = (engine === 'postgres' && driver === 'pglite' ? 'pglite' : engine) as DialectId;
  const entry = Object.hasOwn(ENTRIES, id) ? ENTRIES[id] : undefined;
  if (!entry) throw new EventdbError('UNKNOWN_ENGINE', `unknown engine "${String(engine)}"`, 'use postgres, sqlite or duckdb');
  return entry;
}

/** The registry entry of a configured database. */
export const entryOf = (target: Pick<DatabaseTarget, 'engine' | 'driver'>): EngineEntry => engineEntry(target.engine, target.driver);

/** Server or file: where a configured database's data lives. Loads no driver. */
export const storageOf = (target: Pick<DatabaseTarget, 'engine' | 'driver'>): Storage => entryOf(target).storage;

/** A database on a server (PostgreSQL via pg), as opposed to one eventdb opens itself (SQLite, DuckDB, PGlite). */
export const isServer = (target: Pick<DatabaseTarget, 'engine' | 'driver'>): boolean => storageOf(target) === 'server';
