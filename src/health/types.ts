import type { ResolvedConfig } from '../config/index.js';
import type { Connection } from '../dialects/types.js';

export const CHECK_NAMES = ['connection', 'migrations', 'schema', 'lock', 'backup', 'storage', 'database'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skipped';

/** One check's outcome. `details` is check-specific and JSON-able. */
export interface CheckResult {
  name: CheckName;
  status: CheckStatus;
  durationMs: number;
  message: string;
  details?: Record<string, unknown>;
}

export type OverallStatus = 'ok' | 'warn' | 'fail';

export interface HealthReport {
  /** True when the exit code is 0 (nothing failed; no warnings under --strict or in production). */
  ok: boolean;
  status: OverallStatus;
  /** 0 ok, 1 a check failed (or warned under strictness), 3 cannot connect. Never anything else. */
  exitCode: 0 | 1 | 3;
  strict: boolean;
  engine: string;
  database: string;
  environment: string;
  checkedAt: string;
  durationMs: number;
  checks: CheckResult[];
}

export interface HealthOptions {
  /** Subset to run (default: all). */
  checks?: CheckName[];
  /** Bounds the whole run, milliseconds (default 10 000). */
  timeoutMs?: number;
  /** Warnings fail too (always on in production). */
  strict?: boolean;
  /** Slower checks: unused indexes (PostgreSQL), quick_check (SQLite), table scans (DuckDB). */
  deep?: boolean;
  /** Newest snapshot must be younger than this (default 26 h). */
  maxBackupAgeMs?: number;
  /** A migration lock held longer than this fails (default 10 min); shorter warns. */
  lockThresholdMs?: number;
  /** SQLite/DuckDB: a write-ahead log larger than this warns (default 256 MiB). */
  walWarnBytes?: number;
  /** An already-open connection to reuse (prepare, --serve); it is not closed by the runner. */
  connection?: Connection;
}

/** What a check gets. `deadline` is an absolute time (Date.now() scale). */
export interface CheckContext {
  config: ResolvedConfig;
  /** Open when the check needs a connection (`needsConnection`). */
  conn?: Connection;
  opts: Required<Pick<HealthOptions, 'deep' | 'maxBackupAgeMs' | 'lockThresholdMs' | 'walWarnBytes'>>;
  production: boolean;
  deadline: number;
}

/** A check without its timing; the runner measures durationMs. */
export type CheckOutcome = Omit<CheckResult, 'name' | 'durationMs'>;

export interface CheckDefinition {
  name: CheckName;
  /** Needs an open database connection (storage and backup do not). */
  needsConnection: boolean | ((config: ResolvedConfig) => boolean);
  run(ctx: CheckContext): Promise<CheckOutcome>;
}
