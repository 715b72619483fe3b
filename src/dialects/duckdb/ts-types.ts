/**
 * DuckDB's TypeScript types (src/dialects/duckdb/kysely-driver.ts): BIGINT a number when exact, else a
 * string; DECIMAL a number; TIMESTAMP/DATE a Date (written as ISO text); JSON text; TIME microseconds;
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
    time: { select: 'number', insert: 'string' },
    interval: { select: 'unknown', insert: 'string' },
    json: same('string'),
    binary: { select: 'Uint8Array', insert: 'Buffer' },
  },
  enumUnion: true,
  identity: false,
  integerKeyIsRowid: false,
};
