import type { ExpectedCheck, ExpectedColumn, ExpectedForeignKey, ExpectedIndex, ExpectedTable } from './model.js';

/** The four check groups of `validate`. */
export type CheckGroup = 'migrations' | 'schema' | 'drift' | 'data';
export type FindingLevel = 'ok' | 'info' | 'warning' | 'error';

/**
 * How a finding is repaired. `auto-fix`: `eventdb auto-fix --apply` does it (the SQL it runs);
 * `migration`: it would drop, rename, narrow or rewrite, so a person writes a migration (the SQL to
 * review); `manual`: a decision only a person can take (description only).
 */
export interface FindingFix {
  kind: 'auto-fix' | 'migration' | 'manual';
  description: string;
  sql: string[];
}

export interface ValidationFinding {
  check: CheckGroup;
  level: FindingLevel;
  /** A stable kind, e.g. `missing-table`, `type-mismatch`, `pending-migration`, `data-rule`. */
  kind: string;
  /** What it is about: `table users`, `column users.email`, `index users_email_key`, `rule no_orphans`. */
  object: string;
  message: string;
  fix: FindingFix | null;
  /** Data rules: offending rows and up to 5 example keys. */
  count?: number;
  examples?: string[];
}

/** What auto-fix can do about a finding; kept beside the finding, not in the JSON. */
export type FixAction =
  | { type: 'create-table'; table: ExpectedTable; required: boolean; /** CREATE SEQUENCE first, for `nextval('…')` defaults (issue 17). */ sequences?: string[]; /** Enum type names (a column type quoted where it needs it). */ enumTypes?: string[] }
  | { type: 'add-column'; table: string; column: ExpectedColumn; sequences?: string[]; enumTypes?: string[] }
  | { type: 'create-index'; table: string; index: ExpectedIndex }
  | { type: 'add-foreign-key'; table: string; fk: ExpectedForeignKey }
  | { type: 'validate-foreign-key'; table: string; name: string }
  | { type: 'insert-reference-rows'; table: ExpectedTable; rows: Array<Record<string, unknown>> }
  | { type: 'create-history-table' }
  // schema as code (issue 17): enum types and checks
  | { type: 'create-enum'; name: string; sql: string[] }
  | { type: 'add-enum-values'; name: string; sql: string[] }
  | { type: 'add-check'; table: string; check: ExpectedCheck }
  | { type: 'validate-check'; table: string; name: string };

/** A finding with the action that repairs it, when auto-fix can. */
export interface DiffItem {
  finding: ValidationFinding;
  action?: FixAction;
}

export interface ValidationSummary {
  ok: number;
  info: number;
  warning: number;
  error: number;
  /** Findings that make the run fail: errors, plus warnings when strict. */
  failures: number;
  strict: boolean;
  environment: string;
  engine: string;
  /** Check groups that ran, and those skipped (with why). */
  checks: Record<CheckGroup, 'ran' | 'skipped'>;
  durationMs: number;
}

export interface ValidationResult {
  ok: boolean;
  findings: ValidationFinding[];
  summary: ValidationSummary;
}

export const LEVEL_ORDER: Record<FindingLevel, number> = { ok: 0, info: 1, warning: 2, error: 3 };

/** Whether a finding fails the run: errors always; warnings only when strict. */
export function isFailure(f: ValidationFinding, strict: boolean): boolean {
  return f.level === 'error' || (strict && f.level === 'warning');
}

export function finding(check: CheckGroup, level: FindingLevel, kind: string, object: string, message: string, fix: FindingFix | null = null): ValidationFinding {
  return { check, level, kind, object, message, fix };
}
