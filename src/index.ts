/**
 * eventdb's library API: what the CLI calls, so an application can run the same operations at
 * start-up. Heavy modules are loaded on demand.
 */
import { resolveConfig, type ConfigInput, type ResolvedConfig } from './config/index.js';
import { openConnection } from './dialects/index.js';
import type { Connection, ConnectOptions } from './dialects/types.js';
import type { LintOptions, LintResult, MigrationInput, MigrationRisk, RiskContext } from './risk/index.js';

export { EventdbError, EXIT, ERROR_CODES, isEventdbError, isErrorCode, type ErrorCode, type ExitCode } from './errors.js';
export { resolveConfig, parseDatabaseUrl, redact, redactUrl, type ResolvedConfig, type ConfigInput, type DatabaseTarget, type Engine, type Environment } from './config/index.js';
export type * from './dialects/types.js';
export { describeDatabase, type InfoResult } from './info.js';
export { VERSION } from './version.js';
export { runHealthChecks, startHealthServer, parseCheckNames, renderPrometheus, CHECK_NAMES, type HealthReport, type HealthOptions, type CheckResult, type CheckName, type CheckStatus, type ServeOptions, type HealthServer } from './health/index.js';
export { prepare, type PrepareOptions, type PrepareResult, type PrepareStep } from './prepare/index.js';
export {
  createBackup,
  listSnapshots,
  verifySnapshot,
  pruneSnapshots,
  restoreSnapshot,
  restoreIfNewer,
  type BackupOptions,
  type BackupResult,
  type SnapshotSummary,
  type VerifyResult,
  type PruneResult,
  type RestoreOptions,
  type RestoreResult,
  type Manifest,
} from './backup/index.js';
export { BaseMigration } from './migrations/base-migration.js';
export { validateDatabase, loadExpected, type ValidateOptions } from './schema/validate.js';
export type { ValidationResult, ValidationFinding, ValidationSummary, FindingFix, FindingLevel, CheckGroup } from './schema/findings.js';
export { autoFix, type AutoFixOptions, type AutoFixResult, type PlannedFix } from './schema/autofix/index.js';
// schema as code (issue 17): the authoring API, schema pull, types
export {
  defineSchema, table, column, text, varchar, char, integer, bigint, smallint, numeric, real, double, boolean, timestamptz, timestamp, date, time, interval, json, jsonb, uuid, bytes,
  enumColumn, enumType, index, unique, foreignKey, check, defaults, FAMILY_TYPES,
  type ColumnOptions, type IndexOptions, type ForeignKeyOptions, type TableOptions, type SchemaOptions, type EngineTypes,
} from './schema/authoring.js';
export type { ExpectedSchema, ExpectedTable, ExpectedColumn, ExpectedIndex, ExpectedForeignKey, ExpectedCheck, ExpectedEnum, DataRule, PerEngine, ReferentialAction } from './schema/model.js';
export { pullSchema, declarationSource, type PullOptions, type PullResult } from './schema/pull/index.js';
export { generateTypes, writeTypes, typesFromSchema, typesFromSnapshot, type TypesOptions, type TypesResult } from './schema/types-gen/index.js';
export type { MigrateDiffOptions, MigrateDiffResult, RenameSpec } from './schema/generate/command.js';

/** `eventdb migrate diff` as a function: the next migration(s) from the declaration. Loaded on first call (it loads the risk parsers). */
export async function migrateDiff(config: ResolvedConfig, opts: import('./schema/generate/command.js').MigrateDiffOptions): Promise<import('./schema/generate/command.js').MigrateDiffResult> {
  return (await import('./schema/generate/command.js')).migrateDiff(config, opts);
}
export {
  loadMigrations,
  migrationStatus,
  migrateUp,
  migrateUpWithBackup,
  rollback,
  rollbackWithBackup,
  resetMigrations,
  baseline,
  repair,
  validateMigrations,
  migrationGraph,
  createMigration,
  type Migration,
  type MigrationMeta,
  type MigrationStatus,
  type MigrationStatusEntry,
  type PlanStep,
  type UpOptions,
  type UpResult,
  type BackupBefore,
  type UpWithBackupResult,
  type RollbackWithBackupResult,
  type RollbackOptions,
  type RollbackResult,
} from './migrations/index.js';
export { seedDatabase, defineSeed, Random, PROFILES, type ProfileName, type SeedOptions, type SeedResult, type SeedTableResult, type SeedProgress, type SeedContext, type SeedFunction } from './seed/index.js';
export type { Finding as RiskFinding, Level as RiskLevel, MigrationInput as RiskMigrationInput, MigrationRisk, RiskContext, LintOptions, LintResult } from './risk/index.js';

/**
 * Risk analysis, loaded on first call: importing eventdb does not load the SQL parsers (the
 * PostgreSQL one is 1.7 MB of WASM). `loadRiskAnalyser()` returns the whole module (rules, formats,
 * gate); the two functions below cover the common cases.
 */
export async function loadRiskAnalyser(): Promise<typeof import('./risk/index.js')> {
  return import('./risk/index.js');
}

/**
 * Analyses one migration: an eventdb SQL migration's text (`-- eventdb:up` / `-- eventdb:down`
 * sections, `-- eventdb:risk-accepted` lines), or its parts. Without `ctx.tableSizes`, tables are
 * assumed production-sized unless `ctx.assumeSmall`.
 */
export async function analyseMigrationRisk(migration: string | MigrationInput, ctx: RiskContext): Promise<MigrationRisk> {
  const risk = await loadRiskAnalyser();
  await risk.loadParsers([ctx.engine]);
  return risk.analyseMigration(typeof migration === 'string' ? risk.readSqlMigration('migration', migration) : migration, ctx);
}

/** `eventdb migrate lint` as a function: analyses migration files without a database. */
export async function lintMigrations(opts: LintOptions): Promise<LintResult> {
  return (await loadRiskAnalyser()).lintMigrations(opts);
}

/**
 * Opens the database the configuration points at (flags > env > config file > defaults when given a
 * ConfigInput; as-is when given a ResolvedConfig).
 */
export async function openDatabase(config: ResolvedConfig | ConfigInput = {}, opts?: ConnectOptions): Promise<Connection> {
  const resolved = 'database' in config && 'sources' in config ? (config as ResolvedConfig) : await resolveConfig(config as ConfigInput);
  return openConnection(resolved, opts);
}
