import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import type { Connection } from '../../src/dialects/types.js';
import { migrateUp } from '../../src/migrations/index.js';
import { describeEngines } from '../helpers/engines.js';
import { fail, historyIds, openWithMigrations, sqlMig, userTables } from './helpers.js';

/**
 * Histories written for other tools (Prisma, golang-migrate …) meet two PostgreSQL errors once each
 * migration runs in a transaction: a statement refused inside a transaction block (25001: CREATE INDEX
 * CONCURRENTLY — 72 of trigger.dev's 820 Prisma migrations) and an enum value used in the transaction
 * that added it (55P04). The failure's hint then says what to change, not only "fix the migration".
 */

const open: Connection[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

describeEngines(
  'migrate up: advice for errors a transaction causes',
  (fx) => {
    const setup = (files: Record<string, string>) => openWithMigrations(fx, files, open);
    const indexes = async (conn: Connection) =>
      (await sql<{ n: string }>`select indexname as n from pg_indexes where schemaname = 'public' and tablename = 'runs' order by 1`.execute(conn.db)).rows.map((r) => r.n);

    it('CREATE INDEX CONCURRENTLY in a transactional SQL migration: the hint names -- eventdb:no-transaction; nothing of it stays; marked, it applies', async () => {
      const { conn, config, dir } = await setup({
        '0001_runs.sql': sqlMig('create table runs (id integer primary key, org integer);', 'drop table runs;'),
        '0002_idx.sql': sqlMig('create index concurrently if not exists runs_org on runs (org);', 'drop index runs_org;'),
      });
      const e = await fail(migrateUp(conn, config));
      expect(e.code).toBe('MIGRATION_FAILED');
      expect(e.message).toContain('0002_idx');
      expect(e.message).toContain('cannot run inside a transaction block');
      expect(e.hint).toContain('mark the migration `-- eventdb:no-transaction`');
      expect(e.hint).toContain('`eventdb migrate lint` finds these');
      expect(e.hint).toContain('the 1 before it stay applied');
      expect(await historyIds(conn.db)).toEqual(['0001_runs']);
      expect(await indexes(conn)).toEqual(['runs_pkey']);
      // Marked as the hint says, the same statement applies.
      writeFileSync(join(dir, '0002_idx.sql'), sqlMig('create index concurrently if not exists runs_org on runs (org);', 'drop index runs_org;', '-- eventdb:no-transaction\n'));
      await expect(migrateUp(conn, config)).resolves.toMatchObject({ applied: [{ id: '0002_idx' }] });
      expect(await indexes(conn)).toEqual(['runs_org', 'runs_pkey']);
    });

    it('the same in a TS migration: the hint names meta.transaction', async () => {
      const { conn, config } = await setup({
        '0001_runs.sql': sqlMig('create table runs (id integer primary key, org integer);'),
        '0002_idx.ts': "import { sql } from 'kysely';\nexport const meta = { transaction: true };\nexport async function up(db) { await sql`create index concurrently runs_org on runs (org)`.execute(db); }\n",
      });
      const e = await fail(migrateUp(conn, config));
      expect(e.code).toBe('MIGRATION_FAILED');
      expect(e.message).toContain('0002_idx');
      expect(e.hint).toContain('set `transaction: false` in the migration\'s `meta`');
      expect(await historyIds(conn.db)).toEqual(['0001_runs']);
      expect(await indexes(conn)).toEqual(['runs_pkey']);
    });

    it('an enum value used in the migration that added it: the hint says to move the use into a later migration; nothing of it stays', async () => {
      const { conn, config } = await setup({
        '0001_mood.sql': sqlMig("create type mood as enum ('a');"),
        '0002_b.sql': sqlMig("alter type mood add value 'b';\ncreate table moods (m mood not null default 'b');"),
      });
      const e = await fail(migrateUp(conn, config));
      expect(e.code).toBe('MIGRATION_FAILED');
      expect(e.message).toContain('unsafe use of new value "b"');
      expect(e.message).toContain("in statement: create table moods (m mood not null default 'b')");
      expect(e.hint).toContain('move the statements that use it into a later migration');
      expect(await historyIds(conn.db)).toEqual(['0001_mood']);
      expect(await userTables(conn.db, 'postgres')).toEqual([]);
      const labels = await sql<{ l: string }>`select enumlabel as l from pg_enum e join pg_type t on t.oid = e.enumtypid where t.typname = 'mood' order by enumsortorder`.execute(conn.db);
      expect(labels.rows.map((r) => r.l)).toEqual(['a']);
    });

    it('a failed CREATE INDEX CONCURRENTLY (no-transaction): the hint names the INVALID index it left and how to drop it; done so, it applies', async () => {
      const { conn, config } = await setup({
        '0001_runs.sql': sqlMig('create table runs (id integer, org integer);\ninsert into runs values (1, 7), (2, 7);', 'drop table runs;'),
        '0002_idx.sql': sqlMig('create unique index concurrently runs_org on runs (org);', 'drop index concurrently runs_org;', '-- eventdb:no-transaction\n'),
      });
      const invalid = async () => (await sql<{ n: string; v: boolean }>`select c.relname as n, i.indisvalid as v from pg_index i join pg_class c on c.oid = i.indexrelid where c.relname = 'runs_org'`.execute(conn.db)).rows;
      const e = await fail(migrateUp(conn, config));
      expect(e.code).toBe('MIGRATION_FAILED');
      expect(e.message).toContain('could not create unique index "runs_org" (Key (org)=(7) is duplicated.)');
      expect(e.hint).toMatch(/^a failed CREATE INDEX CONCURRENTLY leaves the index behind, INVALID .*DROP INDEX CONCURRENTLY IF EXISTS runs_org — then run again/);
      expect(await historyIds(conn.db)).toEqual(['0001_runs']);
      expect(await invalid()).toEqual([{ n: 'runs_org', v: false }]);
      // Run again as it is: "already exists", and the same way out.
      await sql`delete from runs where id = 2`.execute(conn.db);
      const again = await fail(migrateUp(conn, config));
      expect(again.message).toContain('relation "runs_org" already exists');
      expect(again.hint).toMatch(/^if an earlier failed build left runs_org INVALID .*DROP INDEX CONCURRENTLY IF EXISTS runs_org/);
      expect(await historyIds(conn.db)).toEqual(['0001_runs']);
      // As the hint says: dropped, the migration applies.
      await sql`drop index concurrently if exists runs_org`.execute(conn.db);
      await expect(migrateUp(conn, config)).resolves.toMatchObject({ applied: [{ id: '0002_idx' }] });
      expect(await invalid()).toEqual([{ n: 'runs_org', v: true }]);
    });

    it('any other error keeps the generic hint', async () => {
      const { conn, config } = await setup({ '0001_bad.sql': sqlMig('create table t (id integer primary key);\ninsert into t values (1), (1);') });
      const e = await fail(migrateUp(conn, config));
      expect(e.code).toBe('MIGRATION_FAILED');
      expect(e.message).toMatch(/duplicate key/);
      expect(e.hint).toMatch(/^fix the migration and run the command again \(its transaction was rolled back/);
      expect(await historyIds(conn.db)).toEqual([]);
      expect(await userTables(conn.db, 'postgres')).toEqual([]);
    });
  },
  ['postgres'],
);
