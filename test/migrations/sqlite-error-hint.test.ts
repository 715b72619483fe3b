import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import type { Connection } from '../../src/dialects/types.js';
import { migrateUp } from '../../src/migrations/index.js';
import { describeEngines } from '../helpers/engines.js';
import { fail, historyIds, openWithMigrations, sqlMig } from './helpers.js';

/**
 * uptime-kuma's last SQLite patch adds a foreign key by editing sqlite_master under PRAGMA
 * writable_schema. eventdb's SQLite (better-sqlite3) runs in defensive mode, which refuses that edit
 * ("table sqlite_master may not be modified"); the failure's hint says what works instead, and
 * nothing of the migration stays.
 */

const open: Connection[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

const KUMA_EDIT = `BEGIN TRANSACTION;
PRAGMA writable_schema = TRUE;
UPDATE SQLITE_MASTER SET sql = replace(sql, 'monitor_id INTEGER NOT NULL', 'monitor_id INTEGER NOT NULL REFERENCES [monitor] ([id]) ON DELETE CASCADE')
WHERE name = 'monitor_tls_info' AND type = 'table';
PRAGMA writable_schema = RESET;
COMMIT;`;

const REBUILD = `CREATE TABLE monitor_tls_info_new (id INTEGER PRIMARY KEY, monitor_id INTEGER NOT NULL REFERENCES monitor (id) ON DELETE CASCADE);
INSERT INTO monitor_tls_info_new (id, monitor_id) SELECT id, monitor_id FROM monitor_tls_info;
DROP TABLE monitor_tls_info;
ALTER TABLE monitor_tls_info_new RENAME TO monitor_tls_info;`;

describeEngines(
  'migrate up: a hand edit of sqlite_master',
  (fx) => {
    const ddl = async (conn: Connection) => (await sql<{ s: string }>`select sql as s from sqlite_master where name = 'monitor_tls_info'`.execute(conn.db)).rows[0]?.s;

    it('fails with a hint that names the rebuild; the table keeps its definition and rows; the rebuild applies', async () => {
      const { conn, config, dir } = await openWithMigrations(
        fx,
        {
          '0001_base.sql': sqlMig('CREATE TABLE monitor (id INTEGER PRIMARY KEY);\nCREATE TABLE monitor_tls_info (id INTEGER PRIMARY KEY, monitor_id INTEGER NOT NULL);\nINSERT INTO monitor (id) VALUES (1);\nINSERT INTO monitor_tls_info (id, monitor_id) VALUES (1, 1);'),
          '0002_fk.sql': sqlMig(KUMA_EDIT),
        },
        open,
      );
      const e = await fail(migrateUp(conn, config));
      expect(e.code).toBe('MIGRATION_FAILED');
      expect(e.message).toContain('0002_fk');
      expect(e.message).toContain('table sqlite_master may not be modified');
      expect(e.hint).toContain('eventdb opens SQLite in defensive mode');
      expect(e.hint).toContain('rebuild the table instead: CREATE the new shape, INSERT … SELECT');
      expect(e.hint).toContain('the 1 before it stay applied');
      expect(await historyIds(conn.db)).toEqual(['0001_base']);
      expect(await ddl(conn)).toBe('CREATE TABLE monitor_tls_info (id INTEGER PRIMARY KEY, monitor_id INTEGER NOT NULL)');
      expect((await sql<{ n: number }>`select count(*) as n from monitor_tls_info`.execute(conn.db)).rows[0]!.n).toBe(1);

      writeFileSync(join(dir, '0002_fk.sql'), sqlMig(REBUILD));
      await expect(migrateUp(conn, config)).resolves.toMatchObject({ applied: [{ id: '0002_fk' }] });
      expect(await ddl(conn)).toContain('REFERENCES monitor (id) ON DELETE CASCADE');
      expect((await sql<{ n: number }>`select count(*) as n from monitor_tls_info`.execute(conn.db)).rows[0]!.n).toBe(1);
    });
  },
  ['sqlite'],
);
