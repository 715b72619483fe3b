import type { Engine } from '../config/url.js';
import type { TypeFamily } from '../dialects/types.js';

/**
 * The expected schema: what `schema/` declares must exist. `validate` compares it with the live
 * database; `auto-fix` creates what is missing from it. Per-engine values are given as
 * `{ postgres, sqlite, duckdb }` objects where the engines differ.
 */
export type PerEngine<T> = T | Partial<Record<Engine, T>>;

export interface ExpectedColumn {
  name: string;
  family: TypeFamily;
  nullable: boolean;
  /** The column type auto-fix uses to create it (engine-specific where needed). */
  type: PerEngine<string>;
  /** SQL default expression, if any. */
  default?: PerEngine<string>;
  /** A collation other than the type's default (e.g. `{ sqlite: 'nocase' }`). */
  collate?: PerEngine<string>;
  /** PostgreSQL identity column (`GENERATED … AS IDENTITY`); ignored on engines without identity columns. */
  identity?: 'always' | 'by default';
  /**
   * A generated column (issue 17): `GENERATED ALWAYS AS (expression)`, its value computed from the row;
   * `stored` keeps it on disk (PostgreSQL: stored only; DuckDB: virtual only; SQLite: either). Takes no default.
   */
  generated?: ExpectedGenerated;
}

/** A generated column's expression (per engine where the engines spell it differently) and kind. */
export interface ExpectedGenerated {
  expression: PerEngine<string>;
  stored: PerEngine<boolean>;
}

export interface ExpectedIndex {
  name: string;
  /** Column names, or expressions such as `lower(email)`. */
  columns: string[];
  unique?: boolean;
  /** Partial-index predicate. */
  where?: string;
  /** Index method when not the default b-tree (e.g. `gin` for full-text search on PostgreSQL). */
  using?: string;
  /** Columns stored in the index but not keys (PostgreSQL `INCLUDE (…)`; other engines have no such thing and leave it out). */
  include?: string[];
  /** A unique index that treats NULLs as equal (PostgreSQL 15+ `NULLS NOT DISTINCT`; refused on other engines). */
  nullsNotDistinct?: boolean;
  /** Engines this index exists on (default: all the table's engines). */
  engines?: Engine[];
}

export type ReferentialAction = 'CASCADE' | 'RESTRICT' | 'SET NULL' | 'SET DEFAULT' | 'NO ACTION';

export interface ExpectedForeignKey {
  columns: string[];
  references: { table: string; columns: string[] };
  onDelete?: ReferentialAction;
  /** ON UPDATE action (default NO ACTION). */
  onUpdate?: ReferentialAction;
  /**
   * Left NOT VALID on purpose (PostgreSQL; e.g. Rails' `validate: false` on a large table): new rows are
   * checked, existing ones are not, and `validate` does not report it. `schema pull` writes it for such
   * a key. Without it, a NOT VALID key is an error (a fix or migration stopped before its VALIDATE).
   */
  notValid?: boolean;
  engines?: Engine[];
}

export interface ExpectedTable {
  name: string;
  /** Required tables fail validation when missing; optional ones warn. */
  required: boolean;
  description?: string;
  columns: ExpectedColumn[];
  /** The primary key's columns; empty: the table has none. */
  primaryKey: string[];
  indexes?: ExpectedIndex[];
  foreignKeys?: ExpectedForeignKey[];
  /** Engines this table exists on (default: all). */
  engines?: Engine[];
  /** Reference rows that must exist (e.g. membership tiers), keyed by the primary key. */
  referenceRows?: Array<Record<string, unknown>>;
  /** CHECK constraints (schema as code, issue 17). */
  checks?: Array<{ name: string; expression: string; engines?: Engine[] }>;
}

/** A CHECK constraint of a table (schema as code, issue 17): the boolean SQL expression, without `CHECK (…)`. */
export type ExpectedCheck = NonNullable<ExpectedTable['checks']>[number];

/** An enumerated type (PostgreSQL and DuckDB `CREATE TYPE … AS ENUM`; a text column elsewhere) — schema as code, issue 17. */
export interface ExpectedEnum {
  name: string;
  values: string[];
  engines?: Engine[];
}

export type DataRuleKind = 'orphans' | 'duplicates' | 'capacity' | 'negative' | 'not-null' | 'custom';

export interface DataRule {
  name: string;
  kind: DataRuleKind;
  description: string;
  /** The table the offending rows live in. */
  table: string;
  /** SQL that returns one row per offending key, in a column named `key`. */
  sql: PerEngine<string>;
  level: 'error' | 'warning';
  engines?: Engine[];
}

export interface ExpectedSchema {
  /** Bumped when the declaration format changes. */
  formatVersion: 1;
  tables: ExpectedTable[];
  rules: DataRule[];
  /** Engines the schema supports (default: every engine some table exists on). */
  engines?: Engine[];
  /** What an engine lacks and how the schema copes (e.g. DuckDB: no triggers). */
  notes?: Partial<Record<Engine, string[]>>;
  /** Enumerated types the columns use (schema as code, issue 17). */
  enums?: ExpectedEnum[];
}

/** The value of a per-engine setting for one engine. */
export function forEngine<T>(v: PerEngine<T> | undefined, engine: Engine): T | undefined {
  if (v === undefined) return undefined;
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && ('postgres' in v || 'sqlite' in v || 'duckdb' in v)) {
    return (v as Partial<Record<Engine, T>>)[engine];
  }
  return v as T;
}

export function appliesTo(x: { engines?: Engine[] }, engine: Engine): boolean {
  return !x.engines || x.engines.includes(engine);
}
