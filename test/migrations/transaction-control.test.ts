import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/dialects/types.js';
import { migrateUp, rollback } from '../../src/migrations/index.js';
import { transactionControlOf } from '../../src/migrations/transaction-control.js';
import { describeEngines } from '../helpers/engines.js';
import { fail, historyIds, openWithMigrations, sqlMig, userTables } from './helpers.js';

/**
 * BEGIN / COMMIT written into a transactional migration (Prisma's enum changes, golang-migrate files,
 * `sqlite3 .dump` output) are not sent: the migration commits once, as a whole. Sent as written,
 * PostgreSQL let the COMMIT commit eventdb's transaction early — a later failure then left the part
 * before it applied and unrecorded while the error said it was rolled back.
 */

describe('transactionControlOf', () => {
  it('knows BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK and ABORT, and leaves savepoints, two-phase commands and BEGIN ATOMIC alone', () => {
    const cases: Array<[string, string | undefined]> = [
      ['BEGIN', 'begin'],
      ['begin transaction', 'begin'],
      ['BEGIN IMMEDIATE TRANSACTION', 'begin'],
      ['START TRANSACTION ISOLATION LEVEL SERIALIZABLE', 'begin'],
      ['-- AlterEnum\nBEGIN', 'begin'],
      ['COMMIT', 'commit'],
      ['commit work', 'commit'],
      ['END TRANSACTION', 'commit'],
      ['ROLLBACK', 'rollback'],
      ['abort', 'rollback'],
      ['ROLLBACK TO SAVEPOINT s1', undefined],
      ['rollback transaction to s1', undefined],
      ['ROLLBACK PREPARED \'x\'', undefined],
      ['COMMIT PREPARED \'x\'', undefined],
      ['SAVEPOINT s1', undefined],
      ['BEGIN ATOMIC SELECT 1; END', undefined],
      ['CREATE TABLE begin_log (id int)', undefined],
      ['ENDPOINT', undefined],
    ];
    for (const [sql, want] of cases) expect([sql, transactionControlOf(sql)]).toEqual([sql, want]);
  });
});

const open: Connection[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

describeEngines(
  'BEGIN and COMMIT inside a transactional migration',
  (fx) => {
    const engine = fx.engine;
    const setup = (files: Record<string, string>) => openWithMigrations(fx, files, open);
    const log = async (conn: Connection) => (await conn.db.selectFrom('eventdb_migration_log').select(['id', 'outcome']).orderBy('started_at').execute()).map((r) => `${r.id}:${r.outcome}`);

    it('a COMMIT in the middle (Prisma) does not commit early: a later failure leaves nothing of the migration; fixed, it applies whole', async () => {
      const body = (last: string) => `BEGIN;\ncreate table a (id integer primary key);\nCOMMIT;\n\n-- AlterTable\ncreate table b (id integer);\n${last}`;
      const { conn, config, dir } = await setup({ '0001_p.sql': sqlMig(body('insert into nope values (1);'), 'drop table b;\ndrop table a;') });
      const e = await fail(migrateUp(conn, config));
      expect(e.code).toBe('MIGRATION_FAILED');
      expect(e.message).toContain('0001_p');
      expect(e.message).toContain('in statement: insert into nope values (1)');
      expect(e.hint).toContain('its transaction was rolled back');
      expect(await userTables(conn.db, engine)).toEqual([]);
      expect(await historyIds(conn.db)).toEqual([]);
      expect(await log(conn)).toEqual(['0001_p:failed']);
      writeFileSync(join(dir, '0001_p.sql'), sqlMig(body('insert into b values (1);'), 'drop table b;\ndrop table a;'));
      const r = await migrateUp(conn, config);
      expect(r.applied.map((s) => s.id)).toEqual(['0001_p']);
      expect(await userTables(conn.db, engine)).toEqual(['a', 'b']);
      expect((await conn.db.selectFrom('b').select('id').execute()).map((x) => Number(x.id))).toEqual([1]);
      expect(await historyIds(conn.db)).toEqual(['0001_p']);
    });

    it('a file wrapped whole (golang-migrate) applies and rolls back, its down section wrapped too', async () => {
      const { conn, config } = await setup({
        '0001_w.sql': sqlMig('BEGIN;\ncreate table w (id integer primary key);\ninsert into w values (1), (2);\nCOMMIT;', 'BEGIN TRANSACTION;\ndrop table w;\nEND;'),
      });
      await expect(migrateUp(conn, config)).resolves.toMatchObject({ applied: [{ id: '0001_w' }] });
      expect((await conn.db.selectFrom('w').select('id').execute()).length).toBe(2);
      await expect(rollback(conn, config)).resolves.toMatchObject({ rolledBack: [{ id: '0001_w' }] });
      expect(await userTables(conn.db, engine)).toEqual([]);
      expect(await historyIds(conn.db)).toEqual([]);
    });

    it('--dry-run rehearses a wrapped file and changes nothing', async () => {
      const { conn, config } = await setup({ '0001_w.sql': sqlMig('BEGIN;\ncreate table w (id integer primary key);\nCOMMIT;') });
      const r = await migrateUp(conn, { ...config }, { dryRun: true });
      expect(r.rehearsal).toMatchObject({ ran: true, ok: true, rehearsed: ["0001_w"] });
      expect(r.plan[0]!.findings.map((f) => `${(f as { rule: string }).rule}:${(f as { level: string }).level}`)).toEqual(['txn-control-in-migration:low', 'txn-control-in-migration:low']);
      expect(await userTables(conn.db, engine)).toEqual([]);
      expect(await historyIds(conn.db)).toEqual([]);
    });

    it('a ROLLBACK is refused before the migration runs: nothing of it, the one before stays applied', async () => {
      const { conn, config } = await setup({
        '0001_ok.sql': sqlMig('create table ok (id integer);'),
        '0002_r.sql': sqlMig('create table r (id integer);\nROLLBACK;'),
      });
      const e = await fail(migrateUp(conn, config));
      expect(e.code).toBe('MIGRATION_FAILED');
      expect(e.message).toContain('0002_r');
      expect(e.message).toContain('ROLLBACK inside the transaction eventdb runs this migration in would undo the migration');
      expect(e.hint).toMatch(/^remove the ROLLBACK .*-- eventdb:no-transaction/);
      expect(await userTables(conn.db, engine)).toEqual(['ok']);
      expect(await historyIds(conn.db)).toEqual(['0001_ok']);
      expect(await log(conn)).toEqual(['0001_ok:applied', '0002_r:failed']);
    });

    it('a no-transaction migration runs its own BEGIN and COMMIT as written', async () => {
      const { conn, config } = await setup({ '0001_n.sql': sqlMig('BEGIN;\ncreate table n (id integer);\nCOMMIT;', undefined, '-- eventdb:no-transaction\n') });
      await expect(migrateUp(conn, config)).resolves.toMatchObject({ applied: [{ id: '0001_n' }] });
      expect(await userTables(conn.db, engine)).toEqual(['n']);
      expect(await historyIds(conn.db)).toEqual(['0001_n']);
    });
  },
  ['sqlite', 'duckdb', 'postgres'],
);
