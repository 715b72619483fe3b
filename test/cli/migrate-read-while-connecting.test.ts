import { tmpdir } from 'node:os';
import { expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import { describeEngines } from '../helpers/engines.js';
import { runCli } from '../helpers/cli.js';
import { historyIds, sqlMig, userTables, writeMigrations } from '../migrations/helpers.js';

/*
 * `migrate up` reads the migration files while the connection opens (#18: a server's backend starts
 * meanwhile). What a file's error or a connection's error does must not change with that: the same
 * error, in the same order (the connection's first), and nothing applied.
 */
async function dbState(url: string, engine: string) {
  const conn = await openDatabase({ flags: { url }, env: {} });
  try {
    return { tables: await userTables(conn.db, engine), history: await historyIds(conn.db).catch(() => 'no history table') };
  } finally {
    await conn.close();
  }
}

describeEngines(
  'migrate up reads the files while connecting',
  (fx) => {
    it('applies every file it read', async () => {
      const dir = writeMigrations(fx.dir(), {
        '0001_a.sql': sqlMig('create table a (x integer);', 'drop table a;'),
        '0002_b.sql': sqlMig('create table b (x integer);', 'drop table b;'),
      });
      const r = await runCli(['migrate', 'up', '--url', fx.url(), '--migrations', dir, '--json']);
      expect(r.code).toBe(0);
      expect(r.json().applied.map((s: { id: string }) => s.id)).toEqual(['0001_a', '0002_b']);
      expect((await dbState(fx.url(), fx.engine)).history).toEqual(['0001_a', '0002_b']);
    });

    it("a file's error: the same error as before, nothing applied, no stray output", async () => {
      const before = await dbState(fx.url(), fx.engine);
      const dir = writeMigrations(fx.dir(), {
        '0001_a.sql': sqlMig('create table a (x integer);', 'drop table a;'),
        '0002_b.sql': sqlMig('create table b (x integer);', 'drop table b;'),
        '0003_c.sql': sqlMig('create table c (x integer);', 'drop table c;'),
        '0004_empty.sql': '   \n',
      });
      const r = await runCli(['migrate', 'up', '--url', fx.url(), '--migrations', dir, '--json']);
      expect(r.code).not.toBe(0);
      const j = r.json();
      expect(j.ok).toBe(false);
      expect(j.error.code).toBe('EMPTY_MIGRATION');
      expect(j.error.message).toContain('0004_empty.sql is empty');
      expect(r.stderr).not.toMatch(/Unhandled|at .*\.js:\d+/);
      expect(await dbState(fx.url(), fx.engine)).toEqual(before);
    });
  },
  ['postgres', 'sqlite'],
);

it('postgres: a database that does not exist is reported before a bad file, and nothing is created', async () => {
  const { createPgDatabase } = await import('../helpers/engines.js');
  const db = await createPgDatabase('eventdb_rwc');
  try {
    const missing = db.url.replace(/\/[^/?]+(\?|$)/, `/${db.name}_missing$1`);
    const dir = writeMigrations(tmpdir(), { '0001_empty.sql': '' });
    const r = await runCli(['migrate', 'up', '--url', missing, '--migrations', dir, '--json']);
    expect(r.code).not.toBe(0);
    expect(r.json().error.code).toBe('DB_NOT_FOUND');
    expect(r.json().error.message).toContain(`${db.name}_missing`);
    expect(r.stderr).not.toMatch(/Unhandled|EMPTY_MIGRATION/);
    const exists = await openDatabase({ flags: { url: missing }, env: {} }).then(
      (c) => c.close().then(() => true),
      () => false,
    );
    expect(exists).toBe(false);
  } finally {
    await db.drop();
  }
});
