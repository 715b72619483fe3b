import type { ResolvedConfig } from '../config/index.js';
import type { Engine } from '../config/url.js';
import { engineEntry } from './registry.js';
import type { Connection, ConnectOptions, Dialect, SnapshotEngine } from './types.js';

export type * from './types.js';
export { engineEntry, entryOf, isServer, memoryScratchUrl, storageOf } from './registry.js';
export type { DialectId, EngineEntry, Storage } from './registry.js';

/** Loads an engine's dialect on demand, so that no driver is imported until it is needed. */
export async function getDialect(engine: Engine, driver?: string): Promise<Dialect> {
  return engineEntry(engine, driver).load();
}

/** Opens the configured database. Throws EventdbError (exit 3) when it cannot. */
export async function openConnection(config: ResolvedConfig, opts?: ConnectOptions): Promise<Connection> {
  const dialect = await getDialect(config.database.engine, config.database.driver);
  return dialect.connect(config, opts);
}

/** Loads an engine's backup/restore implementation on demand (src/dialects/<engine>/snapshot.ts). */
export async function getSnapshotEngine(engine: Engine, driver?: string): Promise<SnapshotEngine> {
  return engineEntry(engine, driver).loadSnapshot();
}
