/**
 * What eventdb's connection returns and accepts for each type family, as TypeScript (`eventdb types`,
 * issue 17). Each engine states its facts in `<engine>/ts-types.ts`; the registry carries them, so
 * they are read without a connection or a driver. Pure data: imports nothing.
 */
import type { TypeFamily } from './types.js';

/** A column's TypeScript type when read (select) and when written (insert and update). */
export interface TsType {
  readonly select: string;
  readonly insert: string;
}

export interface TsTypes {
  /**
   * Family → TypeScript types; a function of the engine's type name (lower case) where the family's
   * types differ by width. A family not listed reads and writes as `unknown`.
   */
  readonly families: Partial<Record<TypeFamily, TsType | ((type: string) => TsType)>>;
  /** Enumerated types read as the union of their values (false: the engine stores them as text). */
  readonly enumUnion: boolean;
  /** An array of an enumerated type (`mood[]`), where it differs from the array family's types. */
  readonly enumArray?: TsType;
  /** A declared identity column is generated on this engine (the declaration's `identity` applies). */
  readonly identity: boolean;
  /** A single-column INTEGER primary key is the rowid, so generated. */
  readonly integerKeyIsRowid: boolean;
}

/** Read and written as the same type. */
export const same = (t: string): TsType => ({ select: t, insert: t });

const WIDE_INTEGER = /^(bigint|int8|hugeint|ubigint|uhugeint|bigserial)$/;
/** 64-bit and wider integers read as a number when exact, else the digit string; others as a number. */
export const integerByWidth = (type: string): TsType =>
  WIDE_INTEGER.test(type) ? { select: 'number | string', insert: 'number | string | bigint' } : same('number');

/**
 * An array type's element type and dimensions, as the engine spells it (lower case): `text[]` →
 * `text`, 1; `integer[][]` → `integer`, 2; DuckDB's fixed `double[3]` → `double`, 1. Undefined for a
 * name that is not `element[]` (a PostgreSQL domain over an array: its element is not in the name).
 */
export function arrayElement(type: string): { element: string; dims: number } | undefined {
  let element = type.trim();
  let dims = 0;
  for (let m = /\[\d*\]$/.exec(element); m; m = /\[\d*\]$/.exec(element)) {
    element = element.slice(0, m.index).trimEnd();
    dims++;
  }
  return dims > 0 && element ? { element, dims } : undefined;
}

/** A TypeScript type as an array of `dims` dimensions: `string[]`, `(number | string)[][]`. */
export function arrayOf(t: string, dims: number): string {
  const base = /^[A-Za-z_$][\w$]*$|^\{[^|]*\}$/.test(t) ? t : `(${t})`;
  return base + '[]'.repeat(dims);
}

/**
 * The array family's types from its element's: `element(name)` gives what the connection returns
 * for each element (undefined: the connection returns no array for it, `otherwise` applies, as it does
 * to a type whose element is not in its name).
 */
export function arrayByElement(element: (name: string) => TsType | undefined, otherwise: TsType): (type: string) => TsType {
  return (type) => {
    const a = arrayElement(type);
    const e = a && element(a.element);
    return a && e ? { select: arrayOf(e.select, a.dims), insert: arrayOf(e.insert, a.dims) } : otherwise;
  };
}

/** The families every engine's connection types alike (arrays are each engine's: `<engine>/ts-types.ts`). */
export const COMMON_TS_TYPES = {
  float: same('number'),
  text: same('string'),
  uuid: same('string'),
} as const satisfies Partial<Record<TypeFamily, TsType>>;
