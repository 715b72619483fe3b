import { sql, type KyselyPlugin } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import type { Connection } from '../../src/dialects/types.js';
import { openDatabase } from '../../src/index.js';
import { ensureHistory, ensureHistoryTables, ownTables } from '../../src/migrations/history.js';
import { describeEngines } from '../helpers/engines.js';

/*
 * Issue 18: `migrate up` creates eventdb's two tables before its first migration in one transaction —
 * on an engine that runs a script of many statements in one query (PostgreSQL, PGlite), in one round
 * trip. The tables must be those ensureHistory creates, and both or neither must be created.
 */

const open: Connection[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

/** `conn` whose queries are counted: one entry per query the engine answered (compiling one is not sending it). */
function counted(conn: Connection): { conn: Connection; sent: string[] } {
  const sent: string[] = [];
  const plugin: KyselyPlugin = {
    transformQuery: (args) => args.node,
    transformResult: async (args) => {
      sent.push(args.queryId.queryId);
      return args.result;
    },
  };
  return { conn: { ...conn, db: conn.db.withPlugin(plugin) }, sent };
}

describeEngines('ensureHistoryTables: eventdb\'s tables in one transaction', (fx) => {
  it('creates the tables ensureHistory creates, in one query where the engine takes whole scripts; again is a no-op', async () => {
    const conn = await openDatabase(await fx.config());
    open.push(conn);
    const { conn: c, sent } = counted(conn);
    await ensureHistoryTables(c);
    expect(sent.length).toBe(conn.wholeScripts ? 1 : 2);
    const mine = (await conn.introspect()).tables.filter((t) => t.name.startsWith('eventdb_'));
    expect(mine.map((t) => t.name).sort()).toEqual(['eventdb_migration_log', 'eventdb_migrations']);
    // The same tables, column for column, as the statement-by-statement way creates them.
    await sql`drop table eventdb_migrations`.execute(conn.db);
    await sql`drop table eventdb_migration_log`.execute(conn.db);
    await ensureHistory(ownTables(conn, conn.db), conn.engine);
    const theirs = (await conn.introspect()).tables.filter((t) => t.name.startsWith('eventdb_'));
    expect(JSON.stringify(mine)).toBe(JSON.stringify(theirs));
    await ensureHistoryTables(conn); // both exist: nothing happens, nothing fails
    expect((await conn.introspect()).tables.filter((t) => t.name.startsWith('eventdb_')).length).toBe(2);
  });
});

describeEngines(
  'ensureHistoryTables: both tables or neither',
  (fx) => {
    it('when the second table cannot be created, the first is not left behind', async () => {
      const conn = await openDatabase(await fx.config());
      open.push(conn);
      // A type of the log table's name: creating that table (and its row type) fails, after the history table.
      await sql`create type eventdb_migration_log as enum ('x')`.execute(conn.db);
      await expect(ensureHistoryTables(conn)).rejects.toThrow(/eventdb_migration_log/);
      const r = await sql<{ t: string | null }>`select to_regclass('eventdb_migrations')::text as t`.execute(conn.db);
      expect(r.rows[0]!.t).toBeNull();
    });
  },
  ['postgres', 'pglite'],
);
