import { EventdbError } from '../errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `10`, `10s`, `500ms`, `5m`, `26h`, `2d`; a plain number is in `plainUnit` (seconds by default). */
export function parseDuration(value: string | number, flag: string, plainUnit: keyof typeof UNITS = 's'): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value * UNITS[plainUnit]!;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(String(value));
  if (!m) {
    throw new EventdbError('USAGE', `invalid duration "${String(value)}" for ${flag}`, 'use a number of seconds or a value like 500ms, 10s, 5m, 26h, 2d');
  }
  return Number(m[1]) * UNITS[m[2] ?? plainUnit]!;
}

/** A short human duration: 850 ms, 12.3 s, 4 min, 3.2 h, 2.1 d. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}
