import type { Engine } from '../config/index.js';
import { readsSqliteGrammar } from '../dialects/registry.js';
import { lexSplit, type ScriptPiece } from './lex-split.js';
import { loadPgQuery } from '../risk/pg-query.js';

/**
 * Splits a SQL script into the statements the engine will run. First with the engine's lexical
 * rules in one pass (lexSplit: strings, quoted identifiers, dollar quotes, comments, parentheses,
 * SQLite trigger bodies) — as SQLite's own `sqlite3_complete()` and psql find statement ends; when
 * that cannot be sure (unterminated quote or comment, `BEGIN ATOMIC`), with real parsers:
 * libpg-query (PostgreSQL's own parser) for PostgreSQL and DuckDB, falling back to its scanner for
 * text the PostgreSQL grammar rejects; sql-parser-cst for SQLite, falling back to the same scanner
 * (keeping CREATE TRIGGER … END whole).
 */
export async function splitStatements(text: string, engine: Engine): Promise<string[]> {
  return (await splitScript(text, engine)).map((p) => p.text);
}

/** As splitStatements, with each statement's offset in the script. */
export async function splitScript(text: string, engine: Engine): Promise<ScriptPiece[]> {
  const key = `${engine}\0${text}`;
  let hit = memo.get(key);
  if (!hit) {
    const fast = lexSplit(text, engine);
    hit = fast ? Promise.resolve(fast) : split(text, engine).then((list) => withOffsets(text, list));
    if (memo.size > 5000) memo.clear();
    memo.set(key, hit);
  }
  return [...(await hit)];
}

function withOffsets(text: string, list: string[]): ScriptPiece[] {
  let from = 0;
  return list.map((s) => {
    const at = text.indexOf(s, from);
    if (at >= 0) from = at + s.length;
    return { text: s, offset: Math.max(0, at) };
  });
}

const memo = new Map<string, Promise<ScriptPiece[]>>();

async function split(text: string, engine: Engine): Promise<string[]> {
  if (!/\S/.test(stripComments(text))) return [];
  if (readsSqliteGrammar(engine)) {
    const viaCst = await splitSqlite(text);
    if (viaCst) return viaCst;
    return joinTriggers(await scanSplit(text));
  }
  const parsed = await parseSplit(text);
  return parsed ?? scanSplit(text);
}

type PgQuery = typeof import('libpg-query');
let pgq: Promise<PgQuery> | undefined;
async function libpg(): Promise<PgQuery> {
  pgq ??= loadPgQuery(); // the one loader of libpg-query (its WASM compiled once, baseline only)
  return pgq;
}

/** libpg-query reports byte offsets in UTF-8. */
function sliceBytes(buf: Buffer, start: number, end?: number): string {
  return buf.subarray(start, end).toString('utf8').trim();
}

async function parseSplit(text: string): Promise<string[] | undefined> {
  const m = await libpg();
  let result: ReturnType<PgQuery['parseSync']>;
  try {
    result = m.parseSync(text);
  } catch {
    return undefined;
  }
  const buf = Buffer.from(text, 'utf8');
  const out: string[] = [];
  for (const s of result.stmts ?? []) {
    const start = s.stmt_location ?? 0;
    const piece = sliceBytes(buf, start, s.stmt_len ? start + s.stmt_len : undefined).replace(/;\s*$/, '');
    if (/\S/.test(stripComments(piece))) out.push(piece);
  }
  return out;
}

/** Splits at top-level `;` tokens as PostgreSQL's scanner sees them. */
async function scanSplit(text: string): Promise<string[]> {
  const m = await libpg();
  let tokens: ReturnType<PgQuery['scanSync']>['tokens'];
  try {
    tokens = m.scanSync(text).tokens;
  } catch {
    return [text.trim()];
  }
  const buf = Buffer.from(text, 'utf8');
  const out: string[] = [];
  let depth = 0;
  let first = -1;
  let last = -1;
  const flush = () => {
    if (first >= 0) out.push(sliceBytes(buf, first, last));
    first = -1;
  };
  for (const t of tokens) {
    if (t.text === '(') depth++;
    else if (t.text === ')') depth = Math.max(0, depth - 1);
    if (t.text === ';' && depth === 0) {
      flush();
      continue;
    }
    if (first < 0) first = t.start;
    last = t.end;
  }
  flush();
  return out.filter((s) => s.length > 0);
}

/** After a scanner split, glue `CREATE TRIGGER … BEGIN … END` back together (SQLite trigger bodies). */
function joinTriggers(parts: string[]): string[] {
  const out: string[] = [];
  let open: string[] | undefined;
  for (const p of parts) {
    if (open) {
      open.push(p);
      if (/^end$/i.test(p.trim()) || /\bend$/i.test(p.trim())) {
        out.push(`${open.join(';\n')}`);
        open = undefined;
      }
      continue;
    }
    if (/^create\s+(temp\s+|temporary\s+)?trigger\b/i.test(p) && /\bbegin\b/i.test(p) && !/\bend$/i.test(p.trim())) open = [p];
    else out.push(p);
  }
  if (open) out.push(open.join(';\n'));
  return out;
}

type Cst = typeof import('sql-parser-cst');
let cst: Promise<Cst> | undefined;
async function splitSqlite(text: string): Promise<string[] | undefined> {
  cst ??= import('sql-parser-cst');
  const m = await cst;
  try {
    const program = m.parse(text, { dialect: 'sqlite', includeRange: true });
    const out: string[] = [];
    for (const s of program.statements) {
      if (s.type === 'empty' || !s.range) continue;
      out.push(text.slice(s.range[0], s.range[1]).trim());
    }
    return out;
  } catch {
    return undefined;
  }
}

/** Removes `--` and `/* *\/` comments — only to tell whether any SQL is left (never to execute). */
export function stripComments(text: string): string {
  return text.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
}
