import { beforeAll, describe, expect, it } from 'vitest';
import { pgDataInsert } from '../../src/risk/data-rows.js';
import { analyseMigration, analyseStatements, loadParsers, readSqlMigration } from '../../src/risk/index.js';

/*
 * The gate of a PostgreSQL or DuckDB plan holding a bulk of plain data-row INSERTs (a dump's rows, a
 * seed migration): the rows are counted, not parsed (200,000 row INSERTs in one migration: migrate up
 * on PostgreSQL 5.8 s → 3.2 s, peak RSS 593 → 271 MB); everything else is parsed and judged as before.
 */
beforeAll(async () => {
  await loadParsers(['postgres', 'duckdb']);
});

const rows = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `INSERT INTO customers (id, name) VALUES (${from + i}, 'Customer ${from + i}; it''s')`);
const schema = ['CREATE TABLE customers (id bigint PRIMARY KEY, name text)', 'CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id))'];
const rules = (r: { findings: Array<{ rule: string }> }) => r.findings.map((f) => f.rule).sort();

describe('risk: a bulk of data rows in a PostgreSQL / DuckDB plan', () => {
  it('knows a row INSERT only where PostgreSQL\'s lexical rules leave no doubt (no E\'…\' escapes, no $ bodies)', () => {
    expect(pgDataInsert("INSERT INTO t VALUES (1, 'x')")).toBe(true);
    expect(pgDataInsert("INSERT INTO t VALUES (1, E'it\\'s')")).toBe(false);
    expect(pgDataInsert('INSERT INTO t VALUES (1, $$x$$)')).toBe(false);
    expect(pgDataInsert('INSERT INTO t SELECT * FROM u')).toBe(false);
  });

  for (const engine of ['postgres', 'duckdb'] as const) {
    // What a statement the grammar rejects is reported as (DuckDB's own syntax may be what PostgreSQL's grammar rejects).
    const broken = engine === 'duckdb' ? 'not-analysed' : 'unparsable-statement';
    it(`${engine}: the rows are counted; the statements among them are parsed and judged as in a full parse`, () => {
      const others = ['DELETE FROM orders', 'CREATE TABL broken (x)', 'INSERT INTO orders (id, customer_id) SELECT id, id FROM customers'];
      const bulk = analyseStatements('0001_rows', [...schema, ...rows(150), others[0]!, ...rows(150, 151), others[1]!, others[2]!], 'up', { engine });
      expect(bulk.statements).toBe(305);
      const few = analyseStatements('0001_rows', [...schema, ...rows(3), ...others], 'up', { engine });
      expect(few.statements).toBe(8);
      expect(rules(bulk)).toEqual(rules(few));
      expect(rules(bulk)).toEqual(expect.arrayContaining(['loss-delete-without-where', broken]));
    });

    it(`${engine}: in a file too (migrate lint): the rows counted, the other statements judged at their lines`, () => {
      // A malformed row among them is counted, not parsed: the lexical split is what walks this file.
      const text = `${[...schema, ...rows(150), 'DELETE FROM orders', ...rows(50, 151), 'CREATE TABL broken (x)', 'INSERT INTO customers VALUES (1 2)'].join(';\n')};\n`;
      const r = analyseMigration(readSqlMigration('0001_rows', text, 'rows.sql'), { engine });
      expect(r.statements).toBe(205);
      const at = r.findings.map((f) => `${f.rule}:${f.line}`);
      expect(at).toEqual(expect.arrayContaining(['loss-delete-without-where:153', `${broken}:204`]));
      const few = analyseMigration(readSqlMigration('0001_rows', `${[...schema, ...rows(3), 'DELETE FROM orders', 'CREATE TABL broken (x)'].join(';\n')};\n`, 'rows.sql'), { engine });
      expect(rules(r)).toEqual(rules(few));
    });

    it(`${engine}: a malformed row among a bulk is counted (the engine refuses it when it runs); among a few it is reported`, () => {
      const bad = 'INSERT INTO customers VALUES (1 2)';
      expect(pgDataInsert(bad)).toBe(true);
      expect(rules(analyseStatements('0001_rows', [...schema, ...rows(150), bad], 'up', { engine }))).not.toContain(broken);
      expect(rules(analyseStatements('0001_rows', [...schema, ...rows(3), bad], 'up', { engine }))).toContain(broken);
    });
  }
});
