import type { ResolvedConfig } from '../config/index.js';
import type { Engine } from '../config/url.js';
import { EventdbError } from '../errors.js';
import type { Connection, ConnectOptions, Dialect, SnapshotEngine } from './types.js';

export type * from './types.js';

/** Loads an engine's dialect on demand, so that no driver is imported until it is needed. */
export async function getDialect(engine: Engine, driver?: string): Promise<Dialect> {
  switch (engine) {
    case 'postgres':
      if (driver === 'pglite') return (await import('./pglite/index.js')).pgliteDialect;
      return (await import('./postgres/index.js')).postgresDialect;
    case 'sqlite':
      return (await import('./sqlite/index.js')).sqliteDialect;
    case 'duckdb':
      return (await import('./duckdb/index.js')).duckdbDialect;
    default:
      throw new EventdbError('UNKNOWN_ENGINE', `unknown engine "${String(engine)}"`, 'use postgres, sqlite or duckdb');
  }
}

/** Opens the configured database. Throws EventdbError (exit 3) when it cannot. */
export async function openConnection(config: ResolvedConfig, opts?: ConnectOptions): Promise<Connection> {
  const dialect = await getDialect(config.database.engine, config.database.driver);
  return dialect.connect(config, opts);
}

/** Loads an engine's backup/restore implementation on demand (src/dialects/<engine>/snapshot.ts). */
export async function getSnapshotEngine(engine: Engine, driver?: string): Promise<SnapshotEngine> {
  switch (engine) {
    case 'postgres':
      if (driver === 'pglite') return (await import('./pglite/snapshot.js')).pgliteSnapshot;
      return (await import('./postgres/snapshot.js')).postgresSnapshot;
    case 'sqlite':
      return (await import('./sqlite/snapshot.js')).sqliteSnapshot;
    case 'duckdb':
      return (await import('./duckdb/snapshot.js')).duckdbSnapshot;
    default:
      throw new EventdbError('UNKNOWN_ENGINE', `unknown engine "${String(engine)}"`, 'use postgres, sqlite or duckdb');
  }
}
