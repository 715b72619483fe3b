import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import type { Connection } from '../../src/dialects/types.js';
import { migrateUp } from '../../src/migrations/index.js';
import { describeEngines } from '../helpers/engines.js';
import { fail, historyIds, openWithMigrations, sqlMig, userTables } from './helpers.js';

/**
 * Most errors a migration meets at run time carry no position in the query text: a unique index over
 * duplicates, a foreign key over orphans, a missing extension, an object others depend on. Sent whole
 * (one round trip), the section's failing statement is still named — by counting the statements the
 * server completed (a pool session), by running them again one by one in a rolled-back transaction
 * (PGlite), or from a savepoint (the rehearsal's path) — and PostgreSQL's own DETAIL and HINT travel
 * with the message.
 */

const open: Connection[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

const DUPLICATES = `create table t (x int);
-- a comment-only stretch between statements
insert into t values (1), (1);
set local lock_timeout = '5s';
do $$ begin perform 1; end $$;
/* a block comment */ create unique index t_x on t (x);
create table after_it (y int);`;

describeEngines(
  'a failing statement without a position is named',
  (fx) => {
    it('migrate up: the statement, the duplicated key; nothing of the migration stays', async () => {
      const { conn, config } = await openWithMigrations(fx, { '0001_ok.sql': sqlMig('create table kept (id int);'), '0002_dup.sql': sqlMig(DUPLICATES) }, open);
      const e = await fail(migrateUp(conn, config));
      expect(e.code).toBe('MIGRATION_FAILED');
      expect(e.message).toMatch(/^migration 0002_dup failed \(.*0002_dup\.sql\): could not create unique index "t_x" \(Key \(x\)=\(1\) is duplicated\.\) in statement: create unique index t_x on t \(x\)$/);
      expect(await historyIds(conn.db)).toEqual(['0001_ok']);
      expect((await userTables(conn.db, fx.engine)).sort()).toEqual(['kept']);
    });

    it('migrate up --dry-run: the rehearsal names the same statement and changes nothing', async () => {
      const { conn, config } = await openWithMigrations(fx, { '0001_dup.sql': sqlMig(DUPLICATES) }, open);
      const r = await migrateUp(conn, config, { dryRun: true });
      expect(r.rehearsal?.error).toMatchObject({ id: '0001_dup', statement: 'create unique index t_x on t (x)', message: 'could not create unique index "t_x" (Key (x)=(1) is duplicated.)' });
      expect(await historyIds(conn.db)).toEqual([]);
      expect(await userTables(conn.db, fx.engine)).toEqual([]);
    });

    it("PostgreSQL's own hint is the failure's hint where eventdb has none", async () => {
      const { conn, config } = await openWithMigrations(
        fx,
        { '0001_base.sql': sqlMig('create table base (id int);\ncreate view base_v as select id from base;'), '0002_drop.sql': sqlMig('create table other (id int);\ndrop table base;') },
        open,
      );
      const e = await fail(migrateUp(conn, config));
      expect(e.message).toContain('cannot drop table base because other objects depend on it (view base_v depends on table base) in statement: drop table base');
      expect(e.hint).toMatch(/^Use DROP \.\.\. CASCADE to drop the dependent objects too\. \(its transaction was rolled back; the 1 before it stay applied/);
      expect(await historyIds(conn.db)).toEqual(['0001_base']);
      expect((await userTables(conn.db, fx.engine)).sort()).toEqual(['base', 'base_v']);
      expect((await sql<{ n: string }>`select count(*)::text as n from pg_views where viewname = 'base_v'`.execute(conn.db)).rows[0]!.n).toBe('1');
    });

    it('a DETAIL of several lines (one per dependent object) keeps them apart', async () => {
      const { conn, config } = await openWithMigrations(
        fx,
        { '0001_base.sql': sqlMig('create table base (id int);\ncreate view v1 as select id from base;\ncreate view v2 as select id from base;'), '0002_drop.sql': sqlMig('drop table base;') },
        open,
      );
      const e = await fail(migrateUp(conn, config));
      expect(e.message).toContain('cannot drop table base because other objects depend on it (view v1 depends on table base; view v2 depends on table base) in statement: drop table base');
      expect(await historyIds(conn.db)).toEqual(['0001_base']);
    });
  },
  ['postgres', 'pglite'],
);
