import { resolve as resolvePath } from 'node:path';
import { EventdbError } from '../errors.js';
import { parseDuration, shownValue, TIMER_MAX_MS } from '../units.js';
import { parseEnvironment, type Environment } from './environment.js';
import { findConfigFile, loadConfigFile, type FileSettings } from './file.js';
import { DEFAULT_DATABASE_URL, defaultUrlForProvider, parseDatabaseUrl, parseProvider, type DatabaseTarget } from './url.js';
import { registerSecret } from './redact.js';

/** Where a setting's value came from, shown by `eventdb info`. */
export type Source = 'flag' | `env:${string}` | `file:${string}` | 'default';

export interface PoolSettings {
  min: number;
  max: number;
  idleTimeoutMs: number;
  acquireTimeoutMs: number;
}

export interface ResolvedConfig {
  environment: Environment;
  database: DatabaseTarget;
  /** True when nothing configured the database and the embedded SQLite default is used. */
  isDefaultDatabase: boolean;
  pool: PoolSettings;
  connectTimeoutMs: number;
  statementTimeoutMs?: number;
  /** The longest a TypeScript migration's up() or down() may run (src/migrations/ts-timeout.ts); none by default. */
  migrationTimeoutMs?: number;
  migrationsDir: string;
  schemaDir: string;
  seedsDir: string;
  store: string;
  configFile?: string;
  cwd: string;
  /** Setting name → where it came from. */
  sources: Record<string, Source>;
  /** The merged config-file settings (top level overlaid by the environment's section). */
  file: FileSettings;
}

export interface ConfigInput {
  flags?: { url?: string; env?: string; config?: string; migrations?: string; store?: string };
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const DEFAULTS = {
  pool: { min: 0, max: 10, idleTimeoutMs: 10_000, acquireTimeoutMs: 10_000 },
  connectTimeoutMs: 5_000,
  migrationsDir: 'migrations',
  schemaDir: 'schema',
  seedsDir: 'seeds',
  store: 'file:./backups',
};

/** Resolves settings with precedence flags > environment > config file > defaults. */
export async function resolveConfig(input: ConfigInput = {}): Promise<ResolvedConfig> {
  const flags = input.flags ?? {};
  const env = input.env ?? process.env;
  const cwd = input.cwd ?? process.cwd();
  const sources: Record<string, Source> = {};

  const configPath = flags.config ? resolvePath(cwd, flags.config) : env.EVENTDB_CONFIG ? resolvePath(cwd, env.EVENTDB_CONFIG) : findConfigFile(cwd);
  const file = configPath ? await loadConfigFile(configPath) : undefined;
  const fileSrc: Source = `file:${configPath ?? ''}`;

  // Environment: flag > EVENTDB_ENV > NODE_ENV > file > default.
  let environment: Environment = 'development';
  sources.environment = 'default';
  const envCandidates: Array<[string | undefined, Source]> = [
    [flags.env, 'flag'],
    [env.EVENTDB_ENV, 'env:EVENTDB_ENV'],
    [env.NODE_ENV, 'env:NODE_ENV'],
    [typeof file?.settings.environment === 'string' ? file.settings.environment : undefined, fileSrc],
  ];
  for (const [v, src] of envCandidates) {
    if (v) {
      environment = parseEnvironment(v, src === 'flag' ? '--env' : src);
      sources.environment = src;
      break;
    }
  }

  const section = file?.environments[environment] ?? {};
  const merged: FileSettings = { ...(file?.settings ?? {}), ...section, pool: { ...(file?.settings.pool ?? {}), ...(section.pool ?? {}) } };
  const pick = <T>(name: string, candidates: Array<[T | undefined, Source]>, fallback: T): T => {
    for (const [v, src] of candidates) {
      if (v !== undefined && v !== '') {
        sources[name] = src;
        return v;
      }
    }
    sources[name] = 'default';
    return fallback;
  };

  // Database URL and provider.
  const providerRaw = pick<string | undefined>('provider', [[env.DATABASE_PROVIDER, 'env:DATABASE_PROVIDER'], [str(merged.provider), fileSrc]], undefined);
  const provider = providerRaw ? parseProvider(providerRaw) : undefined;
  const providerDefault = provider ? defaultUrlForProvider(provider) : DEFAULT_DATABASE_URL;
  const url = pick<string | undefined>(
    'database',
    [
      [flags.url, 'flag'],
      [env.EVENTDB_DATABASE_URL, 'env:EVENTDB_DATABASE_URL'],
      [env.DATABASE_URL, 'env:DATABASE_URL'],
      [str(merged.url), fileSrc],
    ],
    providerDefault,
  );
  if (url === undefined) {
    throw new EventdbError('CONFIG', `DATABASE_PROVIDER=${providerRaw} needs a database URL`, 'set DATABASE_URL=postgres://user:password@host:5432/database');
  }
  const database = parseDatabaseUrl(url, { provider, cwd });
  registerSecret(database.postgres?.password);
  const isDefaultDatabase = sources.database === 'default';

  const setting = <T>(name: string, envNames: string[], fileValue: unknown, fallback: T, parse: (v: unknown, origin: string) => number | undefined) => {
    const candidates: Array<[number | undefined, Source]> = [];
    for (const n of envNames) candidates.push([parse(env[n], `env:${n}`), `env:${n}`]);
    candidates.push([parse(fileValue, `${fileSrc} (${name})`), fileSrc]);
    return pick<number | T>(name, candidates, fallback);
  };
  const num = (name: string, envNames: string[], fileValue: unknown, fallback: number) => setting(name, envNames, fileValue, fallback, parseCount);
  /**
   * A duration setting (src/units.ts); a plain number is in `plainUnit`. Each becomes a timer or a driver's
   * timeout (pg's connectionTimeoutMillis and statement_timeout, better-sqlite3's timeout), which hold at
   * most TIMER_MAX_MS: a longer one fired at once or failed the connection (exit 3), so it is refused here.
   */
  const dur = <T extends number | undefined>(name: string, envNames: string[], fileValue: unknown, fallback: T, plainUnit: 'ms' | 's') =>
    setting(name, envNames, fileValue, fallback, (v, origin) => (v === undefined || v === null || v === '' ? undefined : parseDuration(v as string | number, origin, { plainUnit, code: 'CONFIG', maxMs: TIMER_MAX_MS })));

  const pool: PoolSettings = {
    min: num('pool.min', ['EVENTDB_POOL_MIN', 'DB_POOL_MIN'], merged.pool?.min, DEFAULTS.pool.min),
    max: num('pool.max', ['EVENTDB_POOL_MAX', 'DB_POOL_MAX'], merged.pool?.max, DEFAULTS.pool.max),
    idleTimeoutMs: dur('pool.idleTimeout', ['EVENTDB_POOL_IDLE_TIMEOUT', 'DB_POOL_IDLE_TIMEOUT'], merged.pool?.idleTimeout, DEFAULTS.pool.idleTimeoutMs, 'ms'),
    acquireTimeoutMs: dur('pool.acquireTimeout', ['EVENTDB_POOL_ACQUIRE_TIMEOUT', 'DB_POOL_ACQUIRE_TIMEOUT'], merged.pool?.acquireTimeout, DEFAULTS.pool.acquireTimeoutMs, 'ms'),
  };
  if (pool.max < 1 || pool.min < 0 || pool.min > pool.max) {
    throw new EventdbError('CONFIG', `invalid pool size min=${pool.min} max=${pool.max}`, 'set EVENTDB_POOL_MIN ≤ EVENTDB_POOL_MAX, with max ≥ 1');
  }
  const connectTimeoutMs = dur('connectTimeout', ['EVENTDB_CONNECT_TIMEOUT'], merged.connectTimeout, DEFAULTS.connectTimeoutMs, 's');
  const statementTimeoutMs = dur('statementTimeout', ['EVENTDB_STATEMENT_TIMEOUT'], merged.statementTimeout, undefined, 's');
  const migrationTimeoutMs = dur('migrationTimeout', ['EVENTDB_MIGRATION_TIMEOUT'], merged.migrationTimeout, undefined, 's');

  const migrationsDir = resolvePath(cwd, pick('migrationsDir', [[flags.migrations, 'flag'], [env.EVENTDB_MIGRATIONS_DIR, 'env:EVENTDB_MIGRATIONS_DIR'], [str(merged.migrationsDir), fileSrc]], DEFAULTS.migrationsDir));
  const schemaDir = resolvePath(cwd, pick('schemaDir', [[env.EVENTDB_SCHEMA_DIR, 'env:EVENTDB_SCHEMA_DIR'], [str(merged.schemaDir), fileSrc]], DEFAULTS.schemaDir));
  const seedsDir = resolvePath(cwd, pick('seedsDir', [[env.EVENTDB_SEEDS_DIR, 'env:EVENTDB_SEEDS_DIR'], [str(merged.seedsDir), fileSrc]], DEFAULTS.seedsDir));
  const store = pick('store', [[flags.store, 'flag'], [env.EVENTDB_STORE, 'env:EVENTDB_STORE'], [str(merged.store), fileSrc]], DEFAULTS.store);

  return {
    environment,
    database,
    isDefaultDatabase,
    pool,
    connectTimeoutMs,
    statementTimeoutMs,
    migrationTimeoutMs,
    migrationsDir,
    schemaDir,
    seedsDir,
    store,
    configFile: configPath,
    cwd,
    sources,
    file: merged,
  };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A count (pool sizes): a whole number ≥ 0. */
function parseCount(v: unknown, origin: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\s*\d+\s*$/.test(v)) return Number(v);
  throw new EventdbError('CONFIG', `invalid number${shownValue(v, origin)} from ${origin}`, 'use a whole number, e.g. 10');
}
