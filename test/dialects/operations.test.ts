import { sql } from 'kysely';
import { statSync } from 'node:fs';
import { expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import { describeEngines } from '../helpers/engines.js';

/**
 * The members the core's health, risk and drift code asks of a connection (table sizes, vitals, busy
 * timeout, function volatility), run on every engine against tables of known row counts.
 */
describeEngines('core operations', (fx) => {
  async function withTables<T>(fn: (conn: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
    const conn = await openDatabase(await fx.config());
    try {
      await sql`create table venues (id integer primary key, name text not null)`.execute(conn.db);
      await sql`create table "Events" (id integer primary key, venue_id integer not null, title text)`.execute(conn.db);
      await sql`create table empty_one (id integer primary key)`.execute(conn.db);
      await sql`create index events_venue_idx on "Events" (venue_id)`.execute(conn.db);
      await conn.db.insertInto('venues').values([1, 2, 3].map((id) => ({ id, name: `v${id}` }))).execute();
      await conn.db.insertInto('Events').values(Array.from({ length: 25 }, (_, i) => ({ id: i + 1, venue_id: (i % 3) + 1, title: `e${i}` }))).execute();
      return await fn(conn);
    } finally {
      await conn.close();
    }
  }

  it('tableSizes: rows per table of its own schema, names lower case', async () => {
    await withTables(async (conn) => {
      const sizes = await conn.tableSizes();
      expect(sizes.get('venues')).toBe(3);
      expect(sizes.get('events')).toBe(25);
      expect(sizes.get('empty_one')).toBe(0);
      expect([...sizes.keys()].sort()).toEqual(['empty_one', 'events', 'venues']);
    });
  });

  it('vitals: facts of a database with sessions or of a file; deep adds the slow ones', async () => {
    await withTables(async (conn) => {
      const shallow = await conn.vitals({ deep: false });
      const deep = await conn.vitals({ deep: true });
      if (fx.engine === 'postgres') {
        // PostgreSQL server and PGlite: the same SQL.
        if (shallow.kind !== 'sessions' || deep.kind !== 'sessions') throw new Error(`expected session vitals, got ${shallow.kind}`);
        expect(shallow.sizeBytes).toBeGreaterThan(0);
        // PGlite runs single-user: no client backends to count.
        expect(shallow.connections.used).toBeGreaterThanOrEqual(fx.variant === 'pglite' ? 0 : 1);
        expect(shallow.connections.max).toBeGreaterThan(shallow.connections.reserved);
        expect(Array.isArray(shallow.sessions)).toBe(true);
        expect(shallow.neverScannedIndexes).toBeUndefined();
        expect(deep.neverScannedIndexes?.map((i) => i.index)).toContain('events_venue_idx');
        expect(deep.neverScannedIndexes?.find((i) => i.index === 'events_venue_idx')?.table).toBe('Events');
      } else {
        if (shallow.kind !== 'file' || deep.kind !== 'file') throw new Error(`expected file vitals, got ${shallow.kind}`);
        const path = conn.target.path!;
        expect(shallow.path).toBe(path);
        expect(shallow.sizeBytes).toBe(statSync(path).size);
        expect(shallow.sizeBytes).toBeGreaterThan(0);
        expect(shallow.walBytes).toBeGreaterThanOrEqual(0);
        if (fx.engine === 'sqlite') {
          expect(shallow.pages!.count).toBeGreaterThanOrEqual(4); // schema + three tables
          expect(shallow.pages!.size).toBe(4096);
          expect(shallow.quickCheck).toBeUndefined();
          expect(deep.quickCheck).toEqual(['ok']);
        } else {
          expect(shallow.pages).toBeUndefined();
          expect(shallow.tablesScanned).toBeUndefined();
          expect(deep.tablesScanned).toBe(3);
        }
      }
    });
  });

  it('setBusyTimeout: SQLite sets busy_timeout; the others have no such wait', async () => {
    const conn = await openDatabase(await fx.config());
    try {
      if (fx.engine === 'sqlite') {
        await conn.setBusyTimeout!(1234);
        const r = await sql<{ timeout: number }>`pragma busy_timeout`.execute(conn.db);
        expect(Object.values(r.rows[0]!)[0]).toBe(1234);
      } else {
        expect(conn.setBusyTimeout).toBeUndefined();
      }
    } finally {
      await conn.close();
    }
  });

  it('functionVolatility: PostgreSQL (server and PGlite) reads pg_proc; elsewhere absent (unknown)', async () => {
    const conn = await openDatabase(await fx.config());
    try {
      if (fx.engine === 'postgres') {
        const v = await conn.functionVolatility!();
        expect(v.get('now')).toBe('s');
        expect(v.get('random')).toBe('v');
        expect(v.get('lower')).toBe('i');
        // Only the names asked for (the risk gate asks for the words of its plan).
        expect(await conn.functionVolatility!(['now', 'random', 'no_such_function'])).toEqual(new Map([['now', 's'], ['random', 'v']]));
      } else {
        expect(conn.functionVolatility).toBeUndefined();
      }
    } finally {
      await conn.close();
    }
  });
});
