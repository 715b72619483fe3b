/**
 * Plain data-row INSERTs: the statements a dump or a sample database holds by the ten thousand, which no
 * risk rule reads. A bulk of them is counted, not parsed, by both grammars' analyses (analyze.ts, pg-batch.ts).
 */
const NAME = '(?:"(?:[^"]|"")*"|`[^`]*`|\\[[^\\]]*\\]|[A-Za-z_][\\w$]*)';
const DATA_HEAD = new RegExp(`^(?:INSERT(?:\\s+OR\\s+[A-Za-z]+)?|REPLACE)\\s+INTO\\s+${NAME}(?:\\s*\\.\\s*${NAME})?\\s*(?:\\((?:[^()']|"[^"]*")*\\)\\s*)?VALUES\\s*\\(`, 'i');

/**
 * `INSERT|REPLACE [OR …] INTO t [(cols)] VALUES (…)[, (…)]…` and nothing else — a data statement, as
 * dumps and sample databases hold by the ten thousand. No rule reads one (no table is read, locked
 * long or changed in shape), so a bulk of them is recognised lexically instead of parsed.
 */
export function isDataInsert(t: string): boolean {
  const m = DATA_HEAD.exec(t);
  if (!m) return false;
  const n = t.length;
  let i = m[0].length - 1;
  for (;;) {
    if (t[i] !== '(') return false;
    let depth = 0;
    for (; i < n; i++) {
      const c = t[i]!;
      if (c === "'" || c === '"') {
        let j = i + 1;
        while (j < n && !(t[j] === c && t[j + 1] !== c)) j += t[j] === c ? 2 : 1;
        if (j >= n) return false;
        i = j;
      } else if (c === '(') depth++;
      else if (c === ')') {
        if (--depth === 0) {
          i++;
          break;
        }
      } else if ((c === '-' && t[i + 1] === '-') || (c === '/' && t[i + 1] === '*') || c === ';') return false;
      else if ((c === 's' || c === 'S') && /^select\b/i.test(t.slice(i, i + 7)) && !/[\w$]/.test(t[i - 1] ?? '')) return false;
    }
    if (depth !== 0) return false;
    while (i < n && /\s/.test(t[i]!)) i++;
    if (i >= n) return true;
    if (t[i] !== ',') return false;
    i++;
    while (i < n && /\s/.test(t[i]!)) i++;
  }
}

/** From this many plain data INSERTs in one text on, they are counted, not parsed (isDataInsert)… */
export const BULK_DATA = 100;
/** …or from this many characters of them (Chinook's rows: 24 INSERTs of ~600 rows each). */
export const BULK_DATA_CHARS = 64 * 1024;

/**
 * Which of a text's statements (or a plan's) are plain data INSERTs to count rather than parse
 * (isDataInsert) — undefined unless they are a bulk: BULK_DATA of them, or BULK_DATA_CHARS of their text.
 * Below that every statement is parsed, so a stray syntax error in a few hand-written rows is still reported.
 */
export function bulkData(texts: readonly string[], isData: (t: string) => boolean = isDataInsert): boolean[] | undefined {
  let count = 0;
  let chars = 0;
  const flags = texts.map((t) => {
    const d = isData(t);
    if (d) {
      count++;
      chars += t.length;
    }
    return d;
  });
  return count && (count >= BULK_DATA || chars >= BULK_DATA_CHARS) ? flags : undefined;
}

/**
 * isDataInsert by PostgreSQL's (and DuckDB's) lexical rules, where it is sure: no backslash (an E'…'
 * string's escapes) and no `$` (a dollar-quoted body, a parameter); such a statement is parsed instead.
 */
export function pgDataInsert(t: string): boolean {
  return !t.includes('\\') && !t.includes('$') && isDataInsert(t);
}
