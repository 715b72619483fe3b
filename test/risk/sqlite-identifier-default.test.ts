import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyseMigration, loadParsers, readSqlMigration } from '../../src/risk/index.js';
import { FIXTURES } from '../conformance/helpers.js';

/*
 * memos adds NOT NULL columns with `DEFAULT ""` on SQLite. SQLite takes a bare identifier after DEFAULT
 * as a constant string, so the statement runs; lint reported it as unsupported ("a non-constant
 * default: the migration fails", critical). SQLite itself is the judge here.
 */
const FILES = ['sqlite/0.19/00__add_resource_name.sql', 'sqlite/0.21/00__user_description.sql'];
const BEFORE = 'CREATE TABLE memo (id INTEGER PRIMARY KEY, content TEXT NOT NULL DEFAULT \'\'); CREATE TABLE resource (id INTEGER PRIMARY KEY); CREATE TABLE user (id INTEGER PRIMARY KEY); INSERT INTO memo (id) VALUES (1), (2); INSERT INTO resource (id) VALUES (1); INSERT INTO user (id) VALUES (1);';

describe('risk [sqlite]: ADD COLUMN … DEFAULT <identifier> (memos)', () => {
  beforeAll(() => loadParsers(['sqlite']));

  it('SQLite runs the memos migrations on tables with rows; lint calls neither unsupported', () => {
    const db = new Database(':memory:');
    db.exec(BEFORE);
    for (const f of FILES) {
      const sql = readFileSync(join(FIXTURES, 'memos', f), 'utf8');
      db.exec(sql);
      const findings = analyseMigration(readSqlMigration(f, sql, f), { engine: 'sqlite' }).findings;
      expect(findings.filter((x) => x.rule === 'unsupported-statement' || x.rule === 'unparsable-statement').map((x) => x.message), f).toEqual([]);
    }
    expect(db.prepare('SELECT description FROM user').all()).toEqual([{ description: '' }]);
    expect(db.prepare('SELECT count(DISTINCT resource_name) AS n FROM memo').get()).toEqual({ n: 2 });
    db.close();
  });

  it('a default SQLite does refuse on ADD COLUMN (CURRENT_TIMESTAMP, an expression) is still unsupported, and SQLite agrees', () => {
    for (const d of ['CURRENT_TIMESTAMP', '(random())']) {
      const sql = `ALTER TABLE user ADD COLUMN c TEXT NOT NULL DEFAULT ${d};`;
      const findings = analyseMigration(readSqlMigration('x', sql, 'x.sql'), { engine: 'sqlite' }).findings;
      expect(findings.map((x) => `${x.rule} ${x.level}`), d).toContain('unsupported-statement critical');
      const db = new Database(':memory:');
      db.exec('CREATE TABLE user (id INTEGER PRIMARY KEY); INSERT INTO user (id) VALUES (1);');
      expect(() => db.exec(sql), d).toThrow(/non-constant default/);
      expect(db.prepare('SELECT name FROM pragma_table_info(\'user\')').all()).toEqual([{ name: 'id' }]);
      db.close();
    }
  });
});
