/**
 * DuckDB's TypeScript types (src/dialects/duckdb/kysely-driver.ts): BIGINT a number when exact, else a
 * string; DECIMAL a number; TIMESTAMP/DATE a Date (written as ISO text); JSON text; TIME microseconds
 * (TIMETZ `{ micros, offset }`);
 * BLOB a Uint8Array. Pure data: no driver.
 */
import { COMMON_TS_TYPES, integerByWidth, same, type TsTypes } from '../ts-types.js';

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
  },
  enumUnion: true,
  identity: false,
  integerKeyIsRowid: false,
};
