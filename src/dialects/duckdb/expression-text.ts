/**
 * DuckDB prints an expression differently in the session that created it and after the file is
 * opened again: `CAST(0 AS "DOUBLE")`, `CAST(now() AS "DATE")`, `DECIMAL(10, 2)` in the first,
 * `CAST(0 AS DOUBLE)`, `DECIMAL(10,2)` in the second (DuckDB 1.5). The drift check compares a live
 * file (reopened) with a replay in a scratch database (never reopened), so every expression the
 * catalog reports is read in the reopened spelling: a quoted all-capitals type name after `AS` is
 * unquoted, and the space after the comma of `DECIMAL(p, s)` is dropped. String literals are kept.
 */
export function duckdbStableSql(text: string): string;
export function duckdbStableSql(text: string | null): string | null;
export function duckdbStableSql(text: string | null): string | null {
  if (text === null || (!text.includes('"') && !/\b(?:DECIMAL|NUMERIC)\(\d+, /i.test(text))) return text;
  let out = '';
  for (const m of text.matchAll(/'(?:[^']|'')*'|[^']+/g)) {
    const part = m[0];
    out += part.startsWith("'") ? part : part.replace(/\bAS "([A-Z][A-Z0-9_]*)"/g, 'AS $1').replace(/\b(DECIMAL|NUMERIC)\((\d+), (\d+)\)/gi, '$1($2,$3)');
  }
  return out;
}
