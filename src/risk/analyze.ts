import { readsSqliteGrammar, refusedSyntaxOf } from '../dialects/registry.js';
import type { parse as ParseCst } from 'sql-parser-cst';
import { Analysis, SchemaMemory, type Stmt } from './analysis.js';
import { maxLevel } from './levels.js';
import { DATA_ROWS, parsePgMany, type PgParsed } from './pg-batch.js';
import { loadPgQuery, pgQuery } from './pg-query.js';
import { DUCKDB_UNSUPPORTED_ADVICE, pgStatement } from './postgres-rules.js';
import { BULK_DATA, BULK_DATA_CHARS, bulkData, pgDataInsert } from './data-rows.js';
import { sqliteStatement } from './sqlite-rules.js';
export { isDataInsert } from './data-rows.js';
import { lexSplit } from '../migrations/lex-split.js';
import { LineCounter, skipTrivia } from './statements.js';
import type { Direction, Finding, MigrationInput, MigrationRisk, RiskContext } from './types.js';

let loaded: Promise<unknown> | undefined;
let parseCst: typeof ParseCst | undefined;
let loadedCst: Promise<void> | undefined;
let sqliteSyntax: ((sql: string) => string | undefined) | undefined;

/**
 * Loads the parsers: PostgreSQL's (WASM, also read for DuckDB and to explain SQLite refusals) and,
 * when SQLite is among `engines` (default: all), the SQLite grammar. Call before analysing.
 */
export function loadParsers(engines: readonly string[] = ['postgres', 'sqlite', 'duckdb']): Promise<unknown> {
  loaded ??= loadPgQuery();
  if (engines.includes('sqlite')) {
    loadedCst ??= Promise.all([import('sql-parser-cst'), import('../dialects/sqlite/syntax.js')]).then(([m, x]) => {
      parseCst = m.parse;
      sqliteSyntax = x.sqliteSyntaxError;
    });
  }
  return Promise.all([loaded, loadedCst]);
}

function cst(): typeof ParseCst {
  if (!parseCst) throw new Error('the SQLite parser is not loaded: call loadParsers() first');
  return parseCst;
}

type Node = Record<string, any>;

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}

/**
 * Walks PostgreSQL/DuckDB text: whole-text parse (or its statements from a parse of many texts at
 * once, `pre`: parsePgMany), or statement by statement when it fails.
 */
function walkPg(a: Analysis, text: string, line0: number, pre?: readonly PgParsed[]): void {
  if (pre === DATA_ROWS) {
    a.statements++;
    return;
  }
  if (skipTrivia(text) >= text.length) return;
  const lines = new LineCounter(text, line0);
  // A text holding a bulk of data rows (a dump's): split lexically, the rows counted, the rest parsed
  // in groups (parsePgMany), each statement walked as a text of its own.
  if (!pre && text.length > BULK_DATA * 20) {
    const pieces = lexSplit(text, a.engine);
    const texts = pieces?.map((p) => p.text);
    const data = texts && bulkData(texts, pgDataInsert);
    if (pieces && texts && data) {
      const parsed = parsePgMany(texts, a.engine, undefined, data);
      pieces.forEach((p, i) => walkPg(a, p.text, lines.at(p.offset), parsed[i]));
      return;
    }
  }
  if (pre) {
    for (const { stmt, raw, charLoc } of pre) {
      const lead = skipTrivia(raw);
      const s: Stmt = { text: raw.slice(lead).trim(), line: lines.at(charLoc + lead) };
      a.statements++;
      pgStatement(a, stmt, s);
      a.seen(s);
    }
    return;
  }
  let stmts: Node[] | undefined;
  try {
    stmts = pgQuery().parseSync(text).stmts ?? [];
  } catch {
    stmts = undefined;
  }
  if (stmts) {
    const ascii = Buffer.byteLength(text) === text.length;
    const buf = ascii ? undefined : Buffer.from(text);
    for (const st of stmts) {
      const loc = (st.stmt_location as number | undefined) ?? 0;
      const len = (st.stmt_len as number | undefined) ?? 0;
      let raw: string;
      let charLoc: number;
      if (buf) {
        raw = buf.subarray(loc, len ? loc + len : undefined).toString();
        charLoc = buf.subarray(0, loc).toString().length;
      } else {
        raw = len ? text.slice(loc, loc + len) : text.slice(loc);
        charLoc = loc;
      }
      const lead = skipTrivia(raw);
      const s: Stmt = { text: raw.slice(lead).trim(), line: lines.at(charLoc + lead) };
      a.statements++;
      pgStatement(a, st.stmt as Node, s);
      a.seen(s);
    }
    return;
  }
  for (const piece of lexSplit(text, a.engine, { lenient: true })) {
    const s: Stmt = { text: piece.text, line: lines.at(piece.offset) };
    a.statements++;
    let parsed: Node[] | undefined;
    try {
      parsed = pgQuery().parseSync(piece.text).stmts ?? [];
    } catch (e) {
      // DuckDB is read with a grammar not its own: a statement it does not read is unanalysed, not wrong.
      // Unless DuckDB is known to refuse it too (SQLite's triggers and virtual tables).
      if (a.engine === 'duckdb') {
        const refused = refusedSyntaxOf(a.engine, piece.text);
        if (refused) a.emit('unsupported-statement', 'critical', s, `${refused}: the migration fails on DuckDB`, DUCKDB_UNSUPPORTED_ADVICE);
        else a.emit('not-analysed', 'low', s, `the PostgreSQL grammar does not read this DuckDB statement (${firstLine(e)}): not analysed`, 'review it by hand; accept with `-- eventdb:risk-accepted not-analysed "reason"` once reviewed');
      } else {
        a.emit('unparsable-statement', 'high', s, `does not parse as PostgreSQL: ${firstLine(e)}`, 'fix the syntax; run `eventdb migrate up --dry-run` to see the server\'s own error');
      }
      a.seen(s);
      continue;
    }
    for (const st of parsed) pgStatement(a, st.stmt as Node, s);
    a.seen(s);
  }
}

const SQLITE_CANNOT: Record<string, (n: Node) => string | undefined> = {
  AlterTableStmt: (n) => {
    const sub = (n.cmds ?? []).map((c: Node) => c.AlterTableCmd?.subtype as string);
    if (sub.some((x: string) => x === 'AT_AddConstraint' || x === 'AT_DropConstraint' || x === 'AT_ValidateConstraint')) return 'SQLite cannot add, drop or validate constraints on an existing table';
    if (sub.some((x: string) => /^AT_(AlterColumnType|SetNotNull|DropNotNull|ColumnDefault)/.test(x))) return 'SQLite has no ALTER COLUMN (type, default and NOT NULL changes need a table rebuild)';
    return 'SQLite does not support this ALTER TABLE form';
  },
  IndexStmt: (n) => (n.concurrent ? 'SQLite has no CREATE INDEX CONCURRENTLY' : 'SQLite does not support this CREATE INDEX form (index method or options)'),
  TruncateStmt: () => 'SQLite has no TRUNCATE (use DELETE FROM)',
  CreateSchemaStmt: () => 'SQLite has no schemas (use ATTACH DATABASE)',
  CreateExtensionStmt: () => 'SQLite has no extensions via SQL',
  CreateFunctionStmt: () => 'SQLite has no stored functions',
  CreatePolicyStmt: () => 'SQLite has no row-level security',
  DropStmt: (n) => (n.concurrent ? 'SQLite has no DROP INDEX CONCURRENTLY' : n.removeType === 'OBJECT_SCHEMA' ? 'SQLite has no schemas' : undefined),
};

function sqliteParseError(a: Analysis, s: Stmt, e: unknown): void {
  // SQLite itself is the judge of what is valid SQLite: a statement it accepts is never refused here.
  if (sqliteSyntax && sqliteSyntax(s.text) === undefined) {
    a.emit('not-analysed', 'low', s, `valid SQLite that eventdb's SQLite grammar does not read (${firstLine(e).replace(/^Syntax Error: /, '')}): not analysed`, 'review it by hand; accept with `-- eventdb:risk-accepted not-analysed "reason"` once reviewed');
    return;
  }
  let pg: Node | undefined;
  try {
    pg = pgQuery().parseSync(s.text).stmts?.[0]?.stmt as Node | undefined;
  } catch {
    pg = undefined;
  }
  const kind = pg ? Object.keys(pg)[0]! : '';
  const why = pg ? (SQLITE_CANNOT[kind]?.(pg[kind] as Node) ?? 'SQLite does not support this PostgreSQL syntax') : undefined;
  if (why) a.emit('unsupported-statement', 'critical', s, `${why}: the migration fails on SQLite`, 'give SQLite its own variant file (x.sqlite.sql): rebuild the table (CREATE new, INSERT … SELECT, DROP, RENAME) or drop the statement there');
  else a.emit('unparsable-statement', 'high', s, `does not parse as SQLite: ${firstLine(e).replace(/^Syntax Error: /, '')}`, 'fix the syntax; run `eventdb migrate up --dry-run` to see SQLite\'s own error');
}

// SQLite's own parameter forms: TS migrations are analysed on the SQL Kysely compiles, with `?` placeholders.
const SQLITE_OPTS = { dialect: 'sqlite' as const, includeRange: true as const, paramTypes: ['?', '?nr', ':name', '@name', '$name'] as Array<'?' | '?nr' | ':name' | '@name' | '$name'> };

/**
 * SQLite keywords that SQLite's own grammar also takes as identifiers (its `%fallback ID` and `nm`
 * rules: `groups`, `match`, `left` …) but sql-parser-cst reserves.
 */
const SQLITE_SOFT_KEYWORDS = new Set(
  ('abort action after analyze asc attach before begin by cascade cast column conflict database deferred desc detach do each end exclusive explain fail for ignore immediate initially instead '
    + 'like glob regexp match no plan query key of offset pragma raise recursive release replace restrict row rows savepoint temp temporary trigger vacuum view virtual with without nulls first last '
    + 'current following partition preceding range unbounded exclude groups others ties generated always materialized reindex rename current_time current_date current_timestamp if indexed window over filter '
    + 'left right full inner outer cross natural').split(' '),
);

function errorOffset(text: string, e: unknown): number | undefined {
  const m = /:(\d+):(\d+)\n/.exec(e instanceof Error ? e.message : '');
  if (!m) return undefined;
  let off = 0;
  for (let l = 1; l < Number(m[1]); l++) {
    const nl = text.indexOf('\n', off);
    if (nl < 0) return undefined;
    off = nl + 1;
  }
  return off + Number(m[2]) - 1;
}

/**
 * sql-parser-cst, made to read what SQLite reads: where it stops at a keyword SQLite takes as a name
 * (CREATE TABLE groups …) or at a single-quoted table name (CREATE TABLE 'x' …, which SQLite reads as
 * an identifier), that token is double-quoted and the text parsed again; at AUTOINCREMENT inside a
 * table's PRIMARY KEY (…), the word is blanked. Ranges are of the original text.
 */
function parseSqlite(text: string): Node[] {
  let cur = text;
  /** Offsets (in `cur`) where two characters were inserted. */
  const inserts: number[] = [];
  for (let attempt = 0; ; attempt++) {
    try {
      const stmts = (cst()(cur, SQLITE_OPTS) as Node).statements as Node[];
      if (inserts.length) {
        const back = (x: number) => x - 2 * inserts.filter((p) => p < x).length;
        for (const st of stmts) st.range = (st.range as [number, number]).map(back);
      }
      return stmts;
    } catch (e) {
      let at = attempt < 50 ? errorOffset(cur, e) : undefined;
      if (at === undefined) throw e;
      let word = /^[A-Za-z_]+/.exec(cur.slice(at, at + 40))?.[0];
      if (!word || !SQLITE_SOFT_KEYWORDS.has(word.toLowerCase())) {
        // An operator keyword taken as a name stops the parser one token later: `ON t (glob)`, `FROM like a`.
        const prev = /([A-Za-z_]+)\s*$/.exec(cur.slice(Math.max(0, at - 40), at));
        if (prev && SQLITE_SOFT_KEYWORDS.has(prev[1]!.toLowerCase())) {
          word = prev[1]!;
          at -= prev[0].length;
        }
      }
      if (word?.toUpperCase() === 'AUTOINCREMENT' && /\bPRIMARY\s+KEY\s*\([^()]*$/i.test(cur.slice(Math.max(0, at - 400), at))) {
        // A table constraint `PRIMARY KEY ("id" AUTOINCREMENT)` (DB Browser for SQLite writes it; SQLite
        // takes it, sql-parser-cst does not): the word is blanked. Only sqlite_sequence's use differs,
        // which no rule reads; the offsets stay.
        cur = `${cur.slice(0, at)}${' '.repeat(word.length)}${cur.slice(at + word.length)}`;
      } else if (cur[at] === "'") {
        const close = cur.indexOf("'", at + 1);
        if (close < 0 || cur.slice(at + 1, close).includes('"')) throw e;
        cur = `${cur.slice(0, at)}"${cur.slice(at + 1, close)}"${cur.slice(close + 1)}`;
      } else if (word && SQLITE_SOFT_KEYWORDS.has(word.toLowerCase()) && !/[A-Za-z0-9_"]/.test(cur[at - 1] ?? '')) {
        cur = `${cur.slice(0, at)}"${word}"${cur.slice(at + word.length)}`;
        for (let i = 0; i < inserts.length; i++) if (inserts[i]! > at) inserts[i]! += 2;
        inserts.push(at);
      } else throw e;
    }
  }
}

/** A statement text's parse, taken from a parse of many texts at once: ranges are `base` ahead. */
export interface Preparsed {
  stmts: Node[];
  base: number;
  /** A plain data INSERT among a bulk of them (bulkData): counted, not parsed. */
  data?: boolean;
}

/** Between texts parsed together: a newline ends a trailing `--` comment, `;` ends the statement. */
const JOIN = '\n;\n';

/**
 * Parses many SQLite statement texts with ONE call of the grammar (sql-parser-cst spends most of a
 * small parse in per-call setup: 1000 two-statement migrations take ~1 s one by one, ~0.15 s
 * together) and hands each text its own statements. The result is what parsing each text alone
 * gives, so it is used only when that is certain: every text is lexically complete by SQLite's
 * rules (no unterminated string, identifier or comment that could run into the next text — checked
 * with the lexical splitter), the whole parses, and no statement spans two texts. Otherwise
 * undefined, and the caller parses text by text as before.
 */
export function parseSqliteMany(texts: readonly string[]): Preparsed[] | undefined {
  if (texts.length < 2) return undefined;
  // A bulk of plain data INSERTs (a dump's rows, one statement each) is counted, not parsed: marked
  // here and left out of the joined text (no stretch of it: no statement can fall into one).
  const data = bulkData(texts);
  const starts: number[] = [];
  let joined = '';
  for (let i = 0; i < texts.length; i++) {
    starts.push(joined.length);
    if (data?.[i]) continue;
    const t = texts[i]!;
    if (!lexSplit(t, 'sqlite')) return undefined;
    joined += t + JOIN;
  }
  let all: Node[];
  try {
    all = (cst()(joined, SQLITE_OPTS) as Node).statements as Node[];
  } catch {
    return undefined;
  }
  const out: Preparsed[] = starts.map((base, i) => ({ stmts: [], base, data: !!data?.[i] }));
  const lengthOf = (i: number) => (data?.[i] ? 0 : texts[i]!.length);
  let k = 0;
  for (const st of all) {
    if (st.type === 'empty') continue;
    const [from, to0] = st.range as [number, number];
    while (k < texts.length && from >= starts[k]! + lengthOf(k)) k++;
    if (k >= texts.length || from < starts[k]!) return undefined;
    // A range may end past trailing whitespace (sql-parser-cst does so for a bare VACUUM): clamp it.
    const end = starts[k]! + lengthOf(k);
    const to = to0 > end && !/\S/.test(joined.slice(end, to0)) ? end : to0;
    if (to > end) return undefined;
    st.range = [from, to];
    out[k]!.stmts.push(st);
  }
  return out;
}

/**
 * parseSqliteMany over groups of texts: a group that cannot be parsed together (a text the grammar
 * rejects) leaves its texts undefined, to be parsed one by one; the other groups keep the one-call path.
 */
export function parseSqliteBatches(texts: readonly string[], group = 64): Array<Preparsed | undefined> {
  const out: Array<Preparsed | undefined> = [];
  for (let i = 0; i < texts.length; i += group) {
    // A text of BULK_DATA_CHARS or more is left to be parsed on its own, where a bulk of data rows in
    // it is counted, not parsed (sqlitePieces); for a text that long one call more costs nothing.
    const part = texts.slice(i, i + group).map((t) => (t.length >= BULK_DATA_CHARS ? '' : t));
    const pre = part.length > 1 ? parseSqliteMany(part) : undefined;
    for (let k = 0; k < part.length; k++) out.push(part[k] === '' && texts[i + k] !== '' ? undefined : pre?.[k]);
  }
  return out;
}

/**
 * A piece of a SQLite text to analyse: its statements already parsed (`pre`), a plain data INSERT
 * that is only counted (`data`), or neither — parsed on its own, and reported when it does not parse.
 */
interface SqlitePiece {
  text: string;
  offset: number;
  pre?: Preparsed;
  data?: boolean;
}

/**
 * Analyses a SQLite text: parsed whole when it parses (or was parsed with others, `pre`); a bulk of
 * data INSERTs split lexically, the INSERTs counted and the rest parsed together; a text the grammar
 * rejects split leniently, statement by statement, so the statements around a broken one are still read.
 */
function walkSqlite(a: Analysis, text: string, line0: number, pre?: Preparsed): void {
  if (skipTrivia(text) >= text.length) return;
  visitSqlite(a, new LineCounter(text, line0), sqlitePieces(text, pre));
}

function sqlitePieces(text: string, pre?: Preparsed): SqlitePiece[] {
  if (pre) return [pre.data ? { text, offset: 0, pre: undefined, data: true } : { text, offset: 0, pre, data: false }];
  if (text.length > BULK_DATA * 20) {
    const pieces = lexSplit(text, 'sqlite');
    if (pieces) {
      const data = bulkData(pieces.map((p) => p.text));
      if (data) {
        const others = pieces.filter((_, i) => !data[i]);
        const parsed = parseSqliteBatches(others.map((p) => p.text), 256);
        let k = 0;
        // One object shape for every piece (no spread): a dump has tens of thousands of them.
        return pieces.map((p, i) => ({ text: p.text, offset: p.offset, pre: data[i] ? undefined : parsed[k++], data: data[i]! }));
      }
    }
  }
  try {
    return [{ text, offset: 0, pre: { stmts: parseSqlite(text), base: 0 }, data: false }];
  } catch {
    return lexSplit(text, 'sqlite', { lenient: true });
  }
}

/** The one SQLite statement loop: every piece's statements through the rules, in order. */
function visitSqlite(a: Analysis, lines: LineCounter, pieces: readonly SqlitePiece[]): void {
  for (const piece of pieces) {
    if (piece.data) {
      a.statements++;
      continue;
    }
    if (piece.pre) {
      const { stmts, base } = piece.pre;
      for (const st of stmts) {
        if (st.type === 'empty') continue;
        const [from, to] = (st.range as [number, number]).map((x) => x - base) as [number, number];
        a.statements++;
        const s: Stmt = { text: piece.text.slice(from, to).trim(), line: lines.at(piece.offset + from) };
        sqliteStatement(a, st, s);
        a.seen(s);
      }
      continue;
    }
    // A piece parsed on its own is one statement, named by the piece's text and line.
    const s: Stmt = { text: piece.text, line: lines.at(piece.offset) };
    a.statements++;
    try {
      for (const st of parseSqlite(piece.text)) if (st.type !== 'empty') sqliteStatement(a, st, s);
    } catch (e) {
      sqliteParseError(a, s, e);
    }
    a.seen(s);
  }
}

function walk(a: Analysis, text: string, line0: number, pre?: Preparsed): void {
  if (readsSqliteGrammar(a.engine)) walkSqlite(a, text, line0, pre);
  else walkPg(a, text, line0);
  a.finish();
}

export interface AnalyseOptions {
  /** Schema learned from earlier migrations of the same run (lint passes one through all files). */
  memory?: SchemaMemory;
}

/** SQLite: the up and down texts' statements from a parse of many texts at once (parseSqliteBatches). */
export interface PreparsedMigration {
  up?: Preparsed;
  down?: Preparsed;
}

/**
 * Analyses one migration's `up` and `down` SQL. Needs `loadParsers()` first. Never throws on bad SQL:
 * an unparsable statement is a finding.
 */
export function analyseMigration(m: MigrationInput, ctx: RiskContext, opts: AnalyseOptions & { preparsed?: PreparsedMigration } = {}): MigrationRisk {
  const memory = opts.memory ?? SchemaMemory.fromContext(ctx);
  const transactional = m.transactional ?? true;
  const up = new Analysis(ctx, memory, m.id, m.file, 'up', transactional);
  walk(up, m.up, m.upLine ?? 1, opts.preparsed?.up);
  const findings: Finding[] = [...up.findings];
  let statements = up.statements;
  if (m.down !== undefined) {
    // The down runs against the schema after up; learning from it must not leak into later migrations.
    const createdByUp = new Set<string>([...up.created, ...up.added]);
    const down = new Analysis(ctx, cloneMemory(memory), m.id, m.file, 'down', transactional, createdByUp);
    walk(down, m.down, m.downLine ?? 1, opts.preparsed?.down);
    findings.push(...down.findings.filter((f) => f.rule !== 'fk-without-index'));
    statements += down.statements;
  }
  return summarise(m, ctx, findings, statements);
}

function cloneMemory(m: SchemaMemory): SchemaMemory {
  const c = new SchemaMemory();
  for (const [t, cols] of m.columns) c.columns.set(t, new Map(cols));
  for (const [t, idx] of m.indexes) c.indexes.set(t, idx.map((x) => [...x]));
  for (const [k, v] of m.checks) c.checks.set(k, v);
  for (const k of m.notNullProven) c.notNullProven.add(k);
  for (const [k, v] of m.generated) c.generated.set(k, v);
  for (const [k, v] of m.functions) c.functions.set(k, v);
  if (m.planCreated) c.planCreated = new Set(m.planCreated);
  for (const [k, v] of m.liveNames) c.liveNames.set(k, v);
  for (const [k, v] of m.indexColumns) c.indexColumns.set(k, [...v]);
  c.history = m.history;
  return c;
}

/** Analyses bare SQL statements in one direction (used for TS migrations' captured SQL and the gate). */
export function analyseStatements(id: string, statements: string[], direction: Direction, ctx: RiskContext, opts: AnalyseOptions & { file?: string; transactional?: boolean; accepted?: Record<string, string>; preparsed?: Preparsed[]; /** PostgreSQL/DuckDB: each statement's parse from parsePgMany (undefined: parse it here). */ pgPreparsed?: ReadonlyArray<readonly PgParsed[] | undefined>; /** 1-based line of each statement in its file. */ lines?: readonly number[] } = {}): MigrationRisk {
  const memory = opts.memory ?? SchemaMemory.fromContext(ctx);
  const a = new Analysis(ctx, memory, id, opts.file, direction, opts.transactional ?? true);
  const pre = readsSqliteGrammar(ctx.engine) ? (opts.preparsed ?? parseSqliteMany(statements)) : undefined;
  const pgPre = readsSqliteGrammar(ctx.engine) ? undefined : (opts.pgPreparsed ?? parsePgMany(statements, ctx.engine));
  for (let i = 0; i < statements.length; i++) {
    const sql = statements[i]!;
    const line = opts.lines?.[i] ?? 1;
    if (readsSqliteGrammar(ctx.engine)) walkSqlite(a, sql, line, pre?.[i]);
    else walkPg(a, sql, line, pgPre?.[i]);
  }
  a.finish();
  return summarise({ id, file: opts.file, up: '', accepted: opts.accepted }, ctx, a.findings, a.statements);
}

function summarise(m: MigrationInput, ctx: RiskContext, findings: Finding[], statements: number): MigrationRisk {
  const accepted = m.accepted ?? {};
  findings.sort((x, y) => (x.direction === y.direction ? x.line - y.line : x.direction === 'up' ? -1 : 1));
  for (const f of findings) if (accepted[f.rule] !== undefined) f.accepted = { reason: accepted[f.rule]! };
  return {
    migration: m.id,
    ...(m.file ? { file: m.file } : {}),
    engine: ctx.engine,
    level: maxLevel(findings.map((f) => f.level)),
    effectiveLevel: maxLevel(findings.filter((f) => !f.accepted).map((f) => f.level)),
    findings,
    accepted,
    statements,
  };
}
