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
 * sends a JS array as its JSON text, which DuckDB casts to the list — so no bigint (JSON has none), a
 * JSON element is any JSON value (encoded, read back as its JSON text), and a BLOB list only as DuckDB's
 * list literal (`[\xAA, ab]`: a Buffer would be sent as the JSON of the Buffer object).
 * STRUCT, MAP and UNION elements: the driver's objects, `unknown`.
 */
function listElement(name: string): TsType | undefined {
  const family = /^(map|struct|union)\s*\(/.test(name) ? 'other' : typeFamily(name);
  if (family === 'integer') {
    const i = integerByWidth(name);
    return { select: i.select, insert: i.insert.replace(' | bigint', '') };
  }
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
      // a BLOB list: its elements read as a blob does, written only as DuckDB's list literal
      if (a && typeFamily(a.element) === 'binary') return { select: arrayOf('Uint8Array', a.dims), insert: 'string' };
      return arrayByElement(listElement, { select: 'unknown[]', insert: 'string' })(type);
    },
  },
  enumUnion: true,
  identity: false,
  integerKeyIsRowid: false,
};
