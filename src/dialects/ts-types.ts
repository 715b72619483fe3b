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

/** The families every engine's connection types alike. */
export const COMMON_TS_TYPES = {
  float: same('number'),
  text: same('string'),
  uuid: same('string'),
  array: { select: 'unknown[]', insert: 'string' },
} as const satisfies Partial<Record<TypeFamily, TsType>>;
