import { EventdbError } from './errors.js';

/**
 * The one grammar for durations and the one unit system for sizes, used by every flag, environment
 * variable, config key and line of output.
 */
const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export type DurationUnit = keyof typeof DURATION_UNITS;

const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|m|h|d)?\s*$/;

/**
 * The longest timeout a timer takes: Node.js's setTimeout holds a signed 32-bit count of milliseconds
 * (a longer one fires after 1 ms, with a TimeoutOverflowWarning), as do better-sqlite3's `timeout` and
 * PostgreSQL's statement_timeout. 2,147,483,647 ms is 24.8 days.
 */
export const TIMER_MAX_MS = 2_147_483_647;

export interface DurationOptions {
  /** The unit of a plain number (`30`): seconds unless the setting documents otherwise. */
  plainUnit?: DurationUnit;
  /** The smallest value accepted, in milliseconds. */
  minMs?: number;
  /** The largest value accepted, in milliseconds: TIMER_MAX_MS for a value that becomes a timer or a driver's timeout. */
  maxMs?: number;
  /** `USAGE` for flags (the default), `CONFIG` for environment variables and config keys. */
  code?: 'USAGE' | 'CONFIG';
}

/**
 * Parses a duration: `30` (in `plainUnit`, seconds by default), `500ms`, `10s`, `5m` or `5min`, `2h`,
 * `1d`, fractions allowed (`1.5h`). `origin` names where the value came from (`--lock-timeout`,
 * `env:EVENTDB_CONNECT_TIMEOUT`, the config file) for the error. Returns milliseconds.
 */
/**
 * A wrong value as an error shows it: quoted and cut to 40 characters, and not at all when it comes
 * from a config file (README: "a wrong value is never echoed" — the file may hold a secret beside it).
 */
export function shownValue(value: unknown, origin: string): string {
  if (origin.startsWith('file:')) return '';
  const s = String(value);
  return ` "${s.length > 40 ? `${s.slice(0, 39)}…` : s}"`;
}

export function parseDuration(value: string | number, origin: string, opts: DurationOptions = {}): number {
  const plain = opts.plainUnit ?? 's';
  let ms: number;
  if (typeof value === 'number') {
    ms = Number.isFinite(value) && value >= 0 ? value * DURATION_UNITS[plain] : Number.NaN;
  } else {
    const m = DURATION.exec(value);
    ms = m ? Number(m[1]) * DURATION_UNITS[(m[2] as DurationUnit | undefined) ?? plain] : Number.NaN;
  }
  const plainName = { ms: 'milliseconds', s: 'seconds', m: 'minutes', min: 'minutes', h: 'hours', d: 'days' }[plain];
  if (!Number.isFinite(ms)) {
    throw new EventdbError(opts.code ?? 'USAGE', `invalid duration${shownValue(value, origin)} for ${origin}`, `use a number of ${plainName}, or a value like 500ms, 30s, 5m, 2h, 1d`);
  }
  if (opts.minMs !== undefined && ms < opts.minMs) {
    throw new EventdbError(opts.code ?? 'USAGE', `${origin} ${String(value)} is too short: at least ${formatDuration(opts.minMs)}`, `for example ${origin} 1h`);
  }
  if (opts.maxMs !== undefined && ms > opts.maxMs) {
    const most = opts.maxMs === TIMER_MAX_MS ? `${TIMER_MAX_MS} ms (${formatDuration(TIMER_MAX_MS)}), the longest timeout Node.js timers and the database drivers take` : formatDuration(opts.maxMs);
    throw new EventdbError(opts.code ?? 'USAGE', `duration${shownValue(value, origin)} for ${origin} is too long: at most ${most}`, `use a shorter duration, e.g. 30s, 5m or 1h`);
  }
  return ms;
}

/** A short human duration: 850 ms, 12.3 s, 4 min, 3.2 h, 2.1 d. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** A size in decimal units (1 KB = 1000 B), as transfer rates and object stores count: 512 B, 3.0 MB, 1.2 GB. */
export function formatBytes(n: number): string {
  let v = n;
  let i = 0;
  while (v >= 1000 && i < BYTE_UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${BYTE_UNITS[i]}`;
}

/** `1 table`, `2 tables`, `0 tables`: a count with its noun (the plural given where it is not noun + s). */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
