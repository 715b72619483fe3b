import { join } from 'node:path';
import { expect, it } from 'vitest';
import { sql } from 'kysely';
import { resolveConfig, type ResolvedConfig } from '../../src/config/index.js';
import { createBackup, restoreSnapshot, verifySnapshot } from '../../src/backup/index.js';
import { openConnection } from '../../src/dialects/index.js';
import { describeEngines, pgAdminUrl, type EngineFixture } from '../helpers/engines.js';
import { dropPgDatabases, execSql } from './helpers.js';

/**
 * What eventdb's own PostgreSQL dump (EVENTDB_PG_DUMP=never; the default where pg_dump is older than the
 * server) lost that pg_dump keeps, found on hatchet's and supabase/auth's migrations: an identity
 * sequence's name and options, comments on indexes and other objects, row-level security. Each case is
 * backed up, restored into a new database and compared there with the source, catalog by catalog.
 */

async function rows<T>(cfg: ResolvedConfig, text: string): Promise<T[]> {
  const conn = await openConnection(cfg);
  try {
    return (await sql.raw<T>(text).execute(conn.db)).rows;
  } finally {
    await conn.close();
  }
}

/** The catalogs a faithful restore must give back, read the same way from source and copy. */
async function catalog(cfg: ResolvedConfig) {
  return {
    sequences: await rows(cfg, `select sequencename, data_type::text, start_value::text, min_value::text, max_value::text, increment_by::text, cycle, cache_size::text, last_value::text
                                from pg_sequences where schemaname = 'public' order by 1`),
    identity: await rows(cfg, `select table_name, column_name, identity_generation, identity_start, identity_increment, identity_minimum, identity_maximum, identity_cycle
                               from information_schema.columns where table_schema = 'public' and is_identity = 'YES' order by 1, 2`),
    comments: await rows(cfg, 'select pg_describe_object(classoid, objoid, objsubid) as obj, description from pg_description where objoid >= 16384 order by 1'),
    rowSecurity: await rows(cfg, `select relname, relrowsecurity, relforcerowsecurity from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p') order by 1`),
    policies: await rows(cfg, 'select tablename, policyname, permissive, roles::text, cmd, qual, with_check from pg_policies order by 1, 2'),
    defaults: await rows(cfg, `select table_name, column_name, column_default, is_nullable from information_schema.columns where table_schema = 'public' order by 1, 2`),
    // Not PostgreSQL 18's NOT NULL constraints (PGlite's): their names are not kept (README, *How a snapshot is taken*).
    constraints: await rows(cfg, `select conrelid::regclass::text as rel, conname, pg_get_constraintdef(oid) as def from pg_constraint
                                  where connamespace = 'public'::regnamespace and contype <> 'n' order by 1, 2`),
    indexes: await rows(cfg, `select indexname, indexdef from pg_indexes where schemaname = 'public' order by 1`),
  };
}

/** Backs the current database up with the own dump and restores it into a new one; returns its config and a drop. */
async function roundTrip(fx: EngineFixture, cfg: ResolvedConfig): Promise<{ copy: ResolvedConfig; drop(): Promise<void> }> {
  const store = `file:${join(fx.dir(), `fidelity-store-${Date.now()}`)}`;
  const env = { EVENTDB_PG_DUMP: 'never' };
  const b = await createBackup(cfg, { store, env });
  const name = `${cfg.database.name}_fidelity`;
  const to = fx.variant === 'pglite' ? `pglite:${join(fx.dir(), `restored-${Date.now()}`)}` : `${fx.url().replace(/\/[^/]*$/, '')}/${name}`;
  const drop = async () => {
    if (fx.variant === 'postgres') await dropPgDatabases(pgAdminUrl(), [name]);
  };
  try {
    const v = await verifySnapshot(cfg, { id: b.id, store, env });
    expect(v.checks).toContain('dump read through, rows counted');
    const r = await restoreSnapshot(cfg, { id: b.id, store, env, to });
    expect(r.restored).toBe(true);
  } catch (e) {
    await drop();
    throw e;
  }
  return { copy: await resolveConfig({ flags: { url: to }, env: {} }), drop };
}

/** Runs `setup` on the current database, round-trips it and compares the catalogs; `then` runs on the copy. */
async function faithful(fx: EngineFixture, setup: string, then?: (copy: ResolvedConfig) => Promise<void>): Promise<Awaited<ReturnType<typeof catalog>>> {
  const cfg = await fx.config();
  await execSql(cfg, setup);
  const before = await catalog(cfg);
  const { copy, drop } = await roundTrip(fx, cfg);
  try {
    expect(await catalog(copy)).toEqual(before);
    await then?.(copy);
  } finally {
    await drop();
  }
  return before;
}

describeEngines(
  'PostgreSQL own dump: what pg_dump keeps',
  (fx) => {
    it('an identity column whose sequence kept its name from before the table was renamed restores, and counts on', async () => {
      const before = await faithful(
        fx,
        `create table t_new (id bigint generated always as identity, x int);
         alter table t_new rename to t;
         insert into t (x) values (1), (2);`,
        async (copy) => {
          expect(await rows(copy, 'insert into t (x) values (3) returning id::int as id')).toEqual([{ id: 3 }]);
        },
      );
      expect(before.sequences).toMatchObject([{ sequencename: 't_new_id_seq', last_value: '2' }]);
    });

    it("an identity column's sequence options (start, increment, bounds, cache, cycle) come back", async () => {
      const before = await faithful(
        fx,
        `create table s (id int generated by default as identity (start with 100 increment by 5 minvalue 50 maxvalue 100000 cache 3 cycle), x int);
         create table d (id smallint generated always as identity (increment by -2), x int);
         insert into s (x) values (1), (2);
         insert into d (x) values (1);`,
        async (copy) => {
          // 100 and 105 were used, 110 was cached by the session that inserted them (cache 3): as after a restart.
          expect(await rows(copy, 'insert into s (x) values (3) returning id')).toEqual([{ id: 115 }]);
          expect(await rows(copy, 'insert into d (x) values (2) returning id')).toEqual([{ id: -3 }]);
        },
      );
      expect(before.identity).toContainEqual(expect.objectContaining({ table_name: 's', identity_start: '100', identity_increment: '5', identity_minimum: '50', identity_maximum: '100000', identity_cycle: 'YES' }));
    });

    it('comments on indexes, constraints, sequences, types, domains, views, functions, aggregates, triggers, rules, policies and casts come back', async () => {
      const before = await faithful(
        fx,
        `create table t (id int generated always as identity primary key, x int constraint x_positive check (x > 0));
         create index t_x on t (x);
         create sequence counter;
         create type mood as enum ('ok', 'meh');
         create domain positive as int constraint positive_check check (value > 0);
         create type pair as (a int, b text);
         create cast (pair as text) with inout;
         create view v as select id, x from t;
         create function twice(n int) returns int language sql as 'select 2 * n';
         create aggregate total(int) (sfunc = int4pl, stype = int);
         create function touch() returns trigger language plpgsql as 'begin return new; end';
         create trigger t_touch before insert on t for each row execute function touch();
         create rule v_insert as on insert to v do instead insert into t (x) values (new.x);
         create policy t_mine on t using (x > 0);
         comment on index t_x is 'finds rows by x';
         comment on index t_pkey is 'the primary key''s index';
         comment on constraint x_positive on t is 'x counts things';
         comment on constraint t_pkey on t is 'one row per id';
         comment on sequence counter is 'a counter';
         comment on sequence t_id_seq is 'the identity''s sequence';
         comment on type mood is 'how it went';
         comment on domain positive is 'above zero';
         comment on constraint positive_check on domain positive is 'checked';
         comment on type pair is 'two things';
         comment on column pair.a is 'the first';
         comment on cast (pair as text) is 'as its text';
         comment on view v is 'rows of t';
         comment on column v.x is 'the x';
         comment on function twice(int) is 'doubles';
         comment on aggregate total(int) is 'sums';
         comment on trigger t_touch on t is 'touches';
         comment on rule v_insert on v is 'inserts through';
         comment on policy t_mine on t is 'positive rows only';`,
      );
      expect(before.comments).toHaveLength(19);
    });

    it('row-level security (ENABLE, FORCE) and its policies come back, and the rows with them', async () => {
      const before = await faithful(
        fx,
        `create table open_rows (id int);
         create table closed (id int);
         create table forced (id int, owner_name text);
         create table parted (id int, k int) partition by list (k);
         create table parted_1 partition of parted for values in (1);
         insert into closed values (1), (2);
         insert into forced values (1, 'a');
         insert into parted values (1, 1);
         alter table closed enable row level security;
         alter table forced enable row level security;
         alter table forced force row level security;
         alter table parted enable row level security;
         create policy own_rows on forced as restrictive for update to current_user using (owner_name = current_user) with check (owner_name is not null);
         create policy read_all on forced for select using (true);
         create policy add_some on parted for insert with check (k > 0);`,
        async (copy) => {
          expect(await rows(copy, 'select (select count(*)::int from closed) as closed, (select count(*)::int from parted) as parted')).toEqual([{ closed: 2, parted: 1 }]);
        },
      );
      expect(before.rowSecurity).toEqual([
        { relname: 'closed', relrowsecurity: true, relforcerowsecurity: false },
        { relname: 'forced', relrowsecurity: true, relforcerowsecurity: true },
        { relname: 'open_rows', relrowsecurity: false, relforcerowsecurity: false },
        { relname: 'parted', relrowsecurity: true, relforcerowsecurity: false },
        { relname: 'parted_1', relrowsecurity: false, relforcerowsecurity: false },
      ]);
      expect(before.policies).toHaveLength(3);
    });

    it('a foreign key to columns that only a unique index covers (no constraint) restores (hatchet\'s "Step" → "Action")', async () => {
      const before = await faithful(
        fx,
        `create table action (id int primary key, tenant int not null, name text not null);
         create unique index action_tenant_name on action (tenant, name);
         create table step (id int primary key, tenant int, action_name text, parent int,
           foreign key (action_name, tenant) references action (name, tenant));
         create unique index step_self on step (id, tenant);
         alter table step add foreign key (parent, tenant) references step (id, tenant);
         insert into action values (1, 1, 'a');
         insert into step values (1, 1, 'a', null), (2, 1, 'a', 1);`,
      );
      expect(before.indexes.map((i) => (i as { indexname: string }).indexname)).toEqual(['action_pkey', 'action_tenant_name', 'step_pkey', 'step_self']);
    });

    it("a partition attached without its parent's column defaults, or with defaults of its own, keeps them", async () => {
      const before = await faithful(
        fx,
        `create table events (id int not null, at date not null default current_date, kind text default 'plain', note text) partition by range (at);
         create table events_2025 (id int not null, at date not null, kind text, note text not null default 'n');
         alter table events attach partition events_2025 for values from ('2025-01-01') to ('2026-01-01');
         create table events_2026 partition of events for values from ('2026-01-01') to ('2027-01-01');
         insert into events_2025 (id, at) values (1, '2025-03-01');`,
      );
      expect(before.defaults).toContainEqual({ table_name: 'events_2025', column_name: 'kind', column_default: null, is_nullable: 'YES' });
      expect(before.defaults).toContainEqual({ table_name: 'events_2026', column_name: 'kind', column_default: "'plain'::text", is_nullable: 'YES' });
    });

    it('a range type restores (PostgreSQL 14+ makes its multirange, constructors and casts with it)', async () => {
      await faithful(
        fx,
        `create type float_range as range (subtype = float8);
         create table spans (id int, span float_range);
         insert into spans values (1, '[1.5, 2.5)');`,
        async (copy) => {
          expect(await rows(copy, 'select span::text from spans')).toEqual([{ span: '[1.5,2.5)' }]);
        },
      );
    });
  },
  ['postgres', 'pglite'],
);
