import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseSync } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/config/url.js';
import { parsePgMany } from '../../src/risk/pg-batch.js';
import { SchemaMemory, analyseStatements, loadParsers, readSqlMigration, type MigrationRisk, type RiskContext } from '../../src/risk/index.js';
import { splitStatements } from '../../src/migrations/split.js';
import { contextFor, loadCorpus } from './corpus-cases.js';

// The gate parses a PostgreSQL/DuckDB plan's statements a group at a time (parsePgMany) instead of one
// libpg-query call each. Its findings must be exactly those of parsing statement by statement
// (`pgPreparsed` of undefined entries forces that path), over the whole risk corpus: the corpus cases,
// the squawk rule cases, and the vendored histories and schemas of the conformance fixtures.
const root = fileURLToPath(new URL('../../', import.meta.url));
const parsesAlone = (t: string) => {
  try {
    parseSync(t);
    return true;
  } catch {
    return false;
  }
};
const view = (r: MigrationRisk) => ({ level: r.level, statements: r.statements, findings: r.findings.map((f) => ({ ...f })) });

interface Text {
  name: string;
  sql: string;
  ctx: RiskContext;
}

function fixtureTexts(dir: string, engine: Engine): Text[] {
  const abs = `${root}test/fixtures/${dir}`;
  return readdirSync(abs)
    .filter((f) => f.endsWith('.sql') && !/\.(sqlite3?|mysql|cockroach)\./.test(f))
    .sort()
    .map((f) => ({ name: `${dir}/${f}`, sql: readFileSync(`${abs}/${f}`, 'utf8'), ctx: { engine } }));
}

function corpusTexts(): Text[] {
  const cases: Text[] = loadCorpus()
    .filter((c) => c.engine !== 'sqlite')
    .flatMap((c) => [...(c.before ? [{ name: `${c.name} (before)`, sql: readSqlMigration('0000', c.before).up, ctx: contextFor(c) }] : []), { name: c.name, sql: readSqlMigration('0001', c.sql).up, ctx: contextFor(c) }]);
  const squawk = JSON.parse(readFileSync(`${root}test/fixtures/squawk-rules/cases.json`, 'utf8')) as Array<{ rule: string; test: string; sql: string }>;
  for (const s of squawk) cases.push({ name: `squawk ${s.rule}/${s.test}`, sql: s.sql, ctx: { engine: 'postgres' } });
  return cases;
}

const allTexts = (): Text[] => [
  ...corpusTexts(),
  ...fixtureTexts('ory-kratos/sql', 'postgres'),
  ...fixtureTexts('ory-keto/sql', 'postgres'),
  ...fixtureTexts('pagila', 'postgres'),
  ...fixtureTexts('ory-kratos/sql', 'duckdb'),
];

describe('risk: PostgreSQL/DuckDB statements parsed together', () => {
  beforeAll(() => loadParsers(['postgres']));

  it('gives every text of the corpus, the squawk cases and the fixtures the findings of statement-by-statement parsing', async () => {
    const texts = allTexts();
    expect(texts.length).toBeGreaterThan(900);
    let eligible = 0;
    let batched = 0;
    const missed: string[] = [];
    for (const t of texts) {
      const stmts = await splitStatements(t.sql, t.ctx.engine);
      const pre = parsePgMany(stmts, t.ctx.engine);
      if (stmts.length >= 2 && stmts.every(parsesAlone)) {
        eligible++;
        if (pre.every(Boolean)) batched++;
        else missed.push(t.name);
      }
      const one = analyseStatements('0001_case', stmts, 'up', t.ctx, { memory: new SchemaMemory(), pgPreparsed: stmts.map(() => undefined) });
      const many = analyseStatements('0001_case', stmts, 'up', t.ctx, { memory: new SchemaMemory(), pgPreparsed: pre });
      expect(view(many), t.name).toEqual(view(one));
      // Down direction too: other rule levels and the down-only paths.
      const oneDown = analyseStatements('0001_case', stmts, 'down', t.ctx, { memory: new SchemaMemory(), pgPreparsed: stmts.map(() => undefined) });
      const manyDown = analyseStatements('0001_case', stmts, 'down', t.ctx, { memory: new SchemaMemory(), pgPreparsed: pre });
      expect(view(manyDown), t.name).toEqual(view(oneDown));
    }
    // Every text whose statements each parse (two or more of them) went through the one-call path.
    expect(missed).toEqual([]);
    expect(eligible).toBeGreaterThan(250);
    expect(batched).toBe(eligible);
  });

  it('one parse for the whole kratos history as a plan gives each migration its own findings, schema memory shared', async () => {
    const plan = [];
    for (const t of fixtureTexts('ory-kratos/sql', 'postgres').filter((x) => x.name.includes('.up.'))) plan.push({ t, stmts: await splitStatements(t.sql, 'postgres') });
    expect(plan.length).toBeGreaterThan(200);
    const all = plan.flatMap((p) => p.stmts);
    const pre = parsePgMany(all, 'postgres');
    expect(pre.filter(Boolean).length).toBeGreaterThan(all.length * 0.9);
    const memA = new SchemaMemory();
    const memB = new SchemaMemory();
    memA.planCreated = new Set();
    memB.planCreated = new Set();
    let next = 0;
    let findings = 0;
    for (const { t, stmts } of plan) {
      const one = analyseStatements(t.name, stmts, 'up', t.ctx, { memory: memA, pgPreparsed: stmts.map(() => undefined) });
      const many = analyseStatements(t.name, stmts, 'up', t.ctx, { memory: memB, pgPreparsed: pre.slice(next, (next += stmts.length)) });
      expect(view(many), t.name).toEqual(view(one));
      findings += one.findings.length;
    }
    expect(findings).toBeGreaterThan(0);
    expect(memB.columns).toEqual(memA.columns);
    expect(memB.indexes).toEqual(memA.indexes);
  });

  it('hands each text its own statements, with their offsets (several in one text, comment-only texts, non-ASCII)', () => {
    const pre = parsePgMany(['create table a (x text); create index a_x on a (x)', '-- only a comment', "insert into é (x) values ('ü'); drop table b -- trailing"], 'postgres');
    expect(pre.map((p) => p?.map((s) => Object.keys(s.stmt)[0]))).toEqual([['CreateStmt', 'IndexStmt'], [], ['InsertStmt', 'DropStmt']]);
    expect(pre[2]!.map((s) => [s.raw.trim(), s.charLoc])).toEqual([["insert into é (x) values ('ü')", 0], ['drop table b -- trailing', 32]]);
  });

  it('refuses a group (undefined: parsed one by one) when a text could run into the next or the group does not parse', () => {
    const none = (xs: Array<unknown>) => xs.every((x) => x === undefined);
    expect(none(parsePgMany(["select 'abc", "select 'x'"], 'postgres'))).toBe(true);
    expect(none(parsePgMany(['select 1 /* open', 'select 2 */ ; select 3'], 'postgres'))).toBe(true);
    expect(none(parsePgMany(['create function f() returns int as $$ select 1', 'select 2 $$ language sql'], 'postgres'))).toBe(true);
    expect(none(parsePgMany(['create table a (x text)', 'create tabel b (y text)'], 'postgres'))).toBe(true);
  });

  it('an unparsable statement in a plan is still reported with the others analysed', () => {
    const r = analyseStatements('m', ['create table a (x text)', 'create tabel b (y text)', 'drop table c'], 'up', { engine: 'postgres' });
    expect(r.findings.map((f) => f.rule).sort()).toEqual(['loss-drop-table', 'unparsable-statement']);
    expect(r.statements).toBe(3);
  });
});
