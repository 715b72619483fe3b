import type { ResolvedConfig, Source } from './config/index.js';
import { entryOf, getDialect, isServer } from './dialects/index.js';
import { EventdbError } from './errors.js';
import type { Capabilities } from './dialects/types.js';

export interface InfoResult {
  engine: string;
  driver: string;
  url: string;
  /** `missing`: when it does not exist, what to do about it, as the dialect says (`migrate up` creates files, not PostgreSQL databases). */
  database: { name: string; path?: string; exists: boolean; isDefault: boolean; memory: boolean; missing?: string };
  environment: string;
  serverVersion: string | null;
  capabilities: Capabilities;
  configFile: string | null;
  settings: Record<string, { value: unknown; source: Source }>;
}

/**
 * What eventdb is connected to. Never creates the database: a missing file or PostgreSQL database is
 * reported as `exists: false` (the version is then the library's own).
 */
export async function describeDatabase(config: ResolvedConfig): Promise<InfoResult> {
  const target = config.database;
  const dialect = await getDialect(target.engine, target.driver);
  let exists = await dialect.exists(config);
  let serverVersion: string | null = null;
  if (exists) {
    try {
      const conn = await dialect.connect(config, { readOnly: true });
      try {
        serverVersion = await conn.serverVersion();
      } finally {
        await conn.close();
      }
    } catch (e) {
      if (!(e instanceof EventdbError && e.code === 'DB_NOT_FOUND')) throw e;
      exists = false;
    }
  }
  let missing: string | undefined;
  if (!exists && !target.memory) {
    // The dialect's own "not found" error says whether `migrate up` creates it (a file) or not (a server database).
    try {
      await (await dialect.connect(config, { readOnly: true })).close();
    } catch (e) {
      if (e instanceof EventdbError && e.code === 'DB_NOT_FOUND') missing = e.hint;
      else throw e;
    }
  }
  if (!exists && !isServer(target)) {
    const mem = { ...config, database: { ...target, memory: true, path: ':memory:' } };
    const conn = await dialect.connect(mem, { readOnly: true }); // PGlite: reads the library's version without booting
    try {
      serverVersion = `${await conn.serverVersion()} (library)`;
    } finally {
      await conn.close();
    }
  }
  const s = config.sources;
  const settings: InfoResult['settings'] = {
    database: { value: target.display, source: s.database ?? 'default' },
    environment: { value: config.environment, source: s.environment ?? 'default' },
    'pool.min': { value: config.pool.min, source: s['pool.min'] ?? 'default' },
    'pool.max': { value: config.pool.max, source: s['pool.max'] ?? 'default' },
    'pool.idleTimeoutMs': { value: config.pool.idleTimeoutMs, source: s['pool.idleTimeout'] ?? 'default' },
    'pool.acquireTimeoutMs': { value: config.pool.acquireTimeoutMs, source: s['pool.acquireTimeout'] ?? 'default' },
    connectTimeoutMs: { value: config.connectTimeoutMs, source: s.connectTimeout ?? 'default' },
    statementTimeoutMs: { value: config.statementTimeoutMs ?? null, source: s.statementTimeout ?? 'default' },
    migrationTimeoutMs: { value: config.migrationTimeoutMs ?? null, source: s.migrationTimeout ?? 'default' },
    migrationsDir: { value: config.migrationsDir, source: s.migrationsDir ?? 'default' },
    schemaDir: { value: config.schemaDir, source: s.schemaDir ?? 'default' },
    store: { value: config.store, source: s.store ?? 'default' },
  };
  if (s.provider && s.provider !== 'default') settings.provider = { value: config.sources.provider, source: s.provider };
  return {
    engine: target.engine,
    driver: entryOf(target).driver,
    url: target.display,
    database: { name: target.name, ...(target.path ? { path: target.path } : {}), exists, isDefault: config.isDefaultDatabase, memory: target.memory, ...(missing ? { missing } : {}) },
    environment: config.environment,
    serverVersion,
    capabilities: { ...dialect.capabilities },
    configFile: config.configFile ?? null,
    settings,
  };
}
