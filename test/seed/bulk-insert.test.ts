import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import type { Connection } from '../../src/dialects/types.js';
import { describeEngines } from '../helpers/engines.js';

const DDL: Record<string, string> = {
  postgres:
    'create table items (id bigint primary key, name text not null, price numeric(10,2), qty integer, active boolean, happened_at timestamptz, note text, status text not null default \'new\')',
  sqlite:
    "create table items (id integer primary key, name text not null, price numeric(10,2), qty integer, active boolean, happened_at text, note text, status text not null default 'new')",
  duckdb:
    "create table items (id bigint primary key, name varchar not null, price decimal(10,2), qty integer, active boolean, happened_at timestamptz, note varchar, status varchar not null default 'new')",
};

const COLS = ['id', 'name', 'price', 'qty', 'active', 'happened_at', 'note', 'status'];
const TRICKY = ['tab\there', 'line\nbreak', 'back\\slash', 'quote "double" \'single\'', 'ünïcødé ✓', 'cr\rlf', '\\N', ''];

function row(i: number): unknown[] {
  return [i, `item ${i}`, (i % 1000) / 4, i % 7, i % 2 === 0, new Date(Date.UTC(2025, 0, 1) + i * 60_000), i % 10 === 0 ? null : TRICKY[i % TRICKY.length], i % 3 ? 'sold' : 'new'];
}

async function* batches(n: number, size: number, make = row): AsyncIterable<unknown[][]> {
  for (let s = 0; s < n; s += size) {
    const b: unknown[][] = [];
    for (let i = s; i < Math.min(n, s + size); i++) b.push(make(i));
    yield b;
  }
}

/** Rows read back, normalised so that engines compare equal. */
async function readBack(conn: Connection): Promise<unknown[][]> {
  const r = await sql<Record<string, unknown>>`select * from items order by id`.execute(conn.db);
  return r.rows.map((x) => [
    Number(x.id),
    x.name,
    x.price === null ? null : Number(x.price),
    x.qty,
    x.active === null ? null : Boolean(x.active),
    x.happened_at === null ? null : new Date(x.happened_at as string).toISOString(),
    x.note,
    x.status,
  ]);
}

async function count(conn: Connection): Promise<number> {
  const r = await sql<{ n: number }>`select count(*) as n from items`.execute(conn.db);
  return Number(r.rows[0]!.n);
}

describeEngines('bulkInsert', (fx) => {
  it('loads every value type faithfully, across batches, and returns the row count', async () => {
    const conn = await openDatabase(await fx.config());
    try {
      await sql.raw(DDL[fx.engine]!).execute(conn.db);
      const n = 5_003;
      expect(await conn.bulkInsert('items', COLS, batches(n, 1_000))).toBe(n);
      const rows = await readBack(conn);
      expect(rows.length).toBe(n);
      for (const i of [0, 1, 2, 3, 4, 5, 6, 7, 10, 4_999, 5_002]) {
        const want = row(i);
        want[5] = (want[5] as Date).toISOString();
        expect(rows[i]).toEqual(want);
      }
      expect(new Set(rows.map((r) => r[6]))).toEqual(new Set([...TRICKY, null]));
    } finally {
      await conn.close();
    }
  });

  it('fills the columns left out with their defaults', async () => {
    const conn = await openDatabase(await fx.config());
    try {
      await sql.raw(DDL[fx.engine]!).execute(conn.db);
      expect(await conn.bulkInsert('items', ['name', 'id'], batches(3, 2, (i) => [`n${i}`, i + 1]))).toBe(3);
      const rows = await readBack(conn);
      expect(rows.map((r) => [r[0], r[1], r[7], r[2]])).toEqual([
        [1, 'n0', 'new', null],
        [2, 'n1', 'new', null],
        [3, 'n2', 'new', null],
      ]);
    } finally {
      await conn.close();
    }
  });

  it('loads nothing when a batch is bad (wrong width, constraint violation)', async () => {
    const conn = await openDatabase(await fx.config());
    try {
      await sql.raw(DDL[fx.engine]!).execute(conn.db);
      await conn.bulkInsert('items', COLS, batches(10, 10));
      const bad = async function* () {
        yield* batches(3_000, 1_000, (i) => row(i + 100));
        yield [[1, 'short row']];
      };
      const e1 = await conn.bulkInsert('items', COLS, bad()).catch((e: unknown) => e);
      expect(e1).toMatchObject({ code: 'BULK_INSERT', message: 'a row for items has 2 values for 8 columns' });
      const dup = async function* () {
        yield* batches(3_000, 1_000, (i) => row(i + 100));
        yield [row(5)];
      };
      const e2 = await conn.bulkInsert('items', COLS, dup()).catch((e: unknown) => e);
      expect(e2).toMatchObject({ code: 'BULK_INSERT' });
      expect((e2 as Error).message).toMatch(/^loading items failed: .*(duplicate|unique|primary key|constraint)/i);
      expect((e2 as Error).message).not.toContain('\n');
      expect(await count(conn)).toBe(10);
    } finally {
      await conn.close();
    }
  });

  it('names a missing table', async () => {
    const conn = await openDatabase(await fx.config());
    try {
      const e = await conn.bulkInsert('nope', ['id'], batches(1, 1, (i) => [i])).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'BULK_INSERT' });
      expect((e as Error).message).toMatch(/nope/);
    } finally {
      await conn.close();
    }
  });
});

/**
 * The seed's load options into a fresh table: triggers off, secondary indexes dropped and built
 * once, foreign keys (PostgreSQL) dropped and checked in one pass. After a load — good or failed —
 * every trigger, index and foreign key is there as before, and a failed load leaves no rows.
 */
describeEngines(
  'bulkInsert load options',
  (fx) => {
    const schema = async (conn: Connection) => {
      const q = async (text: string) => (await sql.raw<Record<string, unknown>>(text).execute(conn.db)).rows;
      return fx.engine === 'postgres'
        ? {
            indexes: await q("select indexname as n, indexdef as d from pg_indexes where tablename = 'child' order by 1"),
            fks: await q("select conname as n, pg_get_constraintdef(oid) as d from pg_constraint where conrelid = 'child'::regclass and contype = 'f' order by 1"),
            triggers: await q("select tgname as n from pg_trigger where tgrelid = 'child'::regclass and not tgisinternal and tgenabled = 'O'"),
          }
        : { objects: await q("select type, name, sql from sqlite_schema where tbl_name = 'child' order by 1, 2") };
    };
    const rows = (n: number, bad?: 'fk' | 'unique') =>
      batches(n, 500, (i) => [i + 1, bad === 'fk' && i === n - 1 ? 999 : 1 + (i % 3), bad === 'unique' && i === n - 1 ? 0 : i]);
    const count = async (conn: Connection, t: string) => Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(t)}`.execute(conn.db)).rows[0]!.n);

    it('keeps triggers, indexes and foreign keys; skipped triggers do not fire; a bad row fails the whole load', async () => {
      const conn = await openDatabase(await fx.config());
      try {
        const ddl = [
          'create table parent (id integer primary key)',
          'create table child (id integer primary key, parent_id integer not null references parent (id), k integer not null)',
          'create unique index child_k on child (k)',
          'create index child_parent on child (parent_id)',
          'create table log (child_id integer)',
          'insert into parent values (1), (2), (3)',
          fx.engine === 'postgres'
            ? "create function log_child() returns trigger language plpgsql as $$ begin insert into log values (new.id); return new; end $$; create trigger child_log after insert on child for each row execute function log_child()"
            : 'create trigger child_log after insert on child begin insert into log values (new.id); end',
        ];
        for (const s of ddl) await sql.raw(s).execute(conn.db);
        const before = await schema(conn);
        const opts = { skipTriggers: true, rebuildIndexes: true, recheckForeignKeys: true };

        expect(await conn.bulkInsert('child', ['id', 'parent_id', 'k'], rows(2_000), opts)).toBe(2_000);
        expect(await count(conn, 'child')).toBe(2_000);
        expect(await count(conn, 'log')).toBe(0);
        expect(await schema(conn)).toEqual(before);

        await sql`delete from child`.execute(conn.db);
        for (const [bad, message] of [['fk', /foreign key/i], ['unique', /unique|duplicate/i]] as const) {
          const e = await conn.bulkInsert('child', ['id', 'parent_id', 'k'], rows(2_000, bad), opts).catch((x: unknown) => x);
          expect(e, bad).toMatchObject({ code: 'BULK_INSERT' });
          expect((e as Error).message).toMatch(/^loading child failed: /);
          expect((e as Error).message).toMatch(fx.engine === 'sqlite' && bad === 'fk' ? /FOREIGN KEY/ : message);
          expect(await count(conn, 'child')).toBe(0);
          expect(await schema(conn)).toEqual(before);
        }
        // The triggers fire again on ordinary inserts.
        await sql`insert into child values (1, 1, 1)`.execute(conn.db);
        expect(await count(conn, 'log')).toBe(1);
      } finally {
        await conn.close();
      }
    });
  },
  ['postgres', 'sqlite'],
);

/**
 * SQLite, into an empty table on a WAL file: the load's transaction goes through the rollback
 * journal (rows written once, into the file, not to the WAL and again at the checkpoint), and the
 * file is back in WAL mode afterwards, whether the load committed or failed. With another connection
 * on the file the switch is refused at once and the WAL kept.
 */
describeEngines(
  'bulkInsert into an empty table (rollback journal for the load)',
  (fx) => {
    const mode = async (conn: Connection) => String((await sql<{ journal_mode: string }>`pragma journal_mode`.execute(conn.db)).rows[0]!.journal_mode);
    const count = async (conn: Connection) => Number((await sql<{ n: number }>`select count(*) as n from items`.execute(conn.db)).rows[0]!.n);
    /** The rows, noting the journal mode seen from inside the load. */
    async function* probed(conn: Connection, seen: string[], n: number, bad = false): AsyncIterable<unknown[][]> {
      seen.push(await mode(conn));
      for await (const b of batches(n, 500)) yield b;
      if (bad) yield [[1, 'duplicate id', 1, 1, true, new Date(), null, 'new']];
    }

    it('loads through the rollback journal and leaves the file in WAL mode; keeps the WAL when another connection has the file open', async () => {
      const conn = await openDatabase(await fx.config());
      try {
        await sql.raw(DDL.sqlite!).execute(conn.db);
        expect(await mode(conn)).toBe('wal');
        const seen: string[] = [];
        expect(await conn.bulkInsert('items', COLS, probed(conn, seen, 3_000), { rebuildIndexes: true })).toBe(3_000);
        expect(seen).toEqual(['delete']);
        expect(await mode(conn)).toBe('wal');
        expect(Number((await sql<{ synchronous: number }>`pragma synchronous`.execute(conn.db)).rows[0]!.synchronous)).toBe(1); // NORMAL again

        // A failed load: nothing loaded, WAL mode back.
        await sql`delete from items`.execute(conn.db);
        const e = await conn.bulkInsert('items', COLS, probed(conn, seen, 1_000, true), { rebuildIndexes: true }).catch((x: unknown) => x);
        expect(e).toMatchObject({ code: 'BULK_INSERT' });
        expect((e as Error).message).toMatch(/^loading items failed: .*UNIQUE/);
        expect(seen).toEqual(['delete', 'delete']);
        expect(await count(conn)).toBe(0);
        expect(await mode(conn)).toBe('wal');

        // Another connection on the file: the WAL stays (no waiting for it), the load still commits.
        const other = await openDatabase(await fx.config());
        try {
          await count(other);
          const t = performance.now();
          expect(await conn.bulkInsert('items', COLS, probed(conn, seen, 1_000), { rebuildIndexes: true })).toBe(1_000);
          expect(performance.now() - t).toBeLessThan(4_000); // busy_timeout is 5 s: the switch did not wait for it
          expect(seen).toEqual(['delete', 'delete', 'wal']);
          expect(await count(other)).toBe(1_000);
        } finally {
          await other.close();
        }
        expect(await mode(conn)).toBe('wal');
      } finally {
        await conn.close();
      }
    });
  },
  ['sqlite'],
);
