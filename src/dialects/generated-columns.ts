import type { GeneratedColumn } from './types.js';

/**
 * Generated columns read from a CREATE TABLE text (issue 17): SQLite keeps their expressions nowhere
 * else, and DuckDB's catalog reports them as defaults (`duckdb_tables().sql` tells them apart). A column
 * definition with `[GENERATED ALWAYS] AS (expr) [STORED | VIRTUAL]` outside quotes and nested
 * parentheses is one; without a keyword it is virtual (both engines' default). Keys are lower-cased
 * column names; the expression is the text inside `AS (…)`, as the engine keeps it.
 */
export function generatedColumns(createSql: string): Map<string, GeneratedColumn> {
  const out = new Map<string, GeneratedColumn>();
  for (const { text, flat } of columnDefinitions(createSql)) {
    const re = /\b(?:generated\s+always\s+)?as\s*\(/gi;
    for (let m = re.exec(flat); m; m = re.exec(flat)) {
      if (depthAt(flat, m.index) !== 0) continue;
      const paren = m.index + m[0].length - 1;
      const close = matching(flat, paren);
      if (close < 0) break;
      const name = columnName(text.trim());
      if (!name) break;
      const kind = /^\s*(stored|virtual)\b/i.exec(flat.slice(close + 1))?.[1]?.toLowerCase();
      out.set(name.toLowerCase(), { expression: text.slice(paren + 1, close).trim(), stored: kind === 'stored' });
      break;
    }
  }
  return out;
}

/**
 * The column definitions of a CREATE TABLE text, in order (table constraints left out): each as
 * written (`text`) and with quoted parts blanked (`flat`, same length: search it, slice `text`).
 */
export function columnDefinitions(createSql: string): Array<{ text: string; flat: string }> {
  const blank = blankQuotes(createSql);
  const open = blank.indexOf('(');
  if (open < 0) return [];
  // column definitions: [start, end) ranges at depth 1 of the table's parentheses
  const parts: Array<[number, number]> = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < blank.length; i++) {
    const ch = blank[i];
    if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) {
      parts.push([start, i]);
      break;
    } else if (ch === ',' && depth === 1) {
      parts.push([start, i]);
      start = i + 1;
    }
  }
  return parts.map(([from, to]) => ({ text: createSql.slice(from, to), flat: blank.slice(from, to) })).filter((p) => !/^\s*(constraint|primary|unique|check|foreign)\b/i.test(p.flat));
}

/** The text with everything inside quotes ('…', "…", `…`, […]) replaced by `_` (same length). */
function blankQuotes(s: string): string {
  const close: Record<string, string> = { "'": "'", '"': '"', '`': '`', '[': ']' };
  let out = '';
  let quote = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!; // by UTF-16 unit: the same length as the text
    if (quote) {
      out += ch === quote ? ch : '_';
      if (ch === quote) quote = '';
    } else {
      if (ch in close) quote = close[ch]!;
      out += ch;
    }
  }
  return out;
}

export function depthAt(s: string, index: number): number {
  let d = 0;
  for (let i = 0; i < index; i++) d += s[i] === '(' ? 1 : s[i] === ')' ? -1 : 0;
  return d;
}

function matching(s: string, open: number): number {
  let d = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '(') d++;
    else if (s[i] === ')' && --d === 0) return i;
  }
  return -1;
}

export function columnName(def: string): string | undefined {
  const m = /^(?:"((?:[^"]|"")*)"|`([^`]*)`|\[([^\]]*)\]|([^\s(]+))/.exec(def);
  if (!m) return undefined;
  return m[1]?.replace(/""/g, '"') ?? m[2] ?? m[3] ?? m[4];
}
