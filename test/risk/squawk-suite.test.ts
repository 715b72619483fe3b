import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyseMigration, loadParsers, readSqlMigration } from '../../src/risk/index.js';

/*
 * squawk's own rule tests (test/fixtures/squawk-rules: the SQL of every #[test] in its
 * crates/squawk_linter/src/rules/*.rs, with whether the test expects an error). Each error case of a
 * safety rule is linted as an eventdb PostgreSQL migration (no database, production-sized tables, in a
 * transaction as eventdb runs it); eventdb must flag at least 95% of them. squawk's style rules
 * (naming, preferred types, robustness idioms, timeouts) are outside eventdb's scope.
 */
interface SquawkCase {
  rule: string;
  test: string;
  errors: boolean;
  assumeInTransaction: boolean;
  sql: string;
}
const STYLE = new Set(['ban-char-field', 'identifier-too-long', 'prefer-bigint-over-int', 'prefer-bigint-over-smallint', 'prefer-identity', 'prefer-text-field', 'prefer-timestamptz', 'prefer-robust-stmts', 'require-enum-value-ordering', 'require-table-schema', 'require-timeout-settings', 'ban-duplicate-column-assignments', 'ban-create-domain-with-constraint']);
const cases = (JSON.parse(readFileSync(new URL('../fixtures/squawk-rules/cases.json', import.meta.url), 'utf8')) as SquawkCase[]).filter((c) => !STYLE.has(c.rule));
const errorCases = cases.filter((c) => c.errors);

function flags(c: SquawkCase): string[] {
  const r = analyseMigration(readSqlMigration(c.test, c.sql, `${c.test}.sql`), { engine: 'postgres' });
  return r.findings.map((f) => `${f.rule}:${f.level}`);
}

beforeAll(() => loadParsers(['postgres']));

describe("squawk's rule tests", () => {
  it('at least 95% of the error cases of its safety rules are flagged', () => {
    const missed = errorCases.filter((c) => flags(c).length === 0);
    const share = (errorCases.length - missed.length) / errorCases.length;
    console.log(`squawk suite: ${errorCases.length - missed.length}/${errorCases.length} error cases flagged (${(share * 100).toFixed(1)}%)`);
    for (const m of missed) console.log(`  missed ${m.rule} ${m.test}: ${m.sql.trim().replace(/\s+/g, ' ').slice(0, 140)}`);
    expect(errorCases.length).toBeGreaterThan(40);
    expect(share).toBeGreaterThanOrEqual(0.95);
  });
});
