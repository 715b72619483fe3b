import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyseMigration, analyseStatements, loadParsers, readSqlMigration, type RiskContext } from '../../src/risk/index.js';

/*
 * SQLite takes many of its keywords as names (a real project has a table called `groups`) and reads a
 * single-quoted name where a table name is expected. Lint must read what SQLite reads: never refuse
 * it, never judge it by the PostgreSQL grammar. Each case is first run on the real SQLite.
 */
const KEYWORDS = ['groups', 'match', 'indexed', 'glob', 'regexp', 'like', 'window', 'left', 'right', 'full', 'inner', 'outer', 'cross', 'natural'];
const ctx: RiskContext = { engine: 'sqlite' };

function keywordMigration(kw: string): string {
  return [
    `CREATE TABLE ${kw} (id INTEGER PRIMARY KEY, ${kw} TEXT, owner_id INTEGER REFERENCES users (id));`,
    `CREATE INDEX ${kw}_idx ON ${kw} (${kw});`,
    `INSERT INTO ${kw} (${kw}) VALUES ('a');`,
    `UPDATE ${kw} SET ${kw} = 'b' WHERE id = 1;`,
    `ALTER TABLE ${kw} ADD COLUMN note TEXT;`,
    `SELECT a.${kw} FROM ${kw} a LEFT JOIN ${kw} b ON a.id = b.id WHERE a.${kw} LIKE 'b%';`,
    `DELETE FROM ${kw};`,
  ].join('\n');
}

function runsOnSqlite(sql: string): void {
  const db = new Database(':memory:');
  try {
    db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY);');
    db.exec(sql);
  } finally {
    db.close();
  }
}

beforeAll(() => loadParsers(['sqlite']));

describe('risk: valid SQLite is read as SQLite', () => {
  it.each(KEYWORDS)('a table and column named %s', (kw) => {
    const sql = keywordMigration(kw);
    expect(() => runsOnSqlite(sql)).not.toThrow();
    const r = analyseMigration(readSqlMigration('0001_kw', sql, 'kw.sql'), ctx);
    expect(r.statements).toBe(7);
    const rules = r.findings.map((f) => `${f.rule}:${f.level}:${f.line}`);
    // The statements are analysed (the unindexed foreign key; the DELETE without WHERE on line 7, low on a table created here), not refused.
    expect(rules).toContain('loss-delete-without-where:low:7');
    expect(rules.filter((x) => /^(unsupported-statement|unparsable-statement|not-analysed)/.test(x))).toEqual([]);
    expect(r.findings.find((f) => f.rule === 'loss-delete-without-where')!.statement).toBe(`DELETE FROM ${kw}`);
  });

  it('single-quoted table names', () => {
    const sql = "CREATE TABLE 'order items' (id INTEGER PRIMARY KEY, qty INTEGER);\nINSERT INTO 'order items' (qty) VALUES (1);\nALTER TABLE 'order items' ADD COLUMN note TEXT;\nDROP TABLE 'order items';";
    expect(() => runsOnSqlite(sql)).not.toThrow();
    const r = analyseMigration(readSqlMigration('0001_q', sql, 'q.sql'), ctx);
    expect(r.statements).toBe(4);
    expect(r.findings.map((f) => f.rule)).not.toContain('unsupported-statement');
    expect(r.findings.map((f) => f.rule)).not.toContain('unparsable-statement');
  });

  it('the same statements one by one (the gate and TS migrations)', () => {
    const stmts = keywordMigration('groups').split('\n').map((x) => x.replace(/;$/, ''));
    const r = analyseStatements('0001_kw', stmts, 'up', ctx);
    expect(r.statements).toBe(7);
    expect(r.findings.map((f) => f.rule)).toContain('loss-delete-without-where');
    expect(r.findings.map((f) => f.rule)).not.toContain('unsupported-statement');
  });

  it('PostgreSQL-only syntax that SQLite itself rejects is still refused, with the reason', () => {
    const r = analyseMigration(readSqlMigration('0001_pg', 'ALTER TABLE users ALTER COLUMN email TYPE text;', 'pg.sql'), ctx);
    expect(r.findings.map((f) => `${f.rule}:${f.level}`)).toEqual(['unsupported-statement:critical']);
    expect(r.findings[0]!.message).toMatch(/SQLite has no ALTER COLUMN/);
  });
});
