import type { Kysely } from 'kysely';
import type { Engine } from '../config/index.js';
import type { RiskAcceptedLine } from './sql-file.js';

export type MigrationKind = 'sql' | 'ts';
export type Direction = 'up' | 'down';

/** What a TypeScript migration module may export as `meta`. */
export interface MigrationMeta {
  dependsOn?: string[];
  /** Run inside a transaction (default true). */
  transaction?: boolean;
  description?: string;
  [key: string]: unknown;
}

/** One migration as found on disk, for the current engine. Its code is loaded only when needed. */
export interface Migration {
  /** The filename stem without the engine suffix, e.g. `0007_add_waitlist`. */
  id: string;
  /** Absolute path of the file used on this engine. */
  file: string;
  kind: MigrationKind;
  /** The engine the file is written for, or `portable`. */
  variant: Engine | 'portable';
  /** SHA-256 (hex) of the file's normalised text. */
  checksum: string;
  dependsOn: string[];
  transaction: boolean;
  description?: string;
  hasDown: boolean;
  /**
   * SQL files: the sections' text, the 1-based line each starts on, and the file's
   * `-- eventdb:risk-accepted` lines (for the risk gate, which reads the loaded file, not the disk).
   */
  sql?: { up: string; down?: string; upLine?: number; downLine?: number; riskAccepted?: RiskAcceptedLine[] };
}

/** What the runner executes for a TS migration. */
export interface LoadedTsMigration {
  up(db: Kysely<any>, ctx: ScriptContext): Promise<void>;
  down?: (db: Kysely<any>, ctx: ScriptContext) => Promise<void>;
}

/** How migrations run raw SQL text (multi-statement) on the current engine inside the current transaction. */
export interface ScriptContext {
  executeSQL(text: string): Promise<void>;
}

/** One step of a plan: the SQL as the engine will receive it. */
export interface PlanStep {
  id: string;
  file: string;
  engine: Engine;
  direction: Direction;
  kind: MigrationKind;
  transaction: boolean;
  /** The statements, one per entry; for TS migrations known after the rehearsal (captured). */
  statements: string[];
  /** TS migrations: whether `statements` were captured by a rehearsal. */
  captured?: boolean;
}

export type MigrationState = 'applied' | 'pending' | 'changed' | 'missing';

export interface HistoryRow {
  id: string;
  checksum: string;
  applied_at: string;
  duration_ms: number;
  applied_by: string;
  eventdb_version: string;
  batch: number;
}
