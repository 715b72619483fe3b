import { pgQuery } from './pg-query.js';
import type { Engine } from '../config/url.js';
import { lexSplit } from '../migrations/lex-split.js';
import { bulkData, pgDataInsert } from './data-rows.js';

/* The PostgreSQL parse tree (libpg-query JSON) is walked untyped. */
type Node = Record<string, any>;

/** One statement of a text, as walkPg reads it: its parse tree, its raw text and its offset (UTF-16) in the text. */
export interface PgParsed {
  stmt: Node;
  raw: string;
  charLoc: number;
}

/** Between texts parsed together: a newline ends a trailing `--` comment, `;` ends the statement. */
const JOIN = '\n;';

/**
 * Parses many PostgreSQL (or DuckDB) statement texts with ONE call of libpg-query per group of
 * `group` texts, and hands each text its own statements. In a fresh process a parse call costs far
 * more than its text (the WASM glue and JSON per call): the 447 statements of the ory/kratos history
 * take ~0.4-0.6 s one by one, ~0.1 s together. The result is what parsing each text alone gives, so a
 * group is used only when that is certain: every text is lexically complete by the engine's rules (the
 * strict splitter answers for it: no unterminated string, identifier, dollar body or comment, no
 * BEGIN ATOMIC body that could run into the next text), the group parses, and every statement lies
 * inside one text. A group that fails any of these leaves its texts undefined, to be parsed one by one
 * as before (so an unparsable statement is reported exactly as before).
 */
export function parsePgMany(texts: readonly string[], engine: Engine, group = 64, data = bulkData(texts, pgDataInsert)): Array<readonly PgParsed[] | undefined> {
  // A bulk of plain data-row INSERTs (`data`: bulkData's flags, when the caller has them) is counted,
  // not parsed (data-rows.ts): DATA_ROWS in their place.
  const todo = data ? texts.filter((_, i) => !data[i]) : texts;
  const out: Array<PgParsed[] | undefined> = [];
  for (let i = 0; i < todo.length; i += group) {
    const part = todo.slice(i, i + group);
    const pre = part.length > 1 ? parseGroup(part, engine) : undefined;
    for (let k = 0; k < part.length; k++) out.push(pre?.[k]);
  }
  if (!data) return out;
  let k = 0;
  return texts.map((_, i) => (data[i] ? DATA_ROWS : out[k++]));
}

/** parsePgMany's answer for a data-row INSERT among a bulk of them: counted by walkPg, not parsed. */
export const DATA_ROWS: readonly PgParsed[] = Object.freeze([]);

function parseGroup(texts: readonly string[], engine: Engine): PgParsed[][] | undefined {
  for (const t of texts) if (!lexSplit(t, engine)) return undefined;
  const joined = texts.join(JOIN) + JOIN;
  const ascii = Buffer.byteLength(joined) === joined.length;
  const buf = ascii ? undefined : Buffer.from(joined);
  // Byte start and end of each text in `joined` (the joiner follows each text).
  const starts: number[] = [];
  const ends: number[] = [];
  let at = 0;
  for (const t of texts) {
    const len = ascii ? t.length : Buffer.byteLength(t);
    starts.push(at);
    ends.push(at + len);
    at += len + JOIN.length;
  }
  let stmts: Node[];
  try {
    stmts = pgQuery().parseSync(joined).stmts ?? [];
  } catch {
    return undefined;
  }
  const out: PgParsed[][] = texts.map(() => []);
  let k = 0;
  for (const st of stmts) {
    const loc = (st.stmt_location as number | undefined) ?? 0;
    const len = (st.stmt_len as number | undefined) ?? 0;
    const end = len ? loc + len : at;
    while (k + 1 < texts.length && loc >= starts[k + 1]!) k++;
    // The statement must end inside its text (or at the joiner's newline, before its `;`).
    if (loc < starts[k]! || end > ends[k]! + 1) return undefined;
    let raw: string;
    let charLoc: number;
    if (buf) {
      raw = buf.subarray(loc, end).toString();
      charLoc = buf.subarray(starts[k]!, loc).toString().length;
    } else {
      raw = joined.slice(loc, end);
      charLoc = loc - starts[k]!;
    }
    out[k]!.push({ stmt: st.stmt as Node, raw, charLoc });
  }
  return out;
}
