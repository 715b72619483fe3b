import { afterEach, expect, it } from 'vitest';
import type { Connection } from '../../src/dialects/types.js';
import { openDatabase } from '../../src/index.js';
import { migrateUp, migrationStatus, parseSqlMigration, rollback } from '../../src/migrations/index.js';
import { describeEngines } from '../helpers/engines.js';
import { fail, historyIds, userTables, writeMigrations } from './helpers.js';

const open: Connection[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

it('a multi-line /* */ comment (nested too) before -- eventdb:up is a comment; a directive inside it is not read', () => {
  const text = '/*\n * Adds venues.\n * -- eventdb:no-transaction  (inside the comment: not a directive)\n /* nested */\n */\n-- eventdb:depends-on 0001_a\n-- eventdb:up\ncreate table venues (id integer);\n-- eventdb:down\ndrop table venues;\n';
  const m = parseSqlMigration(text, '0002_b.sql');
  expect(m).toMatchObject({ up: 'create table venues (id integer);', down: 'drop table venues;', dependsOn: ['0001_a'], transaction: true, upLine: 8, downLine: 10, noop: false });
  // SQL after the comment closes, before the marker, is still refused.
  expect(() => parseSqlMigration('/* a\n b */ create table x (id integer);\n-- eventdb:up\nselect 1;\n', 'x.sql')).toThrow(/x\.sql:2: SQL before the `-- eventdb:up` marker/);
});

it('empty sections: an empty up (or -- eventdb:noop) is a no-op; an empty down is no down unless it says noop', () => {
  const a = parseSqlMigration('-- eventdb:up\n\n-- nothing to do on this engine\n', 'a.sql');
  expect(a).toMatchObject({ up: '', noop: true });
  expect(a.down).toBeUndefined();
  expect(parseSqlMigration('-- eventdb:noop\n', 'b.sql')).toMatchObject({ up: '', noop: true, down: '' });
  expect(parseSqlMigration('-- eventdb:up\ncreate table c (x integer);\n-- eventdb:down\n', 'c.sql').down).toBeUndefined();
  expect(parseSqlMigration('-- eventdb:up\ncreate table c (x integer);\n-- eventdb:down\n-- eventdb:noop\n', 'c.sql')).toMatchObject({ down: '' });
  expect(() => parseSqlMigration('-- eventdb:up\n-- eventdb:noop\nselect 1;\n', 'd.sql')).toThrow(/d\.sql: `-- eventdb:noop` and SQL in the up section/);
  // pg_dump's psql-only guard lines are not SQL.
  expect(parseSqlMigration('\\restrict abc123\n-- eventdb:up\nselect 1;\n\\unrestrict abc123\n', 'e.sql').up).toBe('select 1;');
});

describeEngines('empty sections are recorded no-ops', (fx) => {
  it('applies and records them, rolls back a noop down, and refuses a missing down', async () => {
    const dir = writeMigrations(fx.dir(), {
      '0001_noop.sql': '-- eventdb:noop\n',
      '0002_empty_up.sql': '-- eventdb:up\n-- this engine needs nothing here\n',
      '0003_table.sql': '-- eventdb:up\ncreate table kept (x integer);\n-- eventdb:down\n-- eventdb:noop\n',
    });
    const config = { ...(await fx.config()), migrationsDir: dir };
    const conn = await openDatabase(config);
    open.push(conn);
    const r = await migrateUp(conn, config);
    expect(r.applied.map((s) => [s.id, s.statements.length])).toEqual([['0001_noop', 0], ['0002_empty_up', 0], ['0003_table', 1]]);
    expect(await historyIds(conn.db)).toEqual(['0001_noop', '0002_empty_up', '0003_table']);
    const log = await conn.db.selectFrom('eventdb_migration_log').select('id').where('outcome', '=', 'applied').execute();
    expect(log).toHaveLength(3);
    const back = await rollback(conn, config, { count: 1 });
    expect(back.rolledBack.map((s) => s.id)).toEqual(['0003_table']);
    expect(await userTables(conn.db, fx.engine)).toEqual(['kept']);
    const e = await fail(rollback(conn, config, { count: 1 }));
    expect(e.code).toBe('NO_DOWN');
    expect(e.message).toMatch(/cannot roll back 0002_empty_up: no down section; nothing was rolled back/);
    expect(await historyIds(conn.db)).toEqual(['0001_noop', '0002_empty_up']);
    expect((await migrationStatus(conn, config)).pending).toBe(1);
  });
});
