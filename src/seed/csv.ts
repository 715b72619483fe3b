/**
 * The CSV the seed hands to an engine that loads files itself (Connection.bulkLoadCsv): no header,
 * `,` between fields, `\n` after each row; every string in double quotes (a quote inside doubled),
 * so an unquoted empty field is NULL and `""` is the empty string; numbers as JavaScript prints them;
 * booleans `true`/`false`; a Date as its milliseconds since the epoch (an integer; years 1 to 9999),
 * which the engine reads into its timestamp column (a number is ~10× cheaper to print than ISO 8601).
 */
import { EventdbError } from '../errors.js';
import { withRoom } from './grow.js';

/** 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the years every engine parses. */
const MIN_MS = -62_135_596_800_000;
const MAX_MS = 253_402_300_799_999;
const QUOTE = /"/g;

function dateMs(v: Date): number {
  return checkedMs(v.getTime());
}

/** A Date's limit: beyond it `new Date(ms)` is an invalid date. */
const DATE_LIMIT_MS = 8.64e15;

/** What `new Date(ms)` would be written as, without the Date: its milliseconds (truncated, as a Date's are), checked. */
export const timestampMs = (ms: number): number => checkedMs(Math.abs(ms) <= DATE_LIMIT_MS ? Math.trunc(ms) : Number.NaN);

/** `ms` when it is a timestamp of years 1 to 9999; else BULK_INSERT. */
function checkedMs(ms: number): number {
  if (!(ms >= MIN_MS && ms <= MAX_MS)) throw new EventdbError('BULK_INSERT', `${Number.isNaN(ms) ? 'an invalid date' : `the timestamp ${ms} ms`} cannot be written (years 1 to 9999)`, 'give timestamps within years 1 to 9999');
  return ms;
}

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
      if (v instanceof Date) return String(dateMs(v));
      return csvField(JSON.stringify(v));
  }
}

/** One row (the values at `pick`, in that order) as a CSV line, newline included. */
export function csvLine(row: readonly unknown[], pick: readonly number[]): string {
  let line = csvField(row[pick[0]!]);
  for (let i = 1; i < pick.length; i++) line += `,${csvField(row[pick[i]!])}`;
  return `${line}\n`;
}

const COMMA = 44;
const NEWLINE = 10;
const DQUOTE = 34;
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
/** "00" to "99", each pair's two digits. */
const PAIRS = Buffer.from(Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0')).join(''), 'latin1');

/** How many decimal digits a safe integer ≥ 0 has (1 to 16). */
function digitCount(v: number): number {
  if (v < 1e8) {
    if (v < 1e4) return v < 100 ? (v < 10 ? 1 : 2) : v < 1000 ? 3 : 4;
    return v < 1e6 ? (v < 1e5 ? 5 : 6) : v < 1e7 ? 7 : 8;
  }
  if (v < 1e12) return v < 1e10 ? (v < 1e9 ? 9 : 10) : v < 1e11 ? 11 : 12;
  return v < 1e14 ? (v < 1e13 ? 13 : 14) : v < 1e15 ? 15 : 16;
}

/**
 * csvLine's bytes written straight into one growing buffer, with no string made per line or field:
 * integers digit by digit, ASCII strings a character at a time (the rest through Buffer#write). The
 * seed's worker writes a million rows a second this way; strings per line cost it a core-second
 * of building and collecting (load --scale 3).
 */
export class CsvBuffer {
  private buf: Buffer;
  /** Bytes written so far. */
  length = 0;

  constructor(size = 8 << 20) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** The bytes written since the last clear() (a view: valid until the next write). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  clear(): void {
    this.length = 0;
  }

  /** Appends one row (the values at `pick`, in that order) and its newline. */
  line(row: readonly unknown[], pick: readonly number[]): void {
    for (let i = 0; i < pick.length; i++) {
      if (i) {
        this.room(1);
        this.buf[this.length++] = COMMA;
      }
      this.field(row[pick[i]!]);
    }
    this.room(1);
    this.buf[this.length++] = NEWLINE;
  }

  private room(n: number): void {
    this.buf = withRoom(this.buf, this.length, n);
  }

  private field(v: unknown): void {
    if (v === null || v === undefined) return;
    switch (typeof v) {
      case 'string':
        return this.quoted(v);
      case 'number':
        if (Number.isSafeInteger(v)) return this.integer(v);
        return this.ascii(String(v));
      case 'bigint':
        return this.ascii(String(v));
      case 'boolean':
        this.room(5);
        this.length += (v ? TRUE : FALSE).copy(this.buf, this.length);
        return;
      default:
        if (v instanceof Date) return this.integer(dateMs(v));
        return this.quoted(JSON.stringify(v));
    }
  }

  /** A safe integer's digits (and its sign): two digits per division, the count by comparison. */
  private integer(v: number): void {
    this.room(17);
    const buf = this.buf;
    if (v < 0) {
      buf[this.length++] = 45;
      v = -v;
    }
    let at = this.length + digitCount(v);
    this.length = at;
    while (v >= 100) {
      const q = Math.floor(v / 100);
      const pair = (v - q * 100) * 2;
      buf[--at] = PAIRS[pair + 1]!;
      buf[--at] = PAIRS[pair]!;
      v = q;
    }
    if (v >= 10) {
      buf[--at] = PAIRS[v * 2 + 1]!;
      buf[--at] = PAIRS[v * 2]!;
    } else buf[--at] = 48 + v;
  }

  /** Text known to be ASCII without quotes (a number's digits). */
  private ascii(s: string): void {
    this.room(s.length);
    this.length += this.buf.write(s, this.length, 'latin1');
  }

  /** A string in double quotes, a quote inside doubled (room: at most 3 bytes per UTF-16 unit). */
  private quoted(s: string): void {
    const n = s.length;
    this.room(n * 3 + 2);
    const buf = this.buf;
    let at = this.length;
    buf[at++] = DQUOTE;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 128) {
        // Not ASCII: the rest through the UTF-8 encoder, its quotes doubled first.
        const rest = s.slice(i);
        at += buf.write(rest.includes('"') ? rest.replace(QUOTE, '""') : rest, at, 'utf8');
        break;
      }
      if (c === DQUOTE) buf[at++] = DQUOTE;
      buf[at++] = c;
    }
    buf[at++] = DQUOTE;
    this.length = at;
  }
}
