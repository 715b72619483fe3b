/**
 * The schema-as-code authoring API (issue 17): helpers that build an expected-schema declaration
 * (model.ts) without writing each engine's type names. A column helper is named for its type family
 * and fills in each engine's type as that engine's introspection reports it; `type: { duckdb: … }`
 * overrides one engine. `eventdb schema pull` writes declarations with these helpers, and the
 * platform's schema/index.ts is written with them.
 *
 *   export default defineSchema({
 *     tables: [
 *       table('users', {
 *         columns: [bigint('id', { identity: 'by default' }), text('email'), timestamptz('created_at', { default: NOW })],
 *         primaryKey: ['id'],
 *         indexes: [unique('users_email_key', ['lower(email)'])],
 *       }),
 *     ],
 *   });
 */
import type { Engine } from '../config/url.js';
import { FAMILY_HELPERS, type AuthoringTypes, type FamilyHelper } from '../dialects/declaration-facts.js';
import { engineEntry, sqlEngines } from '../dialects/registry.js';
import type { TypeFamily } from '../dialects/types.js';
import type { DataRule, ExpectedCheck, ExpectedColumn, ExpectedEnum, ExpectedForeignKey, ExpectedIndex, ExpectedSchema, ExpectedTable, PerEngine, ReferentialAction } from './model.js';

/** Each engine's type name for a column. */
export type EngineTypes = Record<Engine, string>;

export interface ColumnOptions {
  /** Default false: columns are NOT NULL unless they say otherwise. */
  nullable?: boolean;
  /** SQL default expression: one text, or per engine (`{ postgres: 'now()', sqlite: … }`). */
  default?: PerEngine<string>;
  /** A collation other than the type's default (`{ sqlite: 'nocase' }`). */
  collate?: PerEngine<string>;
  /** PostgreSQL identity column. */
  identity?: ExpectedColumn['identity'];
  /** A generated column: `{ expression: 'price * quantity', stored: true }` (expression or stored per engine where they differ). */
  generated?: ExpectedColumn['generated'];
  /** Per-engine type names replacing the helper's (`{ duckdb: 'hugeint' }`), or one name for every engine. */
  type?: PerEngine<string>;
}

/** Each engine's facts for the helpers (src/dialects/<engine>/declaration-facts.ts), in the registry's order. */
const ENGINES = sqlEngines().map((engine) => ({ engine, types: engineEntry(engine).declaration.authoring }));

/** Each engine's type name, as its facts give it. */
const perEngine = (f: (types: AuthoringTypes, engine: Engine) => string): EngineTypes =>
  Object.fromEntries(ENGINES.map(({ engine, types }) => [engine, f(types, engine)])) as EngineTypes;

/** One name when every engine's is the same, else the per-engine object. */
function collapse(types: EngineTypes): PerEngine<string> {
  const values = ENGINES.map(({ engine }) => types[engine]);
  return values.every((v) => v === values[0]) ? values[0]! : perEngine((_, engine) => types[engine]);
}

function merged(base: EngineTypes, override: PerEngine<string> | undefined): EngineTypes {
  if (override === undefined) return base;
  if (typeof override === 'string') return perEngine(() => override);
  return { ...base, ...override };
}

/** A column of any family with explicit engine types (the helpers below are built on it). */
export function column(name: string, family: TypeFamily, types: PerEngine<string>, o: Omit<ColumnOptions, 'type'> = {}): ExpectedColumn {
  return {
    name,
    family,
    nullable: o.nullable ?? false,
    type: types,
    ...(o.default !== undefined ? { default: o.default } : {}),
    ...(o.collate !== undefined ? { collate: o.collate } : {}),
    ...(o.identity !== undefined ? { identity: o.identity } : {}),
    ...(o.generated !== undefined ? { generated: o.generated } : {}),
  };
}

const helper = (family: TypeFamily, types: EngineTypes) => (name: string, o: ColumnOptions = {}) => column(name, family, collapse(merged(types, o.type)), o);

/** The engine types each family helper uses, as each engine's introspection reports them (each engine's declaration facts). */
export const FAMILY_TYPES = Object.fromEntries(FAMILY_HELPERS.map((h) => [h, perEngine((t) => t.families[h])])) as Record<FamilyHelper, EngineTypes>;

/** Text of any length: PostgreSQL `text`, SQLite `text`, DuckDB `varchar`. */
export const text = helper('text', FAMILY_TYPES.text);
/** Text of at most `length` characters (DuckDB keeps no length). */
export const varchar = (name: string, length: number, o: ColumnOptions = {}) =>
  column(name, 'text', collapse(merged(perEngine((t) => t.varchar(length)), o.type)), o);
/** Fixed-length text (DuckDB keeps no length). */
export const char = (name: string, length: number, o: ColumnOptions = {}) =>
  column(name, 'text', collapse(merged(perEngine((t) => t.char(length)), o.type)), o);
/** A 32-bit integer (`integer` everywhere). */
export const integer = helper('integer', FAMILY_TYPES.integer);
/** A 64-bit integer: `bigint`; SQLite `integer` (its integers are 64-bit; an INTEGER PRIMARY KEY is the rowid). */
export const bigint = helper('integer', FAMILY_TYPES.bigint);
/** A 16-bit integer (SQLite: `integer`). */
export const smallint = helper('integer', FAMILY_TYPES.smallint);
/**
 * An exact decimal: `numeric(p,s)` (DuckDB `decimal(p,s)`; without precision DuckDB's default `decimal(18,3)`).
 * Without a precision the options may come second: `numeric('amount', { nullable: true })` (as `schema pull`
 * writes a PostgreSQL or SQLite `numeric` column).
 */
export function numeric(name: string, options?: ColumnOptions): ExpectedColumn;
export function numeric(name: string, precision?: number, scale?: number, options?: ColumnOptions): ExpectedColumn;
export function numeric(name: string, precisionOrOptions?: number | ColumnOptions, scale = 0, options: ColumnOptions = {}): ExpectedColumn {
  const precision = typeof precisionOrOptions === 'number' ? precisionOrOptions : undefined;
  const o = typeof precisionOrOptions === 'object' && precisionOrOptions !== null ? precisionOrOptions : options;
  return column(name, 'decimal', collapse(merged(perEngine((t) => t.numeric(precision, scale)), o.type)), o);
}
/** A 4-byte float (DuckDB `float`). */
export const real = helper('float', FAMILY_TYPES.real);
/** An 8-byte float (`double precision`; SQLite `real`). */
export const double = helper('float', FAMILY_TYPES.double);
/** A boolean (SQLite stores 0/1). */
export const boolean = helper('boolean', FAMILY_TYPES.boolean);
/** An instant: `timestamp with time zone` (SQLite: ISO-8601 text in a `timestamptz` column). */
export const timestamptz = helper('timestamptz', FAMILY_TYPES.timestamptz);
/** A wall-clock date and time without zone. */
export const timestamp = helper('timestamp', FAMILY_TYPES.timestamp);
export const date = helper('date', FAMILY_TYPES.date);
export const time = helper('time', FAMILY_TYPES.time);
export const interval = helper('interval', FAMILY_TYPES.interval);
/** JSON (PostgreSQL `json`; use `jsonb` for the binary form). */
export const json = helper('json', FAMILY_TYPES.json);
/** JSON, PostgreSQL `jsonb` (`json` on SQLite and DuckDB). */
export const jsonb = helper('json', FAMILY_TYPES.jsonb);
/** A UUID (SQLite: text). */
export const uuid = helper('uuid', FAMILY_TYPES.uuid);
/** Binary data: `bytea`, SQLite and DuckDB `blob`. */
export const bytes = helper('binary', FAMILY_TYPES.bytes);

export interface EnumColumnOptions extends ColumnOptions {
  /**
   * An array of the enumerated type (`mood[]`), PostgreSQL and PGlite only: the planner rebuilds the type
   * with its array columns too. Elsewhere the column is the engine's own (SQLite `text`, DuckDB `mood[]`).
   * A default is an array literal: `"'{open}'"`.
   */
  array?: boolean;
}

/** A column of an enumerated type (declare the type with `enumType`): the type's name on PostgreSQL and DuckDB, `text` on SQLite; `array: true` an array of it. */
export function enumColumn(name: string, enumName: string, o: EnumColumnOptions = {}): ExpectedColumn {
  const { array, ...rest } = o;
  const types = perEngine((t) => (array && t.enumColumn(enumName) === enumName ? `${enumName}[]` : t.enumColumn(enumName)));
  return column(name, array ? 'array' : 'text', collapse(merged(types, rest.type)), rest);
}

/** An enumerated type (`CREATE TYPE name AS ENUM (…)` on PostgreSQL and DuckDB). */
export function enumType(name: string, values: string[], o: { engines?: Engine[] } = {}): ExpectedEnum {
  return { name, values, ...(o.engines ? { engines: o.engines } : {}) };
}

/** Per-engine SQL defaults that read the same everywhere. */
export const defaults = {
  /** The current instant (SQLite: ISO-8601 UTC text with milliseconds). */
  now: perEngine((t) => t.now),
} satisfies Record<string, PerEngine<string>>;

export interface IndexOptions {
  /** Partial-index predicate. */
  where?: string;
  /** Index method other than b-tree (`gin`, PostgreSQL). */
  using?: string;
  /** Non-key columns stored in the index (PostgreSQL `INCLUDE`; left out on the other engines). */
  include?: string[];
  /** NULLs count as equal in a unique index (PostgreSQL 15+ `NULLS NOT DISTINCT`; refused on the other engines). */
  nullsNotDistinct?: boolean;
  engines?: Engine[];
}

/** A (non-unique) index; a column entry may be an expression (`lower(email)`). */
export function index(name: string, columns: string[], o: IndexOptions = {}): ExpectedIndex {
  return { name, columns, unique: false, ...o };
}

/** A unique index (or unique constraint); with `where`, a partial unique index. */
export function unique(name: string, columns: string[], o: IndexOptions = {}): ExpectedIndex {
  return { name, columns, unique: true, ...o };
}

export interface ForeignKeyOptions {
  onDelete?: ReferentialAction;
  onUpdate?: ReferentialAction;
  /** Left NOT VALID on purpose (PostgreSQL): existing rows are not checked, and validate does not report it. */
  notValid?: boolean;
  engines?: Engine[];
}

/** A foreign key: `foreignKey('user_id', 'users', 'id', { onDelete: 'CASCADE' })`; lists for composite keys. */
export function foreignKey(columns: string | string[], table: string, refColumns: string | string[], o: ForeignKeyOptions = {}): ExpectedForeignKey {
  const list = (x: string | string[]) => (Array.isArray(x) ? x : [x]);
  return {
    columns: list(columns),
    references: { table, columns: list(refColumns) },
    ...(o.onDelete !== undefined ? { onDelete: o.onDelete } : {}),
    ...(o.onUpdate !== undefined ? { onUpdate: o.onUpdate } : {}),
    ...(o.notValid ? { notValid: true } : {}),
    ...(o.engines ? { engines: o.engines } : {}),
  };
}

/** A CHECK constraint: the boolean expression, without `CHECK (…)`. */
export function check(name: string, expression: string, o: { engines?: Engine[] } = {}): ExpectedCheck {
  return { name, expression, ...(o.engines ? { engines: o.engines } : {}) };
}

export interface TableOptions {
  columns: ExpectedColumn[];
  /** The primary key's columns (default: none). */
  primaryKey?: string[];
  /** Default true: a missing required table fails `validate`; a missing optional one warns. */
  required?: boolean;
  description?: string;
  indexes?: ExpectedIndex[];
  foreignKeys?: ExpectedForeignKey[];
  checks?: ExpectedCheck[];
  engines?: Engine[];
  referenceRows?: Array<Record<string, unknown>>;
}

/** A table. */
export function table(name: string, o: TableOptions): ExpectedTable {
  const { columns, primaryKey, required, ...rest } = o;
  const out: ExpectedTable = { name, required: required ?? true, columns, primaryKey: primaryKey ?? [] };
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  return out;
}

export interface SchemaOptions {
  tables: ExpectedTable[];
  rules?: DataRule[];
  enums?: ExpectedEnum[];
  engines?: Engine[];
  notes?: ExpectedSchema['notes'];
}

/** The declaration a schema/index.ts default-exports. */
export function defineSchema(o: SchemaOptions): ExpectedSchema {
  return {
    formatVersion: 1,
    ...(o.engines ? { engines: o.engines } : {}),
    ...(o.enums?.length ? { enums: o.enums } : {}),
    tables: o.tables,
    rules: o.rules ?? [],
    ...(o.notes ? { notes: o.notes } : {}),
  };
}
