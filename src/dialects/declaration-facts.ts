/**
 * What the authoring API writes and `schema pull` reads back, per engine: the type name each family
 * helper stands for, which enumerated type a column's type names, how the engine spells sized types,
 * and the index method in its CREATE INDEX text. Each engine states them in
 * `<engine>/declaration-facts.ts`; the registry carries them. Pure data and functions: no driver.
 */
import type { TypeFamily } from './types.js';

/** An authoring helper with size arguments (`varchar('name', 80)`, `numeric('price', 10, 2)`). */
export interface SizedHelper {
  helper: 'varchar' | 'char' | 'numeric';
  args: string[];
}

/** The authoring API's helpers that stand for one type name per engine (src/schema/authoring.ts). */
export const FAMILY_HELPERS = ['text', 'integer', 'bigint', 'smallint', 'real', 'double', 'boolean', 'timestamptz', 'timestamp', 'date', 'time', 'interval', 'json', 'jsonb', 'uuid', 'bytes'] as const;
export type FamilyHelper = (typeof FAMILY_HELPERS)[number];

/** The engine's type names for the authoring API's column helpers, as the engine's introspection reports them. */
export interface AuthoringTypes {
  /** The type of each family helper (`text('name')` → PostgreSQL `text`, DuckDB `varchar`). */
  readonly families: Readonly<Record<FamilyHelper, string>>;
  /** Text of at most `length` characters. */
  varchar(length: number): string;
  /** Fixed-length text. */
  char(length: number): string;
  /** An exact decimal; without a precision, the engine's plain decimal. */
  numeric(precision?: number, scale?: number): string;
  /** A column of the enumerated type `enumName` (the engine's text type where it has no enums). */
  enumColumn(enumName: string): string;
  /** The default expression for the current instant, in the form the engine's timestamptz helper stores. */
  readonly now: string;
}

export interface DeclarationFacts {
  /** The type names the authoring API's helpers write on this engine. */
  readonly authoring: AuthoringTypes;
  /** The enumerated type (one of the snapshot's `enums`) a column's type names, if any. */
  enumOf(type: string, enums: ReadonlyArray<{ name: string; values: string[] }>): string | undefined;
  /** The index method (lower case, e.g. `gin`) an index's definition names, if the engine has methods. */
  indexMethod(definition: string): string | undefined;
  /** The sized helper that declares this engine's type (`character varying(80)`, `decimal(10,2)` …), if one does. */
  sized(family: TypeFamily, type: string): SizedHelper | undefined;
}
