import { describe, expect, it } from 'vitest';
import { CsvBuffer, csvLine, timestampMs } from '../../src/seed/csv.js';
import { Random } from '../../src/seed/random.js';

/** CsvBuffer writes bytes itself (issue 18): they must be exactly csvLine's UTF-8, value for value. */
const TRICKY: unknown[] = [
  null,
  undefined,
  '',
  'plain',
  'say "hi"',
  '"',
  '""',
  'a,b\nc',
  'café',
  'naïve "quoted" ünïcode',
  '😀 emoji " and quote',
  '\u0000\u007f',
  '日本語',
  0,
  -0,
  7,
  -42,
  9,
  10,
  99,
  100,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  1.5,
  -0.25,
  1e21,
  2 ** 60,
  123n,
  -98765432109876543210n,
  true,
  false,
  new Date(0),
  new Date(-1),
  new Date(Date.UTC(2025, 0, 1, 12, 30, 15, 123)),
  new Date(-62_135_596_800_000),
  new Date(253_402_300_799_999),
  { a: 1, b: 'x"y' },
  ['list', 2],
];

const bytesOf = (rows: unknown[][], pick: number[], size?: number): string => {
  const out = new CsvBuffer(size);
  for (const r of rows) out.line(r, pick);
  return out.bytes().toString('utf8');
};

describe('CsvBuffer', () => {
  it('writes each value exactly as csvLine does', () => {
    for (const v of TRICKY) expect(bytesOf([[v]], [0])).toBe(csvLine([v], [0]));
    const row = TRICKY;
    const pick = TRICKY.map((_, i) => TRICKY.length - 1 - i);
    expect(bytesOf([row], pick)).toBe(csvLine(row, pick));
  });

  it('writes every digit count of a safe integer, at and around each power of ten', () => {
    const values: number[] = [];
    for (let k = 0; k <= 15; k++) for (const d of [-1, 0, 1]) values.push(10 ** k + d, -(10 ** k + d));
    values.push(Number.MAX_SAFE_INTEGER - 1, 1_764_000_000_123, 4_294_967_296);
    const rnd = new Random(5);
    for (let i = 0; i < 2000; i++) values.push(rnd.int(-1e15, 1e15), rnd.int(0, 999));
    const rows = values.map((v) => [v]);
    expect(bytesOf(rows, [0])).toBe(values.map((v) => `${v}\n`).join(''));
  });

  it('timestampMs writes what the Date of the same milliseconds writes, and refuses what it refuses', () => {
    const ms = [0, -0, 1, -1, 1.9, -1.9, -0.5, 1_764_000_000_123.75, -62_135_596_800_000, 253_402_300_799_999, 253_402_300_799_999.9];
    for (const v of ms) expect(bytesOf([[timestampMs(v)]], [0])).toBe(bytesOf([[new Date(v)]], [0]));
    for (const bad of [253_402_300_800_000, -62_135_596_800_001, Number.NaN, 1e300]) {
      const viaDate = (() => {
        try {
          bytesOf([[new Date(bad)]], [0]);
        } catch (e) {
          return e;
        }
      })() as { code: string; message: string };
      expect(viaDate.code).toBe('BULK_INSERT');
      expect(() => timestampMs(bad)).toThrow(expect.objectContaining({ code: 'BULK_INSERT', message: viaDate.message }));
    }
  });

  it('grows from a tiny buffer mid-row and mid-string without losing a byte', () => {
    const rnd = new Random(11);
    const alphabet = ['a', 'Z', '"', ',', '\n', 'é', '€', '😀', ' '];
    const rows: unknown[][] = [];
    for (let i = 0; i < 400; i++) {
      let s = '';
      for (let k = rnd.int(0, 40); k > 0; k--) s += rnd.pick(alphabet);
      rows.push([i, s, rnd.chance(0.2) ? null : rnd.int(-1e12, 1e12), new Date(rnd.int(0, 2e12)), rnd.chance(0.5)]);
    }
    const expected = rows.map((r) => csvLine(r, [4, 3, 2, 1, 0])).join('');
    expect(bytesOf(rows, [4, 3, 2, 1, 0], 3)).toBe(expected);
    expect(bytesOf(rows, [4, 3, 2, 1, 0])).toBe(expected);
  });

  it('clear() starts the next file empty; a date out of range is refused with BULK_INSERT', () => {
    const out = new CsvBuffer(16);
    out.line(['x', 1], [0, 1]);
    out.clear();
    out.line([2], [0]);
    expect(out.bytes().toString()).toBe('2\n');
    expect(() => out.line([new Date(253_402_300_800_000)], [0])).toThrow(expect.objectContaining({ code: 'BULK_INSERT', message: expect.stringContaining('years 1 to 9999') }));
    expect(() => out.line([new Date(Number.NaN)], [0])).toThrow(expect.objectContaining({ code: 'BULK_INSERT', message: expect.stringContaining('an invalid date') }));
  });
});
