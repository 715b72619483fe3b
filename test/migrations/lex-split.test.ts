import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseSqlMigration } from '../../src/migrations/sql-file.js';
import { lexSplit } from '../../src/migrations/lex-split.js';
import { splitStatements } from '../../src/migrations/split.js';

const texts = (s: string, engine: 'postgres' | 'sqlite' | 'duckdb') => lexSplit(s, engine)?.map((p) => p.text);

describe('lexical statement split', () => {
  it('splits at top-level semicolons and gives each statement its offset', () => {
    const s = 'create table a (x int);\n\n  create index a_x on a (x) ;\n-- trailing comment\n';
    const r = lexSplit(s, 'postgres')!;
    expect(r.map((p) => p.text)).toEqual(['create table a (x int)', 'create index a_x on a (x)']);
    for (const p of r) expect(s.slice(p.offset, p.offset + p.text.length)).toBe(p.text);
    expect(texts('-- only a comment\n/* and another */', 'sqlite')).toEqual([]);
  });

  it('answers a text read again from its memo as a fresh copy, per engine, also past the memo\'s bound', () => {
    const s = 'select 1; select 2';
    const a = lexSplit(s, 'postgres')!;
    a.pop(); // the caller's copy: changing it must not change the next answer
    expect(lexSplit(s, 'postgres')!.map((p) => p.text)).toEqual(['select 1', 'select 2']);
    // `$$` is a dollar quote on PostgreSQL only: the engines' answers are kept apart
    const d = 'select $$a;b$$; select 3';
    expect(texts(d, 'postgres')).toEqual(['select $$a;b$$', 'select 3']);
    expect(texts(d, 'sqlite')).toEqual(['select $$a', 'b$$', 'select 3']);
    expect(texts(d, 'postgres')).toEqual(['select $$a;b$$', 'select 3']);
    // texts larger than the bound together: the memo starts again, the answers stay right
    const big = `select '${'x'.repeat(9 * 1024 * 1024)}'; select 4`;
    for (let i = 0; i < 3; i++) expect(lexSplit(big + ' '.repeat(i), 'postgres')!.map((p) => p.text.length)).toEqual([9 * 1024 * 1024 + 9, 8]);
    expect(texts(s, 'postgres')).toEqual(['select 1', 'select 2']);
  });

  it('keeps semicolons inside strings, quoted identifiers and comments', () => {
    const s = `insert into t values ('a;b', 'it''s; here');\nselect "we;ird" from t -- not; a split\n;/* x; y */select 1`;
    // A statement ends at its last token: a comment before the `;` is not part of it.
    expect(texts(s, 'postgres')).toEqual([`insert into t values ('a;b', 'it''s; here')`, `select "we;ird" from t`, 'select 1']);
    expect(texts("select `a;b`, [c;d] from t; select 2", 'sqlite')).toEqual(['select `a;b`, [c;d] from t', 'select 2']);
    // PostgreSQL E'…' strings escape quotes with a backslash; plain strings do not.
    expect(texts(`select E'a\\';b'; select 'c\\'; select 3`, 'postgres')).toEqual([`select E'a\\';b'`, `select 'c\\'`, 'select 3']);
  });

  it('keeps PostgreSQL dollar-quoted bodies, nested comments and parenthesised rule actions whole', () => {
    const fn = `create function f() returns int language plpgsql as $body$ begin perform 1; return 2; end $body$`;
    expect(texts(`${fn};\nselect $$a;b$$;\nselect $1`, 'postgres')).toEqual([fn, 'select $$a;b$$', 'select $1']);
    expect(texts('/* outer /* inner; */ still; */ select 1; select 2', 'postgres')).toEqual(['select 1', 'select 2']);
    const rule = 'create rule r as on insert to t do also (insert into a values (1); insert into b values (2))';
    expect(texts(`${rule}; select 1`, 'postgres')).toEqual([rule, 'select 1']);
    // `a$b` is an identifier, not the start of a dollar quote.
    expect(texts('select a$b; select 2', 'postgres')).toEqual(['select a$b', 'select 2']);
  });

  it('keeps a SQLite trigger body whole, CASE … END inside it included', () => {
    const trg = `create temp trigger t_ai after insert on t begin\n  update c set n = n + 1;\n  update c set k = case when new.x > 0 then 1 else 0 end;\nend`;
    expect(texts(`${trg};\ninsert into t values (1);`, 'sqlite')).toEqual([trg, 'insert into t values (1)']);
  });

  it('gives up (undefined) where only a parser can tell, and splitStatements then uses the parser', async () => {
    expect(lexSplit("select 'unterminated; select 2", 'postgres')).toBeUndefined();
    expect(lexSplit('select 1 /* open comment', 'sqlite')).toBeUndefined();
    expect(lexSplit('select $x$ never closed', 'postgres')).toBeUndefined();
    const atomic = 'create function g() returns int language sql begin atomic select 1; select 2; end';
    expect(lexSplit(`${atomic}; select 3`, 'postgres')).toBeUndefined();
    expect(await splitStatements(`${atomic};\nselect 3`, 'postgres')).toEqual([atomic, 'select 3']);
  });

  it('agrees with the engines’ grammars on ordinary migration text', async () => {
    const cases: Array<[string, 'postgres' | 'sqlite']> = [
      ["create table users (id integer primary key, email text not null default 'x;y');\ncreate unique index users_email on users (email);\ninsert into users (email) values ('a@b'), ('c@d');", 'sqlite'],
      ['create table v (id bigserial primary key, tags text[] default \'{}\');\nalter table v add column n int check (n > 0);\ncomment on table v is \'venues; all of them\';', 'postgres'],
    ];
    for (const [text, engine] of cases) {
      const fast = texts(text, engine)!;
      expect(fast.length).toBeGreaterThan(1);
      const { parse } = await import('sql-parser-cst');
      const viaGrammar =
        engine === 'sqlite'
          ? parse(text, { dialect: 'sqlite', includeRange: true }).statements.filter((s) => s.type !== 'empty').map((s) => text.slice(s.range![0], s.range![1]).trim())
          : await pgStatements(text);
      expect(fast).toEqual(viaGrammar);
    }
  });
});

const PLATFORM = fileURLToPath(new URL('../../migrations', import.meta.url));

describe('lexical split on the platform migrations', () => {
  it('matches the grammars on every SQL section of migrations/ (functions, $$ bodies, triggers)', async () => {
    const { parse } = await import('sql-parser-cst');
    const norm = (a: string[]) => a.map((s) => s.replace(/--[^\n]*/g, '').replace(/\s+/g, ' ').trim()).filter(Boolean);
    let compared = 0;
    for (const f of readdirSync(PLATFORM).filter((n) => n.endsWith('.sql'))) {
      const engines = (['sqlite', 'duckdb', 'postgres'] as const).filter((e) => f.includes(`.${e}.`));
      const m = parseSqlMigration(readFileSync(`${PLATFORM}/${f}`, 'utf8'), f);
      for (const text of [m.up, m.down ?? '']) {
        if (!text) continue;
        for (const e of engines.length ? engines : (['postgres', 'sqlite'] as const)) {
          let ref: string[];
          try {
            ref = e === 'sqlite' ? parse(text, { dialect: 'sqlite', includeRange: true }).statements.filter((s) => s.type !== 'empty').map((s) => text.slice(s.range![0], s.range![1]).trim()) : await pgStatements(text);
          } catch {
            continue; // DuckDB-only syntax the PostgreSQL grammar does not read
          }
          const fast = lexSplit(text, e);
          expect(fast, `${f} on ${e}`).toBeDefined();
          expect(norm(fast!.map((p) => p.text)), `${f} on ${e}`).toEqual(norm(ref));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(30);
  });
});

async function pgStatements(text: string): Promise<string[]> {
  const m = await import('libpg-query');
  await m.loadModule();
  const buf = Buffer.from(text, 'utf8');
  return (m.parseSync(text).stmts ?? []).map((s: { stmt_location?: number; stmt_len?: number }) => {
    const start = s.stmt_location ?? 0;
    return buf.subarray(start, s.stmt_len ? start + s.stmt_len : undefined).toString('utf8').trim();
  });
}

describe('one splitter, strict or lenient (the risk analysis of text its grammar rejects)', () => {
  const lenient = (s: string, engine: 'postgres' | 'sqlite' | 'duckdb') => lexSplit(s, engine, { lenient: true }).map((p) => p.text);

  it('strict gives up where lenient still answers: unterminated quote, comment, dollar body run to the end', () => {
    expect(lexSplit("select 1; select 'a; select 2", 'postgres')).toBeUndefined();
    expect(lenient("select 1; select 'a; select 2", 'postgres')).toEqual(['select 1', "select 'a; select 2"]);
    expect(lexSplit('select 1; /* open; select 2', 'sqlite')).toBeUndefined();
    expect(lenient('select 1; /* open; select 2', 'sqlite')).toEqual(['select 1']);
    expect(lexSplit('select 1; select $f$ x; y', 'duckdb')).toBeUndefined();
    expect(lenient('select 1; select $f$ x; y', 'duckdb')).toEqual(['select 1', 'select $f$ x; y']);
    expect(lexSplit('create function f() returns int begin atomic select 1; end; select 2', 'postgres')).toBeUndefined();
    expect(lenient('create function f() returns int begin atomic select 1; end; select 2', 'postgres')).toEqual(['create function f() returns int begin atomic select 1', 'end', 'select 2']);
  });

  it('lenient: an unbalanced parenthesis does not swallow the statements after it; a comment before `;` stays', () => {
    const s = 'create table t (id int;\ncreate table u (id int);\nselect 1 -- why\n;';
    expect(lexSplit(s, 'postgres')!.map((p) => p.text)).toEqual([s]); // strict: all one unbalanced statement
    expect(lenient(s, 'postgres')).toEqual(['create table t (id int', 'create table u (id int)', 'select 1 -- why']);
  });

  it('strict lexing comes from the engine\'s syntax: SQLite trigger bodies and brackets, PostgreSQL dollar quotes', () => {
    const trg = 'create trigger t after insert on a begin update b set n = 1; end';
    expect(texts(`${trg}; select 2`, 'sqlite')).toEqual([trg, 'select 2']);
    expect(texts(`${trg}; select 2`, 'postgres')).toEqual(['create trigger t after insert on a begin update b set n = 1', 'end', 'select 2']);
    expect(texts('select $a$;$a$; select [x;y]', 'postgres')).toEqual(['select $a$;$a$', 'select [x', 'y]']);
    expect(texts('select $a$;$a$; select [x;y]', 'sqlite')).toEqual(['select $a$', '$a$', 'select [x;y]']);
  });

  it('lenient lexing is every engine\'s at once: a PostgreSQL function linted for SQLite is found whole and explained', async () => {
    const fn = 'CREATE FUNCTION f(p integer) RETURNS SETOF integer LANGUAGE sql AS $_$ SELECT id FROM t WHERE x = $1; $_$';
    const text = `CREATE TABLE t (id integer, x integer);\n${fn};\nCREATE TABLE [u;v] (id integer);\n`;
    expect(lenient(text, 'sqlite')).toEqual(['CREATE TABLE t (id integer, x integer)', fn, 'CREATE TABLE [u;v] (id integer)']);
    expect(lenient(text, 'postgres')).toEqual(lenient(text, 'sqlite'));
    const { analyseMigration, loadParsers, readSqlMigration } = await import('../../src/risk/index.js');
    await loadParsers(['postgres', 'sqlite']);
    const r = analyseMigration(readSqlMigration('0001_fn', text, 'fn.sql'), { engine: 'sqlite' });
    expect(r.statements).toBe(3);
    expect(r.findings.map((f) => `${f.rule}:${f.line}:${f.message}`)).toEqual(['unsupported-statement:2:SQLite has no stored functions: the migration fails on SQLite']);
  });
});

describe('lenient: a PostgreSQL trigger (no BEGIN body) ends at its `;`', () => {
  it('as the risk analysis read it before', () => {
    const s = 'CREATE TRIGGER a BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f();\nCREATE TRIGGER b BEFORE UPDATE ON u FOR EACH ROW EXECUTE FUNCTION f();';
    expect(lexSplit(s, 'sqlite', { lenient: true }).map((p) => p.text)).toEqual(s.split(';\n').map((x) => x.replace(/;$/, '')));
  });
});
