/**
 * What `schema pull` needs to read a live schema back as a declaration, per engine: which enumerated
 * type a column's type names, and the index method in the engine's CREATE INDEX text. Each engine
 * states them in `<engine>/declaration-facts.ts`; the registry carries them. Pure functions: no driver.
 */

export interface DeclarationFacts {
  /** The enumerated type (one of the snapshot's `enums`) a column's type names, if any. */
  enumOf(type: string, enums: ReadonlyArray<{ name: string; values: string[] }>): string | undefined;
  /** The index method (lower case, e.g. `gin`) an index's definition names, if the engine has methods. */
  indexMethod(definition: string): string | undefined;
}

/** An engine without enumerated types or index methods. */
export const NO_DECLARATION_FACTS: DeclarationFacts = {
  enumOf: () => undefined,
  indexMethod: () => undefined,
};
