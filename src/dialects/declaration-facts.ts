/**
 * What `schema pull` needs to read a live schema back as a declaration, per engine: which enumerated
 * type a column's type names, how the engine spells sized types, and the index method in its CREATE INDEX text. Each engine
 * states them in `<engine>/declaration-facts.ts`; the registry carries them. Pure functions: no driver.
 */
import type { TypeFamily } from './types.js';

/** An authoring helper with size arguments (`varchar('name', 80)`, `numeric('price', 10, 2)`). */
export interface SizedHelper {
  helper: 'varchar' | 'char' | 'numeric';
  args: string[];
}

export interface DeclarationFacts {
  /** The enumerated type (one of the snapshot's `enums`) a column's type names, if any. */
  enumOf(type: string, enums: ReadonlyArray<{ name: string; values: string[] }>): string | undefined;
  /** The index method (lower case, e.g. `gin`) an index's definition names, if the engine has methods. */
  indexMethod(definition: string): string | undefined;
  /** The sized helper that declares this engine's type (`character varying(80)`, `decimal(10,2)` …), if one does. */
  sized(family: TypeFamily, type: string): SizedHelper | undefined;
}
