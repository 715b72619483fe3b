/**
 * eventdb's library API: what the CLI calls, so an application can run the same operations at
 * start-up. Heavy modules are loaded on demand.
 */
import { resolveConfig, type ConfigInput, type ResolvedConfig } from './config/index.js';
import { openConnection } from './dialects/index.js';
import type { Connection, ConnectOptions } from './dialects/types.js';

export { EventdbError, EXIT, isEventdbError, type ExitCode } from './errors.js';
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
export {
  loadMigrations,
  migrationStatus,
  migrateUp,
  rollback,
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
  type RollbackOptions,
  type RollbackResult,
} from './migrations/index.js';
export { seedDatabase, defineSeed, Random, PROFILES, type ProfileName, type SeedOptions, type SeedResult, type SeedTableResult, type SeedProgress, type SeedContext, type SeedFunction } from './seed/index.js';

/**
 * Opens the database the configuration points at (flags > env > config file > defaults when given a
 * ConfigInput; as-is when given a ResolvedConfig).
 */
export async function openDatabase(config: ResolvedConfig | ConfigInput = {}, opts?: ConnectOptions): Promise<Connection> {
  const resolved = 'database' in config && 'sources' in config ? (config as ResolvedConfig) : await resolveConfig(config as ConfigInput);
  return openConnection(resolved, opts);
}
