/**
 * In-memory PGlite databases after the second are loaded from an image of a fresh data directory
 * (taken from the second one before its first use) instead of running initdb again. Each must still be
 * its own, fresh database: nothing one of them creates — before or after the image was taken — shows
 * up in another, and every one takes DDL, rows and a transaction that rolls back.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import type { Connection } from '../../src/dialects/types.js';
import { openDatabase } from '../../src/index.js';

const open = () => openDatabase({ flags: { url: 'pglite::memory:' }, env: {}, cwd: process.cwd() });
const tables = async (c: Connection) => (await sql<{ t: string }>`select table_name as t from information_schema.tables where table_schema = 'public' order by 1`.execute(c.db)).rows.map((r) => r.t);

it('each in-memory PGlite database is fresh and its own, with and without the image', { timeout: 180_000 }, async () => {
  const conns: Connection[] = [];
  try {
    for (let i = 1; i <= 4; i++) {
      const c = await open();
      conns.push(c);
      expect(await tables(c), `database ${i} starts empty`).toEqual([]);
      await sql.raw(`create table t${i} (id integer primary key, v text)`).execute(c.db);
      await sql.raw(`insert into t${i} values (1, 'x${i}')`).execute(c.db);
    }
    for (const [i, c] of conns.entries()) {
      expect(await tables(c)).toEqual([`t${i + 1}`]);
      await expect(
        c.db.transaction().execute(async (tx) => {
          await sql.raw(`insert into t${i + 1} values (2, 'y')`).execute(tx);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect((await sql.raw<{ n: number }>(`select count(*)::int as n from t${i + 1}`).execute(c.db)).rows[0]!.n).toBe(1);
    }
  } finally {
    for (const c of conns) await c.close();
  }
});
