import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Connection } from '../../src/dialects/types.js';
import { openDatabase } from '../../src/index.js';
import { migrateUp, migrationStatus, rollback } from '../../src/migrations/index.js';
import { createPgDatabase, describeEngines } from '../helpers/engines.js';
import { fail, historyIds, sqlMig, userTables, writeMigrations } from './helpers.js';

const open: Connection[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

/**
 * A real pg_dump (schema only) of a database with a domain, an enum, functions, a trigger, a view and
 * a materialized view — made here from a database built for it, with the pg_dump installed on the
 * machine. Every pg_dump output starts with `set_config('search_path', '', false)`.
 */
let dump = '';
let source: Awaited<ReturnType<typeof createPgDatabase>> | undefined;
beforeAll(async () => {
  source = await createPgDatabase('eventdb_dumpsrc');
  const c = new pg.Client({ connectionString: source.url });
  await c.connect();
  await c.query(`
    create domain email as text check (value ~ '^[^@]+@[^@]+$');
    create type ticket_state as enum ('held', 'paid', 'void');
    create table venues (id bigserial primary key, name text not null, capacity integer not null check (capacity > 0));
    create table tickets (id bigserial primary key, venue_id bigint not null references venues (id) on delete cascade,
      buyer email not null, state ticket_state not null default 'held', price numeric(10,2) not null default 0,
      updated_at timestamptz not null default now());
    create index tickets_venue_idx on tickets (venue_id);
    create function touch_updated_at() returns trigger language plpgsql as $$
    begin
      new.updated_at := now();
      return new;
    end $$;
    create trigger tickets_touch before update on tickets for each row execute function touch_updated_at();
    -- qualified: PostgreSQL 17 refreshes materialized views with search_path pg_catalog, pg_temp
    create function venue_revenue(v bigint) returns numeric language sql stable as $$ select coalesce(sum(price), 0) from public.tickets where venue_id = v and state = 'paid' $$;
    create view paid_tickets as select t.id, t.venue_id, t.price from tickets t where t.state = 'paid';
    create materialized view venue_totals as select v.id, v.name, venue_revenue(v.id) as revenue from venues v;
    create unique index venue_totals_id on venue_totals (id);
  `);
  await c.end();
  dump = execFileSync('pg_dump', ['--schema-only', '--no-owner', '--no-privileges', source.url], { encoding: 'utf8' });
}, 60_000);
afterAll(async () => {
  await source?.drop();
});

describeEngines(
  'a pg_dump used as a baseline migration',
  (fx) => {
    it('migrate up applies it and records it; later migrations and eventdb itself see the normal search_path', async () => {
      expect(dump).toContain("set_config('search_path', '', false)");
      expect(dump).toMatch(/CREATE MATERIALIZED VIEW/);
      const dir = writeMigrations(fx.dir(), {
        '0001_baseline.sql': `-- eventdb:up\n${dump}\n`,
        // Unqualified names: resolved through the search_path eventdb restored after 0001.
        '0002_after.sql': sqlMig("create table after_dump (id integer primary key);\ninsert into venues (name, capacity) values ('hall', 10);\nrefresh materialized view venue_totals;", 'drop table after_dump;'),
      });
      const config = { ...(await fx.config()), migrationsDir: dir };
      const conn = await openDatabase(config);
      open.push(conn);
      const r = await migrateUp(conn, config);
      expect(r.applied.map((s) => s.id)).toEqual(['0001_baseline', '0002_after']);
      expect(await historyIds(conn.db)).toEqual(['0001_baseline', '0002_after']);
      expect(await userTables(conn.db, 'postgres')).toEqual(['after_dump', 'paid_tickets', 'tickets', 'venues']);
      const objects = await sql<{ n: string }>`select p.proname as n from pg_proc p join pg_namespace s on s.oid = p.pronamespace where s.nspname = 'public' order by 1`.execute(conn.db);
      expect(objects.rows.map((o) => o.n)).toEqual(['touch_updated_at', 'venue_revenue']);
      const mv = await sql<{ name: string }>`select name from venue_totals`.execute(conn.db);
      expect(mv.rows).toEqual([{ name: 'hall' }]);
      expect((await sql<{ p: string }>`select current_setting('search_path') as p`.execute(conn.db)).rows[0]!.p).toMatch(/public/);
      // Rolled back and applied again, still on the same sessions.
      await rollback(conn, config, { count: 1 });
      expect(await historyIds(conn.db)).toEqual(['0001_baseline']);
      await migrateUp(conn, config);
      expect((await migrationStatus(conn, config)).pending).toBe(0);
    });
  },
  ['postgres', 'pglite'],
);

/** Per engine: a no-transaction migration that changes session state, and a check that it did not leak. */
const LEAK: Record<string, { set: string; next: string; check: (conn: Connection) => Promise<void> }> = {
  postgres: {
    // pg_read_all_data (a predefined role) may not create tables: 0002 proves the role was reset.
    set: "create schema other;\nset search_path = other;\nselect pg_catalog.set_config('lock_timeout', '1ms', false);\nset role pg_read_all_data;\nset statement_timeout = '1ms';",
    next: 'create table landed (x integer);\nselect pg_sleep(0.05);',
    async check(conn) {
      const where = await sql<{ s: string }>`select table_schema as s from information_schema.tables where table_name = 'landed'`.execute(conn.db);
      expect(where.rows).toEqual([{ s: 'public' }]);
    },
  },
  sqlite: {
    set: 'pragma foreign_keys = off;\npragma legacy_alter_table = on;',
    next: 'create table p (id integer primary key);\ncreate table c (pid integer references p (id));\ninsert into c values (9);',
    async check() {
      throw new Error('unreachable: the orphan insert must fail');
    },
  },
  duckdb: {
    set: "create schema other;\nset schema = 'other';",
    next: 'create table landed (x integer);',
    async check(conn) {
      const where = await sql<{ s: string }>`select table_schema as s from information_schema.tables where table_name = 'landed'`.execute(conn.db);
      expect(where.rows).toEqual([{ s: 'main' }]);
    },
  },
};

describeEngines('session state a migration sets does not outlive it', (fx) => {
  it('the next migration and the history rows see the connection as it was opened', async () => {
    const t = LEAK[fx.engine]!;
    const dir = writeMigrations(fx.dir(), {
      '0001_set.sql': `-- eventdb:no-transaction\n-- eventdb:up\n${t.set}\n`,
      '0002_next.sql': `-- eventdb:up\n${t.next}\n`,
    });
    const config = { ...(await fx.config()), migrationsDir: dir };
    const conn = await openDatabase(config);
    open.push(conn);
    if (fx.engine === 'sqlite') {
      // Foreign keys are back on for 0002: its orphan row is refused, 0002 rolled back.
      const e = await fail(migrateUp(conn, config));
      expect(e.code).toBe('MIGRATION_FAILED');
      expect(e.message).toMatch(/0002_next failed .*FOREIGN KEY constraint failed/);
      expect(await historyIds(conn.db)).toEqual(['0001_set']);
      expect(await userTables(conn.db, fx.engine)).toEqual([]);
      expect((await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(conn.db)).rows[0]!.foreign_keys).toBe(1);
      expect((await sql<{ legacy_alter_table: number }>`pragma legacy_alter_table`.execute(conn.db)).rows[0]!.legacy_alter_table).toBe(0);
      return;
    }
    const r = await migrateUp(conn, config);
    expect(r.applied.map((s) => s.id)).toEqual(['0001_set', '0002_next']);
    expect(await historyIds(conn.db)).toEqual(['0001_set', '0002_next']);
    await t.check(conn);
  });
});

describeEngines(
  'SQLite table rebuilds keep child rows',
  (fx) => {
    const PARENT = "create table venues (id integer primary key, name text);\ncreate table seats (id integer primary key, venue_id integer not null references venues (id) on delete cascade);\ninsert into venues values (1, 'hall'), (2, 'club');\ninsert into seats values (1, 1), (2, 1), (3, 2);";
    // SQLite's documented procedure: create the new table, copy, drop the old, rename the new.
    const rebuild = (copy: string) => `create table venues_new (id integer primary key, name text not null default '', capacity integer);\ninsert into venues_new (id, name) select id, name from venues${copy};\ndrop table venues;\nalter table venues_new rename to venues;`;

    async function setup(up: string) {
      const dir = writeMigrations(fx.dir(), { '0001_venues.sql': sqlMig(PARENT), '0002_rebuild.sql': sqlMig(up) });
      const config = { ...(await fx.config()), migrationsDir: dir };
      const conn = await openDatabase(config);
      open.push(conn);
      await migrateUp(conn, config, { to: '0001_venues' });
      return { conn, config, dir };
    }
    const count = async (conn: Connection, t: string) => Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(t)}`.execute(conn.db)).rows[0]!.n);

    it('a rebuild of a parent table with ON DELETE CASCADE children keeps all three child rows', async () => {
      const { conn, config } = await setup(rebuild(''));
      expect((await migrateUp(conn, config, { dryRun: true })).rehearsal).toMatchObject({ ran: true, ok: true });
      expect(await count(conn, 'seats')).toBe(3);
      await migrateUp(conn, config);
      expect(await count(conn, 'seats')).toBe(3);
      expect(await count(conn, 'venues')).toBe(2);
      const cols = await sql<{ name: string }>`select name from pragma_table_info('venues')`.execute(conn.db);
      expect(cols.rows.map((c) => c.name)).toEqual(['id', 'name', 'capacity']);
      // The children still reference the rebuilt table, and foreign keys are on again.
      expect((await sql`pragma foreign_key_check`.execute(conn.db)).rows).toEqual([]);
      expect((await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(conn.db)).rows[0]!.foreign_keys).toBe(1);
      await expect(sql`insert into seats values (9, 77)`.execute(conn.db)).rejects.toThrow(/FOREIGN KEY constraint failed/);
    });

    it('a rebuild that would leave orphans is refused, naming them, and nothing changes', async () => {
      const { conn, config, dir } = await setup(rebuild(' where id = 1'));
      const before = JSON.stringify(await conn.introspect());
      // The dry run's rehearsal runs the rebuild as the real run does, and says it would fail.
      const dry = await migrateUp(conn, config, { dryRun: true });
      expect(dry.rehearsal).toMatchObject({ ran: true, ok: false, error: { id: '0002_rebuild' } });
      expect(dry.rehearsal!.error!.message).toMatch(/the table rebuild leaves 1 row without the row their foreign key references/);
      expect((await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(conn.db)).rows[0]!.foreign_keys).toBe(1);
      const e = await fail(migrateUp(conn, config));
      expect(e.code).toBe('MIGRATION_FAILED');
      expect(e.message).toMatch(/0002_rebuild failed .*the table rebuild leaves 1 row without the row their foreign key references \(seats row 3 → venues\); it was rolled back/);
      expect(JSON.stringify(await conn.introspect())).toBe(before);
      expect(await count(conn, 'seats')).toBe(3);
      expect(await count(conn, 'venues')).toBe(2);
      expect(await historyIds(conn.db)).toEqual(['0001_venues']);
      expect((await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(conn.db)).rows[0]!.foreign_keys).toBe(1);
      // Fixed (the orphan's parent copied as well), it applies.
      writeFileSync(join(dir, '0002_rebuild.sql'), sqlMig(rebuild('')));
      await migrateUp(conn, config);
      expect(await historyIds(conn.db)).toEqual(['0001_venues', '0002_rebuild']);
    });

    it('a DELETE that relies on ON DELETE CASCADE still cascades (only rebuilds run with foreign keys off)', async () => {
      const { conn, config } = await setup('delete from venues where id = 1;');
      await migrateUp(conn, config);
      expect(await count(conn, 'seats')).toBe(1);
    });
  },
  ['sqlite'],
);
