/**
 * SQLite's TypeScript types (better-sqlite3): integers and reals numbers, booleans 0/1, timestamps and
 * JSON text; enumerations are text; an INTEGER PRIMARY KEY is the rowid. Pure data: no driver.
 */
import { COMMON_TS_TYPES, same, type TsTypes } from '../ts-types.js';

export const sqliteTsTypes: TsTypes = {
  families: {
    ...COMMON_TS_TYPES,
    integer: same('number'),
    decimal: same('number'),
    boolean: same('number'),
    timestamp: same('string'),
    timestamptz: same('string'),
    date: same('string'),
    time: same('string'),
    interval: same('string'),
    json: same('string'),
    binary: same('Buffer'),
    // no arrays: an array column (an enum array declared for PostgreSQL) is text here
    array: same('string'),
  },
  enumUnion: false,
  identity: false,
  integerKeyIsRowid: true,
};
