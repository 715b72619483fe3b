import type { ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import { EventdbError } from '../../src/errors.js';
import { describeEngines } from '../helpers/engines.js';
import { holdLock } from '../helpers/locks.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

const DDL: Record<string, string[]> = {
  postgres: [
    'create table venues (id bigserial primary key, name text not null, capacity integer not null default 0)',
    "create table events (id bigserial primary key, venue_id bigint not null references venues(id) on delete cascade, title varchar(200) not null, starts_at timestamptz, price numeric(10,2), tags jsonb, active boolean default true)",
    'create index events_venue_idx on events (venue_id, starts_at)',
    'create unique index venues_name_lower on venues (lower(name))',
  ],
  sqlite: [
    'create table venues (id integer primary key, name text not null, capacity integer not null default 0)',
    'create table events (id integer primary key, venue_id integer not null references venues(id) on delete cascade, title varchar(200) not null, starts_at timestamptz, price numeric(10,2), tags json, active boolean default 1)',
    'create index events_venue_idx on events (venue_id, starts_at)',
    'create unique index venues_name_lower on venues (name)',
  ],
  duckdb: [
    'create table venues (id bigint primary key, name text not null, capacity integer not null default 0)',
    'create table events (id bigint primary key, venue_id bigint not null references venues(id), title varchar(200) not null, starts_at timestamptz, price decimal(10,2), tags json, active boolean default true)',
    'create index events_venue_idx on events (venue_id, starts_at)',
    'create unique index venues_name_lower on venues (name)',
  ],
};

describeEngines('dialect contract', (fx) => {
  it('connects, pings, reports version and capabilities', async () => {
    const conn = await openDatabase(await fx.config());
    try {
      expect(conn.engine).toBe(fx.engine);
      expect(await conn.ping()).toBeGreaterThanOrEqual(0);
      expect(await conn.serverVersion()).toMatch({ postgres: /^PostgreSQL \d+/, sqlite: /^SQLite 3\./, duckdb: /^DuckDB \d/ }[fx.engine]);
      expect(conn.capabilities.transactionalDdl).toBe(true);
      expect(conn.capabilities.advisoryLocks).toBe(fx.engine === 'postgres');
    } finally {
      await conn.close();
    }
  });

  it('runs queries through Kysely, with transactional DDL', async () => {
    const conn = await openDatabase(await fx.config());
    try {
      await sql.raw('create table t (id integer primary key, name text)').execute(conn.db);
      await conn.db.insertInto('t').values([{ id: 1, name: 'a' }, { id: 2, name: 'b' }]).execute();
      const count = await conn.db.selectFrom('t').select(sql<number>`count(*)`.as('count')).executeTakeFirst();
      expect(Number(count?.count)).toBe(2);
      const upd = await conn.db.updateTable('t').set({ name: 'z' }).where('id', '=', 1).executeTakeFirst();
      expect(Number(upd.numUpdatedRows)).toBe(1);
      await expect(
        conn.db.transaction().execute(async (trx) => {
          await sql.raw('create table rolled_back (x integer)').execute(trx);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const snap = await conn.introspect();
      expect(snap.tables.map((t) => t.name)).toEqual(['t']);
    } finally {
      await conn.close();
    }
  });

  it('introspects tables, columns with type families, indexes and foreign keys', async () => {
    const conn = await openDatabase(await fx.config());
    try {
      for (const s of DDL[fx.engine]!) await sql.raw(s).execute(conn.db);
      const snap = await conn.introspect();
      const events = snap.tables.find((t) => t.name === 'events')!;
      expect(events.primaryKey).toEqual(['id']);
      const col = (n: string) => events.columns.find((c) => c.name === n)!;
      expect(col('title')).toMatchObject({ family: 'text', nullable: false });
      expect(col('starts_at')).toMatchObject({ family: 'timestamptz', nullable: true });
      expect(col('price').family).toBe('decimal');
      expect(col('tags').family).toBe('json');
      expect(col('active').family).toBe('boolean');
      expect(col('venue_id').family).toBe('integer');
      const venues = snap.tables.find((t) => t.name === 'venues')!;
      expect(venues.columns.find((c) => c.name === 'capacity')!.default).toMatch(/0/);
      const idx = snap.indexes.find((i) => i.name === 'events_venue_idx')!;
      expect(idx).toMatchObject({ table: 'events', columns: ['venue_id', 'starts_at'], unique: false, primary: false });
      expect(snap.indexes.find((i) => i.name === 'venues_name_lower')?.unique).toBe(true);
      expect(snap.indexes.some((i) => i.table === 'events' && i.primary)).toBe(true);
      const fk = snap.foreignKeys.find((f) => f.table === 'events')!;
      expect(fk).toMatchObject({ columns: ['venue_id'], refTable: 'venues', refColumns: ['id'] });
      if (fx.engine !== 'duckdb') expect(fk.onDelete).toBe('CASCADE');
    } finally {
      await conn.close();
    }
  });

  it('withLock excludes another process, names the holder, and is freed by kill -9', async () => {
    const url = fx.url();
    if (fx.engine !== 'postgres') (await openDatabase(await fx.config())).close(); // create the file
    const holder = await holdLock(url, 60, children);
    if (fx.engine === 'duckdb' || fx.variant === 'pglite') {
      // DuckDB and PGlite admit one process per file/directory: the second one waits at open, then fails with exit 4.
      const e = await openDatabase(await fx.config(), { lockWaitMs: 300 }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(EventdbError);
      expect((e as EventdbError).code).toBe('LOCK_BUSY');
      expect((e as EventdbError).exitCode).toBe(4);
      expect((e as EventdbError).message).toContain(`pid ${holder.pid}`);
    } else {
      const conn = await openDatabase(await fx.config());
      try {
        const status = await conn.lockStatus('migrate');
        expect(status.held).toBe(true);
        const t0 = Date.now();
        const e = await conn.withLock('migrate', { timeoutMs: 400 }, async () => 'got it').catch((x: unknown) => x);
        expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
        expect(e).toBeInstanceOf(EventdbError);
        expect((e as EventdbError).code).toBe('LOCK_TIMEOUT');
        expect((e as EventdbError).exitCode).toBe(4);
        expect((e as EventdbError).message).toMatch(fx.engine === 'sqlite' ? new RegExp(`pid ${holder.pid}`) : /backend pid \d+ \(eventdb lock pid=\d+/);
      } finally {
        await conn.close();
      }
    }
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    const conn = await openDatabase(await fx.config(), { lockWaitMs: 5000 });
    try {
      expect(await conn.withLock('migrate', { timeoutMs: 2000 }, async () => 'got it')).toBe('got it');
      expect((await conn.lockStatus('migrate')).held).toBe(false);
    } finally {
      await conn.close();
    }
  });

  it('withLock serialises callers in one process', async () => {
    const conn = await openDatabase(await fx.config());
    try {
      const order: string[] = [];
      const job = (n: string) =>
        conn.withLock('migrate', { timeoutMs: 5000 }, async () => {
          order.push(`${n}:start`);
          await new Promise((r) => setTimeout(r, 50));
          order.push(`${n}:end`);
        });
      await Promise.all([job('a'), job('b')]);
      // Whoever wins, the two critical sections never overlap.
      expect(order).toHaveLength(4);
      expect(order[0]!.split(':')[0]).toBe(order[1]!.split(':')[0]);
      expect(order.map((x) => x.split(':')[1])).toEqual(['start', 'end', 'start', 'end']);
    } finally {
      await conn.close();
    }
  });
});
