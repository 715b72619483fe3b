/**
 * PostgreSQL's TypeScript types (node-postgres and PGlite, as eventdb configures them): int8 a number
 * when exact, else the digit string; numeric a string; timestamps and dates a Date; json/jsonb parsed;
 * bytea a Buffer. Pure data: no driver.
 */
import { COMMON_TS_TYPES, integerByWidth, same, type TsTypes } from '../ts-types.js';

export const postgresTsTypes: TsTypes = {
  families: {
    ...COMMON_TS_TYPES,
    integer: integerByWidth,
    decimal: { select: 'string', insert: 'number | string' },
    boolean: same('boolean'),
    timestamp: { select: 'Date', insert: 'Date | string' },
    timestamptz: { select: 'Date', insert: 'Date | string' },
    date: { select: 'Date', insert: 'Date | string' },
    time: same('string'),
    interval: { select: 'unknown', insert: 'string' },
    json: { select: 'JsonValue', insert: 'string' },
    binary: same('Buffer'),
  },
  enumUnion: true,
  // the drivers know no parser for an enum type's array: its text, `{open,closed}` (written as text too)
  enumArray: same('string'),
  identity: true,
  integerKeyIsRowid: false,
};
