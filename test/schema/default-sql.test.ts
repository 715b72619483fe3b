/**
 * Column defaults as auto-fix writes them (issue 19, item 2): a literal bare, any other expression in
 * parentheses, so that every engine's DEFAULT clause takes it. Each default is created on the real
 * engine and a row inserted without the column reads the value back.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import { createTableSql, defaultSql } from '../../src/schema/autofix/sql.js';
import type { ExpectedColumn } from '../../src/schema/model.js';
import { describeEngines } from '../helpers/engines.js';

const cases: Array<{ default: string; type: 'integer' | 'text'; value: unknown }> = [
  { default: '0', type: 'integer', value: 0 },
  { default: '-7', type: 'integer', value: -7 },
  { default: '1 + 2', type: 'integer', value: 3 },
  { default: '(4 * 5)', type: 'integer', value: 20 },
  { default: "'it''s'", type: 'text', value: "it's" },
  { default: "lower('ABC')", type: 'text', value: 'abc' },
  { default: "'a' || 'b'", type: 'text', value: 'ab' },
  { default: "(('x'))", type: 'text', value: 'x' },
  { default: 'null', type: 'text', value: null },
];

it('defaultSql: literals bare, expressions in parentheses, a whole parenthesised group kept', () => {
  expect(cases.map((c) => defaultSql(c.default))).toEqual(['0', '-7', '(1 + 2)', '(4 * 5)', "'it''s'", "(lower('ABC'))", "('a' || 'b')", "(('x'))", 'null']);
  expect(defaultSql('CURRENT_TIMESTAMP')).toBe('CURRENT_TIMESTAMP');
  expect(defaultSql("strftime('%Y-%m-%dT%H:%M:%fZ', 'now')")).toBe("(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");
  expect(defaultSql("(1) + (2)")).toBe('((1) + (2))');
  expect(defaultSql("')' || '('")).toBe("(')' || '(')");
});

describeEngines(
  'column defaults created by auto-fix',
  (fx) => {
    it('each default is accepted by the engine and gives its value', async () => {
      const conn = await openDatabase(await fx.config());
      try {
        const columns: ExpectedColumn[] = cases.map((c, i) => ({ name: `c${i}`, family: c.type, nullable: true, type: c.type, default: c.default }));
        const now: ExpectedColumn = { name: 'at', family: 'timestamptz', nullable: false, type: { postgres: 'timestamptz', sqlite: 'text', duckdb: 'timestamptz' }, default: { postgres: 'now()', sqlite: "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')", duckdb: 'current_timestamp' } };
        const stmts = createTableSql(conn.db, { name: 'defaults', required: true, primaryKey: ['id'], columns: [{ name: 'id', family: 'integer', nullable: false, type: 'integer' }, ...columns, now] }, fx.engine);
        for (const s of stmts) await sql.raw(s).execute(conn.db);
        await sql`insert into defaults (id) values (1)`.execute(conn.db);
        const row = (await sql<Record<string, unknown>>`select * from defaults`.execute(conn.db)).rows[0]!;
        expect(cases.map((_, i) => (typeof row[`c${i}`] === 'bigint' ? Number(row[`c${i}`]) : row[`c${i}`]))).toEqual(cases.map((c) => c.value));
        expect(row.at).not.toBeNull();
      } finally {
        await conn.close();
      }
    });
  },
  ['postgres', 'sqlite', 'duckdb'],
);
