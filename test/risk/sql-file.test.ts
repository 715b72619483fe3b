import { beforeAll, describe, expect, it } from 'vitest';
import { EventdbError } from '../../src/errors.js';
import { parseSqlMigration } from '../../src/migrations/sql-file.js';
import { analyseMigration, loadParsers, readSqlMigration } from '../../src/risk/index.js';

/* Lint reads a migration file as `migrate up` does: one parser (src/migrations/sql-file.ts). */
function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return e instanceof EventdbError ? `${e.code}: ${e.message}` : String(e);
  }
}

beforeAll(() => loadParsers(['postgres']));

describe('risk: migration files read with the migrator\'s parser', () => {
  it('SQL before `-- eventdb:up` is refused by lint as by up (it used to be skipped unanalysed)', () => {
    const text = 'DROP TABLE users;\n-- eventdb:up\nCREATE TABLE tags (id bigint);\n';
    const up = outcome(() => parseSqlMigration(text, 'm.sql'));
    expect(up).toMatch(/^BAD_MIGRATION: m\.sql:1: SQL before the `-- eventdb:up` marker/);
    expect(outcome(() => readSqlMigration('m', text, 'm.sql'))).toBe(up);
  });

  it('a multi-line /* */ comment before `-- eventdb:up`: lint and up agree', () => {
    const text = '/*\n * Adds tags.\n * DROP TABLE users;  (only a comment)\n */\n-- eventdb:up\nCREATE TABLE tags (id bigint);\nDROP TABLE legacy;\n';
    const up = outcome(() => parseSqlMigration(text, 'm.sql'));
    expect(outcome(() => readSqlMigration('m', text, 'm.sql'))).toBe(up);
    if (up === 'ok') {
      const r = analyseMigration(readSqlMigration('m', text, 'm.sql'), { engine: 'postgres' });
      expect(r.findings.map((f) => `${f.rule}:${f.line}`)).toEqual(['loss-drop-table:7']);
    }
  });

  it('sections, lines and no-transaction are those the migrator runs', () => {
    const text = '-- eventdb:description tags\n-- eventdb:no-transaction\n-- eventdb:up\n\n\nCREATE INDEX CONCURRENTLY tags_name_idx ON tags (name);\nDROP TABLE legacy;\n-- eventdb:down\n\nDROP TABLE tags;\n';
    const m = readSqlMigration('m', text, 'm.sql');
    const p = parseSqlMigration(text, 'm.sql');
    expect({ up: m.up, down: m.down, transactional: m.transactional }).toEqual({ up: p.up, down: p.down, transactional: p.transaction });
    const r = analyseMigration(m, { engine: 'postgres' });
    expect(r.findings.map((f) => `${f.rule}:${f.direction}:${f.line}`)).toEqual(['loss-drop-table:up:7', 'down-loses-data:down:10']);
  });
});
