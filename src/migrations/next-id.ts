import { existsSync, readdirSync } from 'node:fs';
import { EventdbError } from '../errors.js';
import { compareIds, parseFileName } from './loader.js';

/**
 * The IDs of the next migrations (`migrate create`, `migrate diff`), continuing the naming style of
 * the folder's newest migration (the last in the loader's order, compareIds):
 *
 * - counters keep their width: `0012_x` → `0013_name`, `000009_x` → `000010_name`;
 * - timestamps continue with the current UTC time: `20261122103000_x` (14 digits), `202611221030_x`
 *   (12), diesel's `2026-11-22-103000_x` (also after diesel's `00000000000000_diesel_initial_setup`),
 *   Unix seconds (10 digits) and milliseconds (13);
 * - Flyway versions continue with the next major version: `V3__x`, `V2_1__x`, `V2.1__x` → `V4__name`
 *   (zero padding kept, `V007__x` → `V008__name`; a timestamp version continues with the time);
 * - an empty folder starts at `0001_name`.
 *
 * A time never goes back: when the newest ID is at or past it (a clock behind, an ID in the future),
 * the next is the newest plus one unit of its style. Every ID returned sorts after every existing one
 * in the loader's order; when the style cannot continue so (an ID without a leading number sorts as
 * text, after all numbered ones: `V10__x` before `V9__x`), NEXT_ID is thrown and nothing is chosen.
 */
export function nextMigrationIds(existing: Iterable<string>, name: string, count: number, now: Date = new Date()): string[] {
  const ids = [...new Set(existing)].sort(compareIds);
  const last = ids[ids.length - 1];
  if (last === undefined) return sequence(counter('', '_', 0n, 4), count, name);
  const style = detect(last, ids, now);
  if (!style) {
    throw new EventdbError(
      'NEXT_ID',
      `cannot choose the next migration ID: the newest, ${last}, starts with no number to continue (IDs without a leading number sort as text, after all numbered ones)`,
      `write the next migration by hand with an ID that sorts after ${last}, or rename the migrations to a numbered style (0001_x, 20260101120000_x, V1__x)`,
    );
  }
  const out = sequence(style, count, name);
  const before = [last, ...out].findIndex((id, i, all) => i > 0 && compareIds(all[i - 1]!, id) >= 0);
  if (before > 0) {
    const prev = before === 1 ? last : out[before - 2]!;
    throw new EventdbError(
      'NEXT_ID',
      `cannot choose the next migration ID: ${out[before - 1]} (the ${style.name} style continued) would sort before ${prev}${/^\d/.test(prev) ? '' : ' (IDs without a leading number compare as text)'}`,
      `write the next migration by hand with an ID that sorts after ${last}, or rename the migrations so that they sort as numbers (${style.name.startsWith('Flyway') ? 'zero-padded versions: V001__x, V002__x' : 'one numbered style'})`,
    );
  }
  return out;
}

/** The IDs of the migration files in `dir` (none when it does not exist), in the loader's order. */
export function folderIds(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return [...new Set(readdirSync(dir).map((f) => parseFileName(f)?.id).filter((x): x is string => !!x))].sort(compareIds);
}

/** `nextMigrationIds` for the migration files in `dir`. */
export function nextMigrationIdsIn(dir: string, name: string, count: number, now: Date = new Date()): string[] {
  return nextMigrationIds(folderIds(dir), name, count, now);
}

interface Style {
  /** For messages: counter, timestamp, diesel, Flyway … */
  name: string;
  /** The newest existing value, in the style's unit; undefined when none can be read. */
  last: bigint | undefined;
  /** The current time in the style's unit; undefined for a counter. */
  now: bigint | undefined;
  /** The ID's beginning for a value, separator included (`0013_`, `V4__`, `2026-12-03-141500_`). */
  format(n: bigint): string | undefined;
}

function sequence(style: Style, count: number, name: string): string[] {
  const { last, now } = style;
  let n = now !== undefined && (last === undefined || now > last) ? now : (last ?? 0n) + 1n;
  const out: string[] = [];
  for (let i = 0; i < count; i++, n++) {
    const head = style.format(n);
    if (head === undefined) throw new EventdbError('NEXT_ID', `cannot choose the next migration ID: the ${style.name} style has no ID after ${style.format(n - 1n) ?? 'the newest'}`, 'write the next migration by hand with an ID that sorts after the newest, or rename the migrations to another numbered style');
    out.push(`${head}${name}`);
  }
  return out;
}

const DIESEL = /^(\d{4})-(\d{2})-(\d{2})-(\d{2})(\d{2})(\d{2})(?=_|$)/;
const DIESEL_INITIAL = /^0{14}_diesel_initial_setup$/;
const FLYWAY = /^([Vv])(\d+)(?:[._]\d+)*__/;

function detect(last: string, ids: string[], now: Date): Style | undefined {
  const sec = BigInt(Math.floor(now.getTime() / 1000));
  if (DIESEL.test(last) || DIESEL_INITIAL.test(last)) {
    const m = DIESEL.exec(last);
    const t = m ? utcSeconds(m.slice(1, 7).join('')) : undefined;
    return { name: 'diesel', last: t, now: sec, format: (n) => stampOf(n, (p) => `${p.y}-${p.mo}-${p.d}-${p.h}${p.mi}${p.s}_`) };
  }
  const fly = FLYWAY.exec(last);
  if (fly) {
    const letter = fly[1]!;
    // The newest version is the largest, which is not the last as text (V10 sorts before V9).
    let top = fly[2]!;
    for (const id of ids) {
      const v = FLYWAY.exec(id);
      if (v && v[1] === letter && BigInt(v[2]!) > BigInt(top)) top = v[2]!;
    }
    return number(top, letter, '__', now, 'Flyway');
  }
  const digits = /^\d+/.exec(last)?.[0];
  return digits === undefined ? undefined : number(digits, '', '_', now);
}

/** The style of a leading number: a timestamp of a known shape, else a counter of the same width. */
function number(digits: string, lead: string, sep: string, now: Date, flavour?: string): Style {
  const label = (s: string) => (flavour ? `${flavour} ${s}` : s);
  const ms = now.getTime();
  if (digits.length === 14 && utcSeconds(digits) !== undefined) {
    return { name: label('timestamp'), last: utcSeconds(digits), now: BigInt(Math.floor(ms / 1000)), format: (n) => stampOf(n, (p) => `${lead}${p.y}${p.mo}${p.d}${p.h}${p.mi}${p.s}${sep}`) };
  }
  if (digits.length === 12 && utcSeconds(`${digits}00`) !== undefined) {
    return { name: label('timestamp'), last: utcSeconds(`${digits}00`)! / 60n, now: BigInt(Math.floor(ms / 60_000)), format: (n) => stampOf(n * 60n, (p) => `${lead}${p.y}${p.mo}${p.d}${p.h}${p.mi}${sep}`) };
  }
  if (digits.length === 13 && digits[0] !== '0') {
    return { name: label('Unix milliseconds'), last: BigInt(digits), now: BigInt(ms), format: (n) => `${lead}${n}${sep}` };
  }
  if (digits.length === 10 && digits[0] !== '0') {
    return { name: label('Unix seconds'), last: BigInt(digits), now: BigInt(Math.floor(ms / 1000)), format: (n) => `${lead}${n}${sep}` };
  }
  // Flyway's V1 is not padded; a padded version (V001) keeps its width, as a padded counter does.
  const width = lead && digits[0] !== '0' ? 1 : digits.length;
  return counter(lead, sep, BigInt(digits), width, flavour);
}

function counter(lead: string, sep: string, last: bigint, width: number, flavour?: string): Style {
  return { name: flavour ? `${flavour} version` : 'counter', last, now: undefined, format: (n) => `${lead}${String(n).padStart(width, '0')}${sep}` };
}

/** `YYYYMMDDHHMMSS` as seconds since 1970 (UTC), or undefined when it is no valid time of a 4-digit year. */
function utcSeconds(d: string): bigint | undefined {
  const [y, mo, day, h, mi, s] = [d.slice(0, 4), d.slice(4, 6), d.slice(6, 8), d.slice(8, 10), d.slice(10, 12), d.slice(12, 14)].map(Number) as [number, number, number, number, number, number];
  if (y < 1000) return undefined;
  const t = Date.UTC(y, mo - 1, day, h, mi, s);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== day || back.getUTCHours() !== h || back.getUTCMinutes() !== mi || back.getUTCSeconds() !== s) return undefined;
  return BigInt(t / 1000);
}

interface Parts {
  y: string;
  mo: string;
  d: string;
  h: string;
  mi: string;
  s: string;
}

/** Seconds since 1970 → the UTC time's parts, formatted; undefined past the year 9999. */
function stampOf(seconds: bigint, f: (p: Parts) => string): string | undefined {
  const t = new Date(Number(seconds) * 1000);
  const y = t.getUTCFullYear();
  if (!(y >= 1000 && y <= 9999)) return undefined;
  const p2 = (n: number) => String(n).padStart(2, '0');
  return f({ y: String(y), mo: p2(t.getUTCMonth() + 1), d: p2(t.getUTCDate()), h: p2(t.getUTCHours()), mi: p2(t.getUTCMinutes()), s: p2(t.getUTCSeconds()) });
}
