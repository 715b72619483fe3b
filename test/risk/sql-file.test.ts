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

describe('one parser, strict or lenient', () => {
  it('a text without markers is plain SQL (all up, line 1) either way; strict refuses one whose header directive would be lost', () => {
    const text = '-- eventdb:no-transaction\n-- eventdb:risk-accepted lock-table "tiny"\nDROP TABLE legacy;\n';
    expect(outcome(() => parseSqlMigration(`-- eventdb:description x\n${text}`, 'b.sql'))).toBe('BAD_MIGRATION: b.sql:4: SQL before the `-- eventdb:up` marker');
    const p = parseSqlMigration(text, 'b.sql', { lenient: true });
    expect(p).toMatchObject({ bare: true, up: text, upLine: 1, transaction: false, riskAccepted: [{ line: 2, args: ' lock-table "tiny"' }] });
    expect(parseSqlMigration(text, 'b.sql')).toEqual(p);
    expect(readSqlMigration('b', text, 'b.sql')).toMatchObject({ up: text, upLine: 1, transactional: false, accepted: { 'lock-table': 'tiny' } });
  });

  it('a file with markers is read strictly either way, risk-accepted lines carried with their line', () => {
    const text = '-- eventdb:risk-accepted loss-drop-table "archived"\n-- eventdb:up\nDROP TABLE legacy;\n-- eventdb:down\n-- eventdb:risk-accepted nope\n';
    const strict = parseSqlMigration(text, 'm.sql');
    expect(parseSqlMigration(text, 'm.sql', { lenient: true })).toEqual(strict);
    expect(strict.riskAccepted).toEqual([{ line: 1, args: ' loss-drop-table "archived"' }, { line: 5, args: ' nope' }]);
    expect(outcome(() => readSqlMigration('m', text, 'm.sql'))).toBe('RISK_ACCEPT_INVALID: m.sql:5: malformed risk-accepted line');
  });

  it('the gate names statement lines from the loaded section, without reading the file', async () => {
    const { assessPlan } = await import('../../src/migrations/risk-gate.js');
    const { loadParsers: load } = await import('../../src/risk/index.js');
    await load(['postgres']);
    const text = '-- eventdb:risk-accepted lock-table "small"\n-- eventdb:up\n\nCREATE TABLE t (id int);\n\nDROP TABLE legacy;\n';
    const p = parseSqlMigration(text, '/nowhere/0001_x.sql');
    const migration = { id: '0001_x', file: '/nowhere/0001_x.sql', kind: 'sql' as const, variant: 'portable' as const, checksum: '', dependsOn: [], transaction: true, hasDown: false, sql: { up: p.up, upLine: p.upLine, riskAccepted: p.riskAccepted } };
    const step = { id: '0001_x', file: '/nowhere/0001_x.sql', engine: 'postgres' as const, direction: 'up' as const, kind: 'sql' as const, transaction: true, statements: ['CREATE TABLE t (id int)', 'DROP TABLE legacy'] };
    const r = await assessPlan([step], { config: { environment: 'development' } as never, direction: 'up', dryRun: true, force: false, migrations: [migration] });
    expect((r.findings as Array<{ rule: string; line: number }>).map((f) => `${f.rule}:${f.line}`)).toEqual(['loss-drop-table:6']);
  });
});
