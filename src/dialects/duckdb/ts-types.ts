/**
 * DuckDB's TypeScript types (src/dialects/duckdb/kysely-driver.ts): BIGINT a number when exact, else a
 * string; DECIMAL a number; TIMESTAMP/DATE a Date (written as ISO text); JSON text; TIME microseconds
 * (TIMETZ `{ micros, offset }`);
 * BLOB a Uint8Array. Lists (`INTEGER[]`, `VARCHAR[][]`, fixed `DOUBLE[3]`) as JS arrays of their
 * elements (below). Pure data: no driver.
 */
import { typeFamily } from '../type-family.js';
import { arrayByElement, arrayElement, arrayOf, COMMON_TS_TYPES, integerByWidth, same, type TsType, type TsTypes } from '../ts-types.js';

/**
 * A list's element: read as its scalar is (the driver converts each element alike). Written: the driver
 * sends a JS array as its JSON text, which DuckDB casts to the list (a JSON element is any JSON value,
 * read back as its JSON text), or as a typed DuckDB list when it holds bytes, a bigint or a string JSON
 * would escape (toDuckValue): a BLOB list takes Buffers, a BIGINT list bigints.
 * STRUCT, MAP and UNION elements: the driver's objects, `unknown`.
 */
function listElement(name: string): TsType | undefined {
  const family = /^(map|struct|union)\s*\(/.test(name) ? 'other' : typeFamily(name);
  if (family === 'integer') return integerByWidth(name);
  if (family === 'json') return { select: 'string', insert: 'JsonValue' };
  const fact = duckdbTsTypes.families[family];
  return typeof fact === 'function' ? fact(name) : (fact ?? same('unknown'));
}

export const duckdbTsTypes: TsTypes = {
  families: {
    ...COMMON_TS_TYPES,
    integer: integerByWidth,
    decimal: { select: 'number', insert: 'number | string' },
    boolean: same('boolean'),
    timestamp: { select: 'Date', insert: 'Date | string' },
    timestamptz: { select: 'Date', insert: 'Date | string' },
    date: { select: 'Date', insert: 'Date | string' },
    // TIMETZ reads as @duckdb/node-api's { micros, offset } (offset in seconds east of UTC)
    time: (type) => (/^(timetz|time with time zone)$/.test(type) ? { select: '{ micros: number; offset: number }', insert: 'string' } : { select: 'number', insert: 'string' }),
    interval: { select: 'unknown', insert: 'string' },
    json: same('string'),
    binary: { select: 'Uint8Array', insert: 'Buffer' },
    array: (type) => {
      const a = arrayElement(type);
      // a BLOB list: its elements read as a blob does, written as Buffers (or any Uint8Array)
      if (a && typeFamily(a.element) === 'binary') return { select: arrayOf('Uint8Array', a.dims), insert: arrayOf('Uint8Array', a.dims) };
      return arrayByElement(listElement, { select: 'unknown[]', insert: 'string' })(type);
    },
  },
  enumUnion: true,
  identity: false,
  integerKeyIsRowid: false,
};
