/**
 * The CSV the seed hands to an engine that loads files itself (Connection.bulkLoadCsv): no header,
 * `,` between fields, `\n` after each row; every string in double quotes (a quote inside doubled),
 * so an unquoted empty field is NULL and `""` is the empty string; numbers as JavaScript prints them;
 * booleans `true`/`false`; a Date as its milliseconds since the epoch (an integer; years 1 to 9999),
 * which the engine reads into its timestamp column (a number is ~10× cheaper to print than ISO 8601).
 */
import { EventdbError } from '../errors.js';

/** 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the years every engine parses. */
const MIN_MS = -62_135_596_800_000;
const MAX_MS = 253_402_300_799_999;
const QUOTE = /"/g;

/** One value as a CSV field. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  switch (typeof v) {
    case 'string':
      return v.includes('"') ? `"${v.replace(QUOTE, '""')}"` : `"${v}"`;
    case 'number':
    case 'bigint':
      return String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      if (v instanceof Date) {
        const ms = v.getTime();
        if (!(ms >= MIN_MS && ms <= MAX_MS)) throw new EventdbError('BULK_INSERT', `${Number.isNaN(ms) ? 'an invalid date' : `the timestamp ${ms} ms`} cannot be written (years 1 to 9999)`, 'give timestamps within years 1 to 9999');
        return String(ms);
      }
      return csvField(JSON.stringify(v));
  }
}

/** One row (the values at `pick`, in that order) as a CSV line, newline included. */
export function csvLine(row: readonly unknown[], pick: readonly number[]): string {
  let line = csvField(row[pick[0]!]);
  for (let i = 1; i < pick.length; i++) line += `,${csvField(row[pick[i]!])}`;
  return `${line}\n`;
}
