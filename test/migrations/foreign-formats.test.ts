import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import type { Connection } from '../../src/dialects/types.js';
import { migrateUp, migrationStatus, rollback, scanMigrations } from '../../src/migrations/index.js';
import { lintMigrations } from '../../src/risk/lint.js';
import { parseSqlMigration } from '../../src/migrations/sql-file.js';
import { describeEngines } from '../helpers/engines.js';
import { fail, historyIds, userTables, writeMigrations } from './helpers.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

// Histories written for other tools run as they are: dbmate's, goose's and sql-migrate's section
// markers are read as eventdb's, and a file without any marker (Flyway, sqlx, Prisma, atuin) is plain
// SQL, all of it up and without a down.

const DBMATE = '-- migrate:up\ncreate table a (id integer primary key);\n\n-- migrate:down\ndrop table a;\n';
const GOOSE = '-- +goose Up\n-- +goose StatementBegin\ncreate table b (id integer primary key);\n-- +goose StatementEnd\n\n-- +goose Down\ndrop table b;\n';
const SQL_MIGRATE = '-- +migrate Up\ncreate table c (id integer primary key);\n-- +migrate Down\ndrop table c;\n';
const PLAIN = '-- the history starts here\ncreate table d (id integer primary key);\ninsert into d values (1);\n';

describe('other tools’ markers, read by the one parser', () => {
  it('dbmate: up and down sections, transaction:false on either marker', () => {
    const r = parseSqlMigration(DBMATE, 'x.sql');
    expect([r.up, r.down, r.transaction, r.bare]).toEqual(['create table a (id integer primary key);', 'drop table a;', true, undefined]);
    const nt = parseSqlMigration('-- migrate:up transaction:false\ncreate index concurrently i on t (x);\n-- migrate:down\ndrop index i;\n', 'x.sql');
    expect(nt.transaction).toBe(false);
    expect(nt.up).toBe('create index concurrently i on t (x);');
  });

  it('goose: Up/Down, StatementBegin/End kept as comments, NO TRANSACTION', () => {
    const r = parseSqlMigration(GOOSE, 'x.sql');
    expect(r.up).toContain('create table b (id integer primary key);');
    expect(r.down).toBe('drop table b;');
    expect(r.transaction).toBe(true);
    expect(parseSqlMigration(`-- +goose NO TRANSACTION\n${GOOSE}`, 'x.sql').transaction).toBe(false);
  });

  it('sql-migrate: Up notransaction / Down', () => {
    const r = parseSqlMigration(SQL_MIGRATE.replace('Up', 'Up notransaction'), 'x.sql');
    expect([r.up, r.down, r.transaction]).toEqual(['create table c (id integer primary key);', 'drop table c;', false]);
  });

  it('lint reads the sections too: a down section is not taken for up SQL', () => {
    const r = parseSqlMigration(DBMATE, 'x.sql', { lenient: true });
    expect(r.up).not.toContain('drop table');
    expect(r.bare).toBeUndefined();
  });

  it('a file without markers is plain SQL: all of it up, no down; its no-transaction line is read', () => {
    const r = parseSqlMigration(PLAIN, 'x.sql');
    expect([r.up, r.down, r.bare, r.upLine]).toEqual([PLAIN, undefined, true, 1]);
    expect(parseSqlMigration(`-- eventdb:no-transaction\n${PLAIN}`, 'x.sql').transaction).toBe(false);
  });

  it('still refuses what cannot be meant as plain SQL', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['-- just a comment\n', 'NO_SECTIONS', /has no `-- eventdb:up` section/],
      // a dependency or description is not dropped silently: the file needs its up marker
      ['-- eventdb:depends-on 0001_x\ncreate table t (id int);\n', 'BAD_MIGRATION', /x\.sql:2: SQL before the `-- eventdb:up` marker/],
      ['-- migrate:up\ncreate table t (id int);\n-- eventdb:up\nselect 1;\n', 'BAD_MIGRATION', /x\.sql:3: a second `-- eventdb:up` marker/],
      ['-- +goose Down\ndrop table t;\n', 'BAD_MIGRATION', /x\.sql:1: `-- eventdb:down` before `-- eventdb:up`/],
    ];
    for (const [text, code, message] of cases) {
      let err: unknown;
      try {
        parseSqlMigration(text, 'x.sql');
      } catch (e) {
        err = e;
      }
      expect(err, text).toMatchObject({ code });
      expect((err as Error).message).toMatch(message);
    }
  });
});

const open: Connection[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

describeEngines('other tools’ histories, applied and rolled back', (fx) => {
  it('applies plain, dbmate, goose and sql-migrate files; rolls back those with a down; refuses the plain one', async () => {
    const dir = writeMigrations(fx.dir(), { '0001_plain.sql': PLAIN, '0002_dbmate.sql': DBMATE, '0003_goose.sql': GOOSE, '0004_sql_migrate.sql': SQL_MIGRATE });
    const config = { ...(await fx.config()), migrationsDir: dir };
    const conn = await openDatabase(config);
    open.push(conn);
    const r = await migrateUp(conn, config);
    expect(r.applied.map((s) => s.id)).toEqual(['0001_plain', '0002_dbmate', '0003_goose', '0004_sql_migrate']);
    expect(await userTables(conn.db, fx.engine)).toEqual(['a', 'b', 'c', 'd']);
    await rollback(conn, config, { count: 3 });
    expect(await userTables(conn.db, fx.engine)).toEqual(['d']);
    expect(await historyIds(conn.db)).toEqual(['0001_plain']);
    const e = await fail(rollback(conn, config, { count: 1 }));
    expect(e.code).toBe('NO_DOWN');
    expect(await userTables(conn.db, fx.engine)).toEqual(['d']);
    expect(await historyIds(conn.db)).toEqual(['0001_plain']);
  });
});

describeEngines(
  'dbmate transaction:false on PostgreSQL',
  (fx) => {
    it('runs CREATE INDEX CONCURRENTLY outside a transaction, as dbmate does', async () => {
      const dir = writeMigrations(fx.dir(), {
        '0001_t.sql': '-- migrate:up\ncreate table t (id integer primary key, x integer);\n-- migrate:down\ndrop table t;\n',
        '0002_i.sql': '-- migrate:up transaction:false\ncreate index concurrently t_x on t (x);\n-- migrate:down transaction:false\ndrop index concurrently t_x;\n',
      });
      const config = { ...(await fx.config()), migrationsDir: dir };
      const conn = await openDatabase(config);
      open.push(conn);
      await migrateUp(conn, config);
      const indexes = async () => (await conn.introspect()).indexes.map((i) => i.name);
      expect(await indexes()).toContain('t_x');
      await rollback(conn, config, { count: 1 });
      expect(await indexes()).not.toContain('t_x');
    });
  },
  ['postgres'],
);

describe('pairs of files (golang-migrate, sqlx, popx): ID.up.sql + ID.down.sql', () => {
  it('reads ory/kratos’s popx history as it is: 346 migrations on PostgreSQL, 694 on SQLite, downs paired per engine', async () => {
    const dir = join(FIXTURES, 'ory-kratos', 'sql');
    const pg = await scanMigrations(dir, 'postgres', { importTs: false });
    const lite = await scanMigrations(dir, 'sqlite', { importTs: false });
    expect([pg.problems.map((p) => p.message), lite.problems.map((p) => p.message)]).toEqual([[], []]);
    expect([pg.migrations.length, lite.migrations.length]).toEqual([346, 694]);
    // a portable up with the SQLite down of its own (popx chooses each direction on its own)
    const id = '20230313141439000001_session_token_length';
    const down = (ms: typeof pg.migrations) => ms.find((m) => m.id === id)!.sql!.down!.trim();
    expect(down(lite.migrations)).toBe(readFileSync(join(dir, `${id}.sqlite3.down.sql`), 'utf8').trim());
    expect(down(pg.migrations)).toBe(readFileSync(join(dir, `${id}.down.sql`), 'utf8').trim());
    // `.autocommit.` runs outside a transaction; a version with SQLite files only is not a migration on PostgreSQL
    expect(pg.migrations.filter((m) => !m.transaction).length).toBeGreaterThan(0);
    expect(pg.migrations.some((m) => m.id === '20191100000007000001_errors')).toBe(false);
    expect(lite.migrations.some((m) => m.id === '20191100000007000001_errors')).toBe(true);
  });

  it('refuses what cannot be paired: a down without its up, a down beside a whole file, two downs for one engine', async () => {
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ '0001_a.down.sql': 'drop table a;' }, 'BAD_MIGRATION', /0001_a\.down\.sql has no up file for sqlite beside it \(migration 0001_a\)/],
      [{ '0001_a.sql': PLAIN, '0001_a.down.sql': 'drop table d;' }, 'BAD_MIGRATION', /0001_a\.down\.sql is beside 0001_a\.sql, a whole migration/],
      [{ '0001_a.up.sql': PLAIN, '0001_a.sqlite.down.sql': 'drop table d;', '0001_a.sqlite3.down.sql': 'drop table d;' }, 'DUPLICATE_ID', /duplicate migration ID 0001_a: 0001_a\.sqlite\.down\.sql, 0001_a\.sqlite3\.down\.sql/],
      [{ '0001_a.up.sql': DBMATE, '0001_a.down.sql': 'drop table a;' }, 'BAD_MIGRATION', /0001_a\.up\.sql has a down section, and 0001_a\.down\.sql is beside it/],
    ];
    const root = mkdtempSync(join(tmpdir(), 'eventdb-pairs-'));
    try {
      for (const [files, code, message] of cases) {
        const dir = writeMigrations(root, files);
        const r = await scanMigrations(dir, 'sqlite');
        expect(r.problems.map((p) => p.code), Object.keys(files).join(' ')).toEqual([code]);
        expect(r.problems[0]!.message).toMatch(message);
        expect(r.migrations).toEqual([]);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('lint reads a down file as its up file’s down section, not as a migration of its own', async () => {
    const root = mkdtempSync(join(tmpdir(), 'eventdb-pairs-lint-'));
    try {
      const dir = writeMigrations(root, { '0001_t.up.sql': 'create table t (id integer primary key);\n', '0001_t.down.sql': 'drop table t;\n' });
      const r = await lintMigrations({ paths: [dir], engine: 'postgres', cwd: root, failOn: 'high' });
      expect(r.migrations.map((m) => m.migration)).toEqual(['0001_t']);
      expect(r.findings.map((f) => `${f.rule}:${f.direction}`)).toEqual(['down-loses-data:down']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describeEngines('pairs of files, applied and rolled back', (fx) => {
  it('applies up files, rolls back with down files (an empty one undoes nothing), refuses an up without a down; an edited down file is a changed migration', async () => {
    const dir = writeMigrations(fx.dir(), {
      '0001_c.up.sql': 'create table c (id integer primary key);\n',
      '0002_a.up.sql': 'create table a (id integer primary key);\n',
      '0002_a.down.sql': '\n-- undo\ndrop table a;\n',
      '0003_b.up.sql': 'insert into c values (1);\n',
      '0003_b.down.sql': '',
    });
    const config = { ...(await fx.config()), migrationsDir: dir };
    const conn = await openDatabase(config);
    open.push(conn);
    const r = await migrateUp(conn, config);
    expect(r.applied.map((s) => s.id)).toEqual(['0001_c', '0002_a', '0003_b']);
    expect(await userTables(conn.db, fx.engine)).toEqual(['a', 'c']);
    writeFileSync(join(dir, '0002_a.down.sql'), 'drop table a; -- edited\n');
    expect((await migrationStatus(conn, config)).migrations.map((m) => m.state)).toEqual(['applied', 'changed', 'applied']);
    writeFileSync(join(dir, '0002_a.down.sql'), '\n-- undo\ndrop table a;\n');
    await rollback(conn, config, { count: 2 });
    expect(await userTables(conn.db, fx.engine)).toEqual(['c']);
    expect(await historyIds(conn.db)).toEqual(['0001_c']);
    const e = await fail(rollback(conn, config, { count: 1 }));
    expect(e.code).toBe('NO_DOWN');
    expect(await historyIds(conn.db)).toEqual(['0001_c']);
  });
});
