import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import type { Connection } from '../../src/dialects/types.js';
import { EventdbError } from '../../src/errors.js';
import { openDatabase } from '../../src/index.js';
import { migrateUp } from '../../src/migrations/index.js';
import { describeEngines } from '../helpers/engines.js';
import { historyIds, sqlMig, userTables } from './helpers.js';

// SQLite and DuckDB apply a transactional SQL migration in one or two calls (SQLite: the section, then its
// history and log rows with COMMIT; DuckDB: BEGIN and the section, then the session reset, the rows and
// COMMIT — src/dialects/*/fast-apply.ts). These check what that path must keep: the records as the
// ordinary path writes them, values that need quoting, DuckDB's USE undone, and on failure the rollback
// and the failing statement.

const open: Connection[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

describeEngines(
  'migrate up in one or two calls per migration',
  (fx) => {
    const engine = fx.engine;
    /** The engine's words for a duplicate key. */
    const duplicate = engine === 'sqlite' ? /UNIQUE constraint failed/ : /duplicate key/;
    /** applied_at and started_at as each driver returns them: text on SQLite, a Date on DuckDB. */
    const isTime = (v: unknown) => (engine === 'sqlite' ? /^\d{4}-\d\d-\d\dT/.test(String(v)) : v instanceof Date);
    async function setup(dirName: string, files: Record<string, string>) {
      const dir = join(fx.dir(), dirName);
      mkdirSync(dir, { recursive: true });
      for (const [f, t] of Object.entries(files)) writeFileSync(join(dir, f), t);
      const config = { ...(await fx.config()), migrationsDir: dir };
      const conn = await openDatabase(config);
      open.push(conn);
      return { conn, config, dir };
    }

    it("writes history and log rows like the ordinary path, quoting values (a ' in the folder name)", async () => {
      const { conn, config, dir } = await setup(`it's-${Date.now()}`, {
        '0001_a.sql': sqlMig("create table a (x text);\ninsert into a values ('it''s; here');\ncreate index a_x on a (x);", 'drop table a;'),
        '0002_b.sql': sqlMig('create table b (y integer) -- trailing comment, no newline at the end', 'drop table b;'),
        // A no-transaction migration runs the ordinary way: the rows must look the same.
        '0003_c.sql': sqlMig('create table c (z integer);', 'drop table c;', '-- eventdb:no-transaction\n'),
      });
      const r = await migrateUp(conn, config);
      expect(r.applied.map((s) => s.id)).toEqual(['0001_a', '0002_b', '0003_c']);
      expect(await userTables(conn.db, engine)).toEqual(['a', 'b', 'c']);
      expect((await conn.db.selectFrom('a').select('x').execute()).map((x) => x.x)).toEqual(["it's; here"]);
      const hist = await conn.db.selectFrom('eventdb_migrations').selectAll().orderBy('id').execute();
      expect(hist.map((h) => [h.id, h.file, h.kind, h.batch])).toEqual([
        ['0001_a', join(dir, '0001_a.sql'), 'sql', 1],
        ['0002_b', join(dir, '0002_b.sql'), 'sql', 1],
        ['0003_c', join(dir, '0003_c.sql'), 'sql', 1],
      ]);
      // Same applied_by, version and column types on both paths.
      const shape = (h: Record<string, unknown>) => [h.applied_by, h.eventdb_version, typeof h.duration_ms, typeof h.batch, isTime(h.applied_at), String(h.checksum).length];
      expect(shape(hist[0]!)).toEqual(shape(hist[2]!));
      const log = await conn.db.selectFrom('eventdb_migration_log').selectAll().orderBy('id').execute();
      expect(log.map((l) => [l.id, l.direction, l.outcome, l.batch, l.checksum === hist.find((h) => h.id === l.id)!.checksum, String(l.started_at) === String(hist.find((h) => h.id === l.id)!.applied_at)])).toEqual([
        ['0001_a', 'up', 'applied', 1, true, true],
        ['0002_b', 'up', 'applied', 1, true, true],
        ['0003_c', 'up', 'applied', 1, true, true],
      ]);
      expect(new Set(log.map((l) => l.attempt_id)).size).toBe(3);
    });

    // DuckDB only: SQLite has no USE or search_path.
    if (fx.engine === 'duckdb') it("a migration's USE and SET search_path are undone before its history rows, which land in the connection's own schema", async () => {
      const { conn, config } = await setup('use', {
        '0001_s.sql': sqlMig('create schema side;\ncreate table side.t (x integer);\nset search_path = side;\nuse side;', 'drop schema side cascade;'),
        '0002_m.sql': sqlMig('create table m (y integer);', 'drop table m;'),
      });
      const r = await migrateUp(conn, config);
      expect(r.applied.map((s) => s.id)).toEqual(['0001_s', '0002_m']);
      expect(await userTables(conn.db, engine)).toEqual(['m']);
      expect(await historyIds(conn.db)).toEqual(['0001_s', '0002_m']);
      expect((await sql<{ s: string }>`select current_schema() as s`.execute(conn.db)).rows).toEqual([{ s: 'main' }]);
    });

    it('a runtime error in a later statement rolls the migration back and names that statement', async () => {
      const { conn, config } = await setup('fail', {
        '0001_ok.sql': sqlMig('create table ok (x integer primary key);', 'drop table ok;'),
        '0002_bad.sql': sqlMig('create table half (x integer);\ninsert into ok values (1);\ninsert into ok (x) values (1);\ncreate table never (y integer);', 'drop table half;'),
      });
      let err: unknown;
      try {
        await migrateUp(conn, config);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(EventdbError);
      const e = err as EventdbError;
      expect(e.code).toBe('MIGRATION_FAILED');
      expect(e.message).toContain('0002_bad');
      expect(e.message).toMatch(duplicate);
      expect(e.message).toContain('in statement: insert into ok (x) values (1)');
      // Nothing of 0002 stayed: not the table, not the first insert; 0001 stays applied.
      expect(await userTables(conn.db, engine)).toEqual(['ok']);
      expect((await conn.db.selectFrom('ok').select('x').execute()).length).toBe(0);
      expect(await historyIds(conn.db)).toEqual(['0001_ok']);
      const failed = await conn.db.selectFrom('eventdb_migration_log').select(['id', 'statement', 'error']).where('outcome', '=', 'failed').execute();
      expect(failed).toEqual([{ id: '0002_bad', statement: 'insert into ok (x) values (1)', error: expect.stringMatching(duplicate) }]);
      // The connection is usable and not left inside a transaction: the fixed file applies.
      writeFileSync(join(config.migrationsDir, '0002_bad.sql'), sqlMig('create table half (x integer);', 'drop table half;'));
      await expect(migrateUp(conn, config)).resolves.toMatchObject({ applied: [{ id: '0002_bad' }] });
      expect(await userTables(conn.db, engine)).toEqual(['half', 'ok']);
    });
  },
  ['sqlite', 'duckdb'],
);
