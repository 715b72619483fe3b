import type { Engine } from '../config/url.js';
import type { SchemaSnapshot } from '../dialects/types.js';
import type { ExpectedSchema } from '../schema/model.js';
import type { RuleCode } from './rules.js';

export type Level = 'low' | 'medium' | 'high' | 'critical';
export type Direction = 'up' | 'down';
/** pg_proc.provolatile: immutable, stable, volatile. */
export type Volatility = 'i' | 's' | 'v';

/** One rule that fired on one statement. */
export interface Finding {
  /** Stable rule code (see RULES and the README's "Risk rules"). */
  rule: RuleCode;
  level: Level;
  /** Migration ID (file stem without the engine suffix), or the file name for a bare statement. */
  migration: string;
  /** The statement as written (trimmed). */
  statement: string;
  /** 1-based line of the statement in its file. */
  line: number;
  message: string;
  advice: string;
  /** The file the statement came from, when known. */
  file?: string;
  direction: Direction;
  /** Set when `-- eventdb:risk-accepted RULE "reason"` (or meta.riskAccepted) accepts this rule. */
  accepted?: { reason: string };
}

/** Row counts per table (lower-case, unqualified names). */
export type TableSizes = Map<string, number>;

/** What the analysis may know about the target database. */
export interface RiskContext {
  engine: Engine;
  /** Live row estimates; when given, a table absent from it does not exist yet (0 rows). */
  tableSizes?: TableSizes;
  /** Without sizes: assume small tables instead of production-sized ones. */
  assumeSmall?: boolean;
  /** The expected schema: dropping a table or column it still declares breaks the running app. */
  expected?: ExpectedSchema;
  /** The live schema (column types, indexes), when connected. */
  live?: SchemaSnapshot;
  /** PostgreSQL, when connected: function name (lower case) → most volatile of its overloads (pg_proc.provolatile). */
  functionVolatility?: Map<string, Volatility>;
  /**
   * PostgreSQL, when connected and the plan changes a column to or from a timestamp type: the session's
   * TimeZone (as a migration's session starts) has a fixed offset of zero, so timestamp ⇄ timestamptz is no rewrite.
   */
  serverUtc?: boolean;
}

/** One migration (or bare SQL file) to analyse. */
export interface MigrationInput {
  id: string;
  file?: string;
  /** The `up` SQL (or the whole file when it has no sections). */
  up: string;
  /** 1-based line where `up` starts in the file. */
  upLine?: number;
  down?: string;
  downLine?: number;
  /** Runs in one transaction (the default for eventdb migrations; `-- eventdb:no-transaction` clears it). */
  transactional?: boolean;
  /** rule → reason. */
  accepted?: Record<string, string>;
  /** IDs it depends on (`-- eventdb:depends-on`): lint's history order reads them. */
  dependsOn?: string[];
}

export interface MigrationRisk {
  migration: string;
  file?: string;
  engine: Engine;
  /** Highest level over all findings (null when none fired). */
  level: Level | null;
  /** Highest level over findings not accepted: what gates and --fail-on use. */
  effectiveLevel: Level | null;
  findings: Finding[];
  /** Rules accepted for this migration, with reasons (kept in history by the migrator). */
  accepted: Record<string, string>;
  /** Number of statements analysed. */
  statements: number;
}
