export { resolveConfig, type ResolvedConfig, type ConfigInput, type Source, type PoolSettings } from './resolve.js';
export { parseDatabaseUrl, DEFAULT_DATABASE_URL, ENGINES, type DatabaseTarget, type Engine, type PostgresDriver } from './url.js';
export { redact, redactUrl, redactDeep, redactArgv, registerSecret } from './redact.js';
export { ENVIRONMENTS, parseEnvironment, type Environment } from './environment.js';
