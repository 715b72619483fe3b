import { parse } from 'sql-parser-cst';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSqliteMany } from '../../src/risk/analyze.js';
import { SchemaMemory, analyseStatements, loadParsers, readSqlMigration, type MigrationRisk } from '../../src/risk/index.js';
import { splitStatements } from '../../src/migrations/split.js';
import { contextFor, loadCorpus } from './corpus-cases.js';

// The gate parses a whole SQLite plan with one call of the grammar (parseSqliteMany). Its findings
// must be exactly those of parsing statement by statement (`preparsed: []` forces that path).
const sqliteCases = loadCorpus().filter((c) => c.engine === 'sqlite');

const parsesAlone = (t: string) => {
  try {
    parse(t, { dialect: 'sqlite' });
    return true;
  } catch {
    return false;
  }
};
const view = (r: MigrationRisk) => ({ level: r.level, statements: r.statements, findings: r.findings.map((f) => ({ ...f })) });

describe('risk: SQLite statements parsed together', () => {
  beforeAll(() => loadParsers(['sqlite']));

  it('the corpus has SQLite cases to compare', () => {
    expect(sqliteCases.length).toBeGreaterThan(20);
  });

  it('gives every corpus case the findings of statement-by-statement parsing', async () => {
    let batched = 0;
    let eligible = 0;
    for (const c of sqliteCases) {
      const stmts = await splitStatements(readSqlMigration('0001_case', c.sql).up, 'sqlite');
      const ctx = contextFor(c);
      const one = analyseStatements('0001_case', stmts, 'up', ctx, { memory: new SchemaMemory(), preparsed: [] });
      const pre = parseSqliteMany(stmts);
      if (pre) batched++;
      if (stmts.length >= 2 && stmts.every(parsesAlone)) eligible++;
      const many = analyseStatements('0001_case', stmts, 'up', ctx, { memory: new SchemaMemory(), preparsed: pre });
      expect(view(many), c.name).toEqual(view(one));
    }
    // Every case whose statements each parse (two or more of them) went through the one-call path.
    expect(eligible).toBeGreaterThan(3);
    expect(batched).toBe(eligible);
  });

  it('one parse for a whole plan of corpus migrations gives each migration its own findings, schema memory shared', async () => {
    const plan = [];
    for (const c of sqliteCases) {
      const stmts = await splitStatements(readSqlMigration(c.name, c.sql).up, 'sqlite');
      if (stmts.every(parsesAlone)) plan.push({ c, stmts });
    }
    expect(plan.length).toBeGreaterThan(10);
    const all = plan.flatMap((p) => p.stmts);
    const pre = parseSqliteMany(all);
    expect(pre).toBeDefined();
    expect(pre!.length).toBe(all.length);
    const memA = new SchemaMemory();
    const memB = new SchemaMemory();
    let next = 0;
    for (const { c, stmts } of plan) {
      const ctx = contextFor(c);
      const one = analyseStatements(c.name, stmts, 'up', ctx, { memory: memA, preparsed: [] });
      const many = analyseStatements(c.name, stmts, 'up', ctx, { memory: memB, preparsed: pre!.slice(next, (next += stmts.length)) });
      expect(view(many), c.name).toEqual(view(one));
    }
    expect(memB.columns).toEqual(memA.columns);
    expect(memB.indexes).toEqual(memA.indexes);
  });

  it('hands each text its own statements (several in one text, comment-only texts)', () => {
    const pre = parseSqliteMany(['create table a (x text); create index a_x on a (x)', '-- only a comment', 'drop table b -- trailing comment']);
    expect(pre?.map((p) => p.stmts.map((s) => s.type))).toEqual([['create_table_stmt', 'create_index_stmt'], [], ['drop_table_stmt']]);
  });

  it('refuses (undefined) when a text could run into the next or the whole does not parse', () => {
    // An unterminated string or comment would swallow the separator and the next statement.
    expect(parseSqliteMany(["select 'abc", "select 'x'"])).toBeUndefined();
    expect(parseSqliteMany(['select 1 /* open', 'select 2 */ select 3'])).toBeUndefined();
    // One bad statement: the caller parses text by text, so the others are still analysed.
    expect(parseSqliteMany(['create table a (x text)', 'create tabel b (y text)'])).toBeUndefined();
    // A trigger body missing its END must not borrow the next text's.
    expect(parseSqliteMany(['create trigger t after insert on a begin delete from b', 'select 1; end'])).toBeUndefined();
  });

  it('an unparsable statement in a plan is still reported with the others analysed', () => {
    const r = analyseStatements('m', ['create table a (x text)', 'create tabel b (y text)', 'drop table c'], 'up', { engine: 'sqlite' });
    expect(r.findings.map((f) => f.rule).sort()).toEqual(['loss-drop-table', 'unparsable-statement']);
    expect(r.statements).toBe(3);
  });
});
