/** Migrations: load, checksum, dependency graph, history, plan, run, rollback. */
export { loadMigrations, scanMigrations, compareIds, parseFileName, type ScanResult } from './loader.js';
export { checksumOf, normalizeText } from './checksum.js';
export { parseSqlMigration } from './sql-file.js';
export { splitStatements } from './split.js';
export { orderMigrations, graphProblems, renderGraph, type GraphFormat } from './graph.js';
export { migrationStatus, computeStatus, type MigrationStatus, type MigrationStatusEntry } from './status.js';
export { migrateUp, type UpOptions, type UpResult, type UpFailureDetails, type PlanFingerprint } from './up.js';
export { migrateUpWithBackup, rollbackWithBackup, type BackupBefore, type UpWithBackupResult, type RollbackWithBackupResult } from './backup-before.js';
export { rollback, resetMigrations, type RollbackOptions, type RollbackResult } from './rollback.js';
export { baseline, repair, validateMigrations, migrationGraph, createMigration, type RepairResult, type ValidationProblem } from './admin.js';
export { assessPlan, type RiskGateContext, type RiskGateResult } from './risk-gate.js';
export { BaseMigration } from './base-migration.js';
export { HISTORY_TABLE, LOG_TABLE, ensureHistory, failedAttempts } from './history.js';
export { DEFAULT_LOCK_TIMEOUT_MS, type RunOptions, type StepResult, type ProgressEvent, type RiskGateDetails } from './plan.js';
export type { Migration, MigrationMeta, PlanStep, MigrationState, Direction, HistoryRow, ScriptContext } from './types.js';
export type { Rehearsal, StepFailure } from './rehearse.js';
export { clipStatement } from './rehearse.js';
