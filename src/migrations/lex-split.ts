import { ENGINES, type Engine } from '../config/url.js';
import { syntaxOf } from '../dialects/registry.js';
import type { SqlSyntax } from '../dialects/sql-syntax.js';

/** One statement of a script: its text (trimmed, without the `;`) and where it starts in the script. */
export interface ScriptPiece {
  text: string;
  /** Offset (UTF-16 index) of the statement's first significant character in the script. */
  offset: number;
}

const isIdentStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
const isIdentPart = (c: number) => isIdentStart(c) || (c >= 48 && c <= 57) || c === 36;

export interface LexSplitOptions {
  /**
   * Strict (default; `migrate up` runs what it splits): undefined when it cannot be sure — an
   * unterminated string, identifier or comment, or a `BEGIN ATOMIC` body — and the caller asks the
   * engine's grammar. Lenient (the risk analysis of a text its grammar rejected, so that the
   * statements around a broken one are still read): always an answer — an unterminated quote or
   * comment runs to the end, BEGIN ATOMIC and parentheses do not hold `;` (an unbalanced `(` in a
   * broken statement must not swallow the ones after it), and a comment before a statement's `;`
   * stays part of its text. Lenient lexing is every engine's at once (LENIENT_SYNTAX), not the
   * target engine's: a rejected text is often another engine's SQL — a PostgreSQL dump linted for
   * SQLite — and lint can say "SQLite has no stored functions" only if it finds the whole
   * `$body$ … $body$` statement (test/migrations/lex-split.test.ts shows it).
   */
  lenient?: boolean;
}

/**
 * The one statement splitter: splits a script at its top-level `;` with the engine's lexical rules
 * (SqlSyntax, from the dialect registry) — the way SQLite's `sqlite3_complete()` and psql find
 * statement ends — in one pass, without building a parse tree: '…' strings (E'…' with backslash
 * escapes), "…" identifiers, `…` and […] identifiers, $tag$…$tag$ bodies, -- and /* *\/ comments
 * (nested where the engine nests them), parentheses (CREATE RULE … (a; b)), and trigger bodies
 * (CREATE TRIGGER … BEGIN … END, counting CASE … END inside them). See LexSplitOptions for what
 * strict and lenient do with text it cannot be sure of. splitScript (split.ts) adds the grammar
 * fallback for `migrate up`; the risk analysis uses it lenient.
 */
let LENIENT_SYNTAX: SqlSyntax | undefined;
/** Every engine's quoting and bodies at once; comments flat (a stray `/*` inside one must not swallow the rest). */
function lenientSyntax(): SqlSyntax {
  if (!LENIENT_SYNTAX) {
    const all = ENGINES.map(syntaxOf);
    const any = (k: keyof SqlSyntax) => all.some((x) => x[k]);
    LENIENT_SYNTAX = { nestedComments: false, dollarQuotes: any('dollarQuotes'), escapeStrings: any('escapeStrings'), backtickAndBracketIdentifiers: any('backtickAndBracketIdentifiers'), triggerBodies: any('triggerBodies'), atomicBodies: false };
  }
  return LENIENT_SYNTAX;
}

export function lexSplit(text: string, engine: Engine, opts?: { lenient?: false }): ScriptPiece[] | undefined;
export function lexSplit(text: string, engine: Engine, opts: { lenient: true }): ScriptPiece[];
export function lexSplit(text: string, engine: Engine, opts: LexSplitOptions = {}): ScriptPiece[] | undefined {
  if (opts.lenient === true) return lexSplitText(text, engine, true);
  // The same section is read strictly several times in one run (the plan's statements, the fast path's
  // check, the risk gate's grouped parse): each text is lexed once. Answers are copies of one result.
  // Keyed by the text itself (the caller's string, not a copy), per engine; bounded by the characters held.
  let memo = strictMemo.get(engine);
  if (!memo) strictMemo.set(engine, (memo = new Map()));
  let hit = memo.get(text);
  if (hit === undefined) {
    hit = lexSplitText(text, engine, false) ?? null;
    if (strictMemoChars + text.length > STRICT_MEMO_CHARS) {
      strictMemo.clear();
      strictMemo.set(engine, (memo = new Map()));
      strictMemoChars = 0;
    }
    memo.set(text, hit);
    strictMemoChars += text.length;
  }
  return hit ? [...hit] : undefined;
}

/** At most this many characters of section text are remembered (32 MiB of UTF-16 at most). */
const STRICT_MEMO_CHARS = 16 * 1024 * 1024;
const strictMemo = new Map<Engine, Map<string, ScriptPiece[] | null>>();
let strictMemoChars = 0;

function lexSplitText(text: string, engine: Engine, lenient: boolean): ScriptPiece[] | undefined {
  // Read once into locals: the loop below runs per character.
  const { nestedComments, dollarQuotes, escapeStrings, backtickAndBracketIdentifiers, triggerBodies, atomicBodies } = lenient ? lenientSyntax() : syntaxOf(engine);
  const out: ScriptPiece[] = [];
  const n = text.length;
  let i = 0;
  let depth = 0;
  let first = -1; // first significant character of the current statement
  let last = -1; // end of its last significant token
  // SQLite trigger state: words seen at the statement's start, then the body.
  let lead = 0; // significant words seen in this statement
  let createSeen = false;
  let trigger = false;
  let body = false;
  let bodyDone = false;
  let cases = 0;
  let prevWord = '';

  const flush = () => {
    if (first >= 0) out.push({ text: text.slice(first, last), offset: first });
    first = -1;
    last = -1;
    lead = 0;
    createSeen = trigger = body = bodyDone = false;
    cases = 0;
    prevWord = '';
  };
  const mark = (from: number, to: number) => {
    if (first < 0) first = from;
    last = to;
  };

  while (i < n) {
    const c = text.charCodeAt(i);
    // whitespace
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11) {
      i++;
      continue;
    }
    // -- comment
    if (c === 45 && text.charCodeAt(i + 1) === 45) {
      const nl = text.indexOf('\n', i + 2);
      if (lenient && first >= 0) last = nl < 0 ? n : nl;
      i = nl < 0 ? n : nl + 1;
      continue;
    }
    // /* comment */ (nested where the engine nests them)
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      let nest = 1;
      let j = i + 2;
      while (j < n && nest > 0) {
        const d = text.charCodeAt(j);
        if (d === 42 && text.charCodeAt(j + 1) === 47) {
          nest--;
          j += 2;
        } else if (nestedComments && d === 47 && text.charCodeAt(j + 1) === 42) {
          nest++;
          j += 2;
        } else j++;
      }
      if (nest > 0 && !lenient) return undefined;
      if (lenient && first >= 0) last = Math.min(j, n);
      i = j;
      continue;
    }
    // statement end
    if (c === 59) {
      // A trigger holds `;` until its END (lenient: only once its BEGIN was seen — PostgreSQL's
      // CREATE TRIGGER … EXECUTE FUNCTION f(); has no body and ends at its `;`).
      if (depth === 0 && !(trigger && !bodyDone && (body || !lenient))) {
        flush();
      } else mark(i, i + 1);
      i++;
      continue;
    }
    // quoted: '…', "…", and where the engine has them `…` and […]
    if (c === 39 || c === 34 || (backtickAndBracketIdentifiers && (c === 96 || c === 91))) {
      const close = c === 91 ? 93 : c;
      const backslash = escapeStrings && c === 39 && (prevWord === 'e' || prevWord === 'E') && last === i;
      let j = i + 1;
      for (;;) {
        if (j >= n) {
          if (!lenient) return undefined;
          j = n - 1; // unterminated: runs to the end
          break;
        }
        const d = text.charCodeAt(j);
        if (backslash && d === 92) {
          j += 2;
          continue;
        }
        if (d === close) {
          if (close !== 93 && text.charCodeAt(j + 1) === close) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      mark(i, j + 1);
      prevWord = '';
      i = j + 1;
      continue;
    }
    // $tag$ … $tag$ where the engine has them; `$1` and `a$b` are not dollar quotes
    if (dollarQuotes && c === 36 && !(i > 0 && isIdentPart(text.charCodeAt(i - 1)) && last === i)) {
      let j = i + 1;
      if (j < n && isIdentStart(text.charCodeAt(j))) {
        j++;
        while (j < n && isIdentPart(text.charCodeAt(j)) && text.charCodeAt(j) !== 36) j++;
      }
      if (text.charCodeAt(j) === 36) {
        const tag = text.slice(i, j + 1);
        let end = text.indexOf(tag, j + 1);
        if (end < 0) {
          if (!lenient) return undefined;
          end = n - tag.length; // unterminated: runs to the end
        }
        mark(i, end + tag.length);
        prevWord = '';
        i = end + tag.length;
        continue;
      }
    }
    // words (keywords and identifiers)
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentPart(text.charCodeAt(j))) j++;
      const w = text.slice(i, j);
      const lw = w.length <= 9 ? w.toLowerCase() : '';
      if (atomicBodies && !lenient && lw === 'atomic' && prevWord.toLowerCase() === 'begin') return undefined;
      if (triggerBodies) {
        if (lead === 0 && lw === 'create') createSeen = true;
        else if (createSeen && !trigger && lead <= 2 && lw === 'trigger') trigger = true;
        else if (trigger && !body && lw === 'begin') body = true;
        else if (body && !bodyDone) {
          if (lw === 'case') cases++;
          else if (lw === 'end') {
            if (cases > 0) cases--;
            else bodyDone = true;
          }
        }
        lead++;
      }
      mark(i, j);
      prevWord = w;
      i = j;
      continue;
    }
    if (!lenient) {
      if (c === 40) depth++;
      else if (c === 41) depth = Math.max(0, depth - 1);
    }
    mark(i, i + 1);
    prevWord = '';
    i++;
  }
  flush();
  return out;
}
