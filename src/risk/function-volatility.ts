import type { Connection } from '../dialects/types.js';
import type { Volatility } from './types.js';

/** Beyond this many distinct words the filter costs more than reading every name. */
const MAX_WORDS = 4_000;

/**
 * Every word of `texts` that could name a function, lower case: unquoted identifiers and the
 * contents of double-quoted ones, wherever they stand (strings and comments included). A superset of
 * the function names the statements call; a name it misses (only a Unicode-escaped identifier can) is
 * looked up as unknown, the cautious answer. Undefined when there are too many words to be worth it.
 */
export function candidateFunctionNames(texts: Iterable<string>): string[] | undefined {
  const tokens = new Set<string>();
  for (const raw of texts) {
    // Each text lowered and matched whole by one regular expression: a match object per word, or a
    // loop over the characters, cost 3-5x as much (cold, on a 346-migration history).
    const text = raw.toLowerCase();
    for (const t of text.match(NON_ASCII.test(text) ? WORD_WIDE : WORD_ASCII) ?? []) tokens.add(t);
    if (tokens.size > MAX_WORDS) return undefined;
  }
  const words = new Set<string>();
  for (const t of tokens) words.add(t.charCodeAt(0) === 34 ? t.slice(1, -1).replace(/""/g, '"') : t);
  return [...words];
}

// PostgreSQL's lexer: an identifier starts with a letter, `_` or any non-ASCII character; quoted, `""`
// stands for a quote. The texts are lowered first. The ASCII-only form is the faster of the two.
const NON_ASCII = /[^\0-\x7f]/;
const WORD_ASCII = /"(?:[^"]|"")+"|[a-z_][\w$]*/g;
const WORD_WIDE = /"(?:[^"]|"")+"|[a-z_\u0080-\uffff][\w$\u0080-\uffff]*/g;

/**
 * Function names visible in the database → the most volatile of each name's overloads, as the dialect
 * tells it (`Connection.functionVolatility`: PostgreSQL's pg_proc); only `names` when given (see
 * candidateFunctionNames). Engines without it: undefined.
 */
export async function functionVolatility(conn: Connection, names?: readonly string[]): Promise<Map<string, Volatility> | undefined> {
  return conn.functionVolatility?.(names);
}
