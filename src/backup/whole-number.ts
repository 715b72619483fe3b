import { EventdbError } from '../errors.js';

/** Plain decimal digits, nothing else: no sign, space, fraction, exponent or `0x`/`0b`/`0o` prefix. */
const DIGITS = /^[0-9]+$/;

/**
 * The one grammar for a count given as text (`backup prune --keep-last 3`, a store URL's `?partSize=16`,
 * `EVENTDB_S3_CONCURRENCY`): plain decimal digits. `Number()` took `0x2`, `1e2`, ` 3`, `+3` and `3.0`
 * as numbers, so a typo became another retention than the one written. `origin` names where the text
 * came from, `example` a correct use for the hint; `code` is USAGE for flags (exit 2), CONFIG for settings (exit 2).
 */
export function parseWholeNumber(text: string, origin: string, opts: { min?: number; code?: 'USAGE' | 'CONFIG'; example?: string } = {}): number {
  const min = opts.min ?? 0;
  const shown = text.length > 20 ? `${text.slice(0, 19)}…` : text;
  const n = DIGITS.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new EventdbError(opts.code ?? 'USAGE', `${origin} ${JSON.stringify(shown)} is not a whole number ≥ ${min}`, `write it in plain decimal digits, e.g. ${opts.example ?? `${origin} ${Math.max(min, 3)}`}`);
  }
  return n;
}
