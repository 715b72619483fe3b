import type { Engine } from '../../config/url.js';

/**
 * The planner's result shapes (`planSchemaChange`, issue #17). A migration generator writes `steps` in
 * order as up, and their `down`s in reverse order as down.
 */

/** One unit of a generated migration. */
export interface PlannedStep {
  /** Statements, in order. */
  up: string[];
  /** The exact inverse of `up`, in order (run the steps' downs in reverse step order). */
  down: string[];
  /**
   * Whether the statements run inside one transaction. False: the step must run on its own, outside
   * any transaction (PostgreSQL CREATE/DROP INDEX CONCURRENTLY; SQLite's table rebuild, which turns
   * foreign keys off first and opens its own transaction).
   */
  transaction: boolean;
  /** What the step does and what to know about it (e.g. `fails if users has rows`). */
  note?: string;
}

/** A change left out of the plan, and why (`omitted`: a drop without allowDrop; `refused`: the engine cannot). */
export interface PlanExclusion {
  change: string;
  reason: string;
}

/** Renames the planner is told about: a column of `table` (its declared name), or a table `fromTable` → `table`. */
export type PlanRename = { table: string; from: string; to: string } | { table: string; fromTable: string };

export interface PlanOptions {
  /** Write drops of tables and columns and narrowing type changes (else they go to `omitted`). */
  allowDrop?: boolean;
  renames?: PlanRename[];
}

/** A possible rename: a column (or, with kind `table`, a table) gone and one of the same shape added. */
export interface RenameCandidate {
  table: string;
  from: string;
  to: string;
  /** `table`: `from` and `to` are table names (`table` is the new one). Default: a column of `table`. */
  kind?: 'column' | 'table';
}

export interface SchemaChangePlan {
  engine: Engine;
  steps: PlannedStep[];
  omitted: PlanExclusion[];
  refused: PlanExclusion[];
  renameCandidates: RenameCandidate[];
}
