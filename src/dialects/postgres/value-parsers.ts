import pg from './pg-driver.js';

/**
 * How eventdb's PostgreSQL connections read values where node-postgres' defaults are not what eventdb
 * wants — the server dialect (pool-config.ts) and PGlite (pglite/parsers.ts) alike, so both return the
 * same values: int8 as a number when it is exact, else its digit string; numeric, also in arrays, as its
 * text (pg parses `numeric[]` into floats: `{0.1000000000000000055}` came back as 0.1).
 */
export function exactInt8(v: string): number | string {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
}

type Nested<T> = Array<T | null | Nested<T>>;
const deepMap = <T>(a: Nested<string>, f: (v: string) => T): Nested<T> => a.map((x) => (x === null ? null : Array.isArray(x) ? deepMap(x, f) : f(x)));

/** node-postgres' parser of a text array (varchar[]): elements as strings, NULL as null, any depth. */
const textArray = (): ((v: string) => Nested<string>) => (pg.types.getTypeParser as (oid: number, format: 'text') => (v: string) => Nested<string>)(1015, 'text');

/** Parsers (text format) by type OID that differ from node-postgres' defaults. */
export function serverValueParser(oid: number): ((v: string) => unknown) | undefined {
  if (oid === 20) return exactInt8;
  if (oid === 1016) {
    const parse = textArray();
    return (v) => deepMap(parse(v), exactInt8); // int8[]
  }
  if (oid === 1231) return textArray(); // numeric[]
  return undefined;
}
