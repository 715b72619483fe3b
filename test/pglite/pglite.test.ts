import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { connectPglite, type PgliteConnection } from '../../src/dialects/pglite/index.js';
import { libraryVersion } from '../../src/dialects/pglite/version.js';
import { EventdbError } from '../../src/errors.js';
import { openDatabase, type Connection } from '../../src/index.js';
import { createPgDatabase } from '../helpers/engines.js';

const HOLD = fileURLToPath(new URL('./fixtures/hold-dir.mjs', import.meta.url));

let root = '';
let dataDir = '';
let conn: PgliteConnection;
let server: Connection;
let pgDb: Awaited<ReturnType<typeof createPgDatabase>>;
const children: ChildProcess[] = [];

const cfg = (url: string) => resolveConfig({ flags: { url }, env: {}, cwd: root });

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'eventdb-pglite-'));
  dataDir = join(root, 'data', 'pg'); // the parent folder does not exist yet: eventdb creates it
  conn = await connectPglite(await cfg(`pglite:${dataDir}`));
  pgDb = await createPgDatabase();
  server = await openDatabase(await cfg(pgDb.url));
});
afterAll(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  await conn?.close();
  await server?.close();
  await pgDb?.drop();
  rmSync(root, { recursive: true, force: true });
});
beforeEach(async () => {
  await sql`drop schema if exists public cascade; create schema public`.execute(conn.db);
  await sql`drop schema if exists public cascade; create schema public`.execute(server.db);
});
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** Starts a process that opens the data directory and keeps it open; resolves once it has. */
function holdDir(dir: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HOLD, `pglite:${dir}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('open')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`holder exited ${code}: ${err}`)));
  });
}

const SCHEMA = `
  create type tier as enum ('basic', 'gold');
  create domain email as text check (value like '%@%');
  create table venues (id bigserial primary key, name text not null, capacity integer not null default 0, tier tier default 'basic');
  create table events (id bigserial primary key, venue_id bigint not null references venues(id) on delete cascade,
    title varchar(200) not null, starts_at timestamptz, price numeric(10,2), tags jsonb, active boolean default true,
    contact email, seats int[], updated_at timestamptz not null default now());
  create index events_venue_idx on events (venue_id, starts_at);
  create unique index venues_name_lower on venues (lower(name));
  create index events_active on events (starts_at) where active;
  create function touch() returns trigger language plpgsql as $$
  begin new.updated_at := '2000-01-01T00:00:00Z'; return new; end $$;
  create trigger events_touch before update on events for each row execute function touch();`;

describe('PGlite as the postgres dialect', () => {
  it('creates the data directory and its parents, and reports PGlite and PostgreSQL versions', async () => {
    expect(statSync(join(dataDir, 'PG_VERSION')).isFile()).toBe(true);
    expect(conn.engine).toBe('postgres');
    expect(conn.driver).toBe('pglite');
    const v = libraryVersion();
    expect(v.postgres).toMatch(/^\d+\.\d+$/);
    expect(await conn.serverVersion()).toBe(`PostgreSQL ${v.postgres} (PGlite ${v.pglite})`);
    expect((await sql<{ v: string }>`select current_setting('server_version') as v`.execute(conn.db)).rows[0]!.v).toBe(v.postgres);
    expect(conn.capabilities).toMatchObject({ transactionalDdl: true, advisoryLocks: true, triggers: true, storedProcedures: true, concurrentWriters: false });
    expect(await conn.ping()).toBeGreaterThanOrEqual(0);
  });

  it('runs a multi-statement script with enums, domains, PL/pgSQL and triggers, and introspects exactly as the server does', async () => {
    await sql.raw(SCHEMA).execute(conn.db);
    await sql.raw(SCHEMA).execute(server.db);
    const mine = await conn.introspect();
    const theirs = await server.introspect();
    expect(mine.tables.map((t) => t.name)).toEqual(['events', 'venues']);
    expect(mine).toEqual(theirs);
    await conn.db.insertInto('venues').values({ name: 'Hall' }).execute();
    const [e] = await conn.db.insertInto('events').values({ venue_id: 1, title: 'x', seats: [1, 2] }).returning('id').execute();
    await conn.db.updateTable('events').set({ title: 'y' }).where('id', '=', e!.id).execute();
    const row = await conn.db.selectFrom('events').select(['updated_at', 'seats']).executeTakeFirstOrThrow();
    expect(row.updated_at.toISOString()).toBe('2000-01-01T00:00:00.000Z');
    expect(row.seats).toEqual([1, 2]);
  });

  it('returns the same JavaScript values as the server dialect', async () => {
    const q = sql`select 42::int8 as small, 9007199254740993::int8 as big, 1.50::numeric(10,2) as price, '2024-02-29'::date as d,
      '2024-01-02 03:04:05'::timestamp as ts, '2024-01-02 03:04:05+02'::timestamptz as tz, '\\x0102ff'::bytea as b,
      '{"a":[1,"x"]}'::jsonb as j, array[1,2]::int[] as ints, array['a','b"c']::text[] as texts, true as t, null::text as n,
      '1 day'::interval::text as iv, 'a3bb189e-8bf9-3888-9912-ace4e6543002'::uuid as u, ${new Date('2024-05-06T07:08:09.010Z')}::timestamptz as param_date,
      ${JSON.stringify({ k: 1 })}::jsonb as param_json, ${9007199254740993n}::int8 as param_big`;
    const mine = (await q.execute(conn.db)).rows[0];
    const theirs = (await q.execute(server.db)).rows[0];
    expect(mine).toEqual(theirs);
    expect(Buffer.isBuffer((mine as { b: unknown }).b)).toBe(true);
    expect((mine as { big: unknown }).big).toBe('9007199254740993');
  });

  it('rolls back DDL and data with the transaction, and reports affected rows', async () => {
    await sql`create table t (id int primary key, v text)`.execute(conn.db);
    await expect(
      conn.db.transaction().execute(async (trx) => {
        await sql`create table gone (id int)`.execute(trx);
        await trx.insertInto('t').values({ id: 1, v: 'a' }).execute();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await conn.introspect()).tables.map((t) => t.name)).toEqual(['t']);
    expect(await conn.db.selectFrom('t').selectAll().execute()).toEqual([]);
    await conn.db.insertInto('t').values([{ id: 1, v: 'a' }, { id: 2, v: 'b' }]).execute();
    const u = await conn.db.updateTable('t').set({ v: 'c' }).where('id', '<=', 2).executeTakeFirst();
    expect(u.numUpdatedRows).toBe(2n);
    const err = await conn.db.insertInto('t').values({ id: 1, v: 'dup' }).execute().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '23505', constraint: 't_pkey' });
    // the session is usable after the error, and savepoints work inside a transaction
    const trx = await conn.db.startTransaction().execute();
    await trx.insertInto('t').values({ id: 3, v: 'kept' }).execute();
    const sp = await trx.savepoint('sp1').execute();
    await sp.insertInto('t').values({ id: 4, v: 'undone' }).execute();
    await sp.rollbackToSavepoint('sp1').execute();
    await trx.commit().execute();
    expect((await conn.db.selectFrom('t').select('id').orderBy('id').execute()).map((r) => r.id)).toEqual([1, 2, 3]);
  });

  it('streams a large result through a cursor, inside and outside a transaction', async () => {
    await sql`create table s as select g as id from generate_series(1, 2500) g`.execute(conn.db);
    let n = 0;
    let chunks = 0;
    for await (const r of conn.db.selectFrom('s').select('id').where('id', '>', 0).orderBy('id').stream(1000)) {
      n += r.id === n + 1 ? 1 : 0;
    }
    expect(n).toBe(2500);
    await conn.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('s').where('id', '>', 1000).execute();
      for await (const _ of trx.selectFrom('s').select('id').stream(300)) chunks++;
    });
    expect(chunks).toBe(1000);
    expect(await conn.db.selectFrom('s').select(sql<number>`count(*)::int`.as('n')).executeTakeFirst()).toEqual({ n: 1000 });
  });

  it('bulk-loads rows through COPY via /dev/blob with the server encoding, and a bad load keeps nothing', async () => {
    await sql`create table b (id int primary key, name text, at timestamptz, big int8, ok boolean, doc jsonb, raw bytea)`.execute(conn.db);
    async function* rows() {
      yield [
        [1, 'tab\there\nnewline \\ back', new Date('2024-01-01T00:00:00Z'), 9007199254740993n, true, { a: 1 }, Buffer.from([0, 255])],
        [2, null, null, null, false, null, null],
      ];
      yield Array.from({ length: 998 }, (_, i) => [i + 3, `n${i}`, new Date(0), i, i % 2 === 0, [i], null]);
    }
    expect(await conn.bulkInsert('b', ['id', 'name', 'at', 'big', 'ok', 'doc', 'raw'], rows())).toBe(1000);
    const first = await conn.db.selectFrom('b').selectAll().where('id', '<=', 2).orderBy('id').execute();
    expect(first[0]).toEqual({ id: 1, name: 'tab\there\nnewline \\ back', at: new Date('2024-01-01T00:00:00Z'), big: '9007199254740993', ok: true, doc: { a: 1 }, raw: Buffer.from([0, 255]) });
    expect(first[1]).toEqual({ id: 2, name: null, at: null, big: null, ok: false, doc: null, raw: null });
    async function* dup() {
      yield [[5000, 'new', null, null, null, null, null], [1, 'duplicate', null, null, null, null, null]];
    }
    const err = await conn.bulkInsert('b', ['id', 'name', 'at', 'big', 'ok', 'doc', 'raw'], dup()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventdbError);
    expect(err).toMatchObject({ code: 'BULK_INSERT' });
    expect((err as Error).message).toMatch(/^loading b failed: duplicate key value/);
    expect(await conn.db.selectFrom('b').select(sql<number>`count(*)::int`.as('n')).executeTakeFirst()).toEqual({ n: 1000 });
  });

  it('serialises named locks inside the instance, times out naming the holder, and shows the lock in pg_locks', async () => {
    const order: string[] = [];
    await Promise.all(
      [1, 2].map((i) =>
        conn.withLock('migrate', { timeoutMs: 5000 }, async () => {
          order.push(`in${i}`);
          await new Promise((r) => setTimeout(r, 50));
          order.push(`out${i}`);
        }),
      ),
    );
    expect(order).toEqual(['in1', 'out1', 'in2', 'out2']);
    await conn.withLock('migrate', { timeoutMs: 0 }, async () => {
      const st = await conn.lockStatus('migrate');
      expect(st.held).toBe(true);
      expect(st.holder?.pid).toBe(process.pid);
      const n = await sql<{ n: number }>`select count(*)::int as n from pg_locks where locktype = 'advisory' and granted`.execute(conn.db);
      expect(n.rows[0]!.n).toBe(1);
      const err = await conn.withLock('migrate', { timeoutMs: 100 }, async () => 'never').catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'LOCK_TIMEOUT', exitCode: 4 });
      expect((err as Error).message).toMatch(new RegExp(`^the migration lock on ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is held by pid ${process.pid} on `));
    });
    expect(await conn.lockStatus('migrate')).toEqual({ held: false });
  });

  it('shares one instance between connections to the same directory in one process', async () => {
    await sql`create table shared_t (v int)`.execute(conn.db);
    // lockWaitMs 0: a second boot would have to take the directory lock the first holds, and fail at once.
    const second = await connectPglite(await cfg(`pglite:${dataDir}`), { lockWaitMs: 0 });
    await second.db.insertInto('shared_t').values({ v: 7 }).execute();
    await second.close();
    expect(await conn.db.selectFrom('shared_t').selectAll().execute()).toEqual([{ v: 7 }]);
    await expect(second.db.selectFrom('shared_t').selectAll().execute()).rejects.toThrow();
  });

  it('refuses a file, a foreign directory and a missing directory for reading, leaving them as they were', async () => {
    const file = join(root, 'not-a-dir');
    writeFileSync(file, 'hello');
    const other = join(root, 'photos');
    mkdirSync(other);
    writeFileSync(join(other, 'a.jpg'), 'x');
    for (const [url, code, msg] of [
      [`pglite:${file}`, 'NOT_A_DATABASE', `${file} is a file, not a PGlite data directory`],
      [`pglite:${other}`, 'NOT_A_DATABASE', `${other} is not a PGlite data directory (no PG_VERSION file)`],
    ] as const) {
      const err = await connectPglite(await cfg(url)).catch((e: unknown) => e);
      expect(err).toMatchObject({ code, message: msg, exitCode: 3 });
    }
    expect(readdirSync(other)).toEqual(['a.jpg']);
    const missing = join(root, 'missing');
    const err = await connectPglite(await cfg(`pglite:${missing}`), { readOnly: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DB_NOT_FOUND', message: `PGlite data directory ${missing} does not exist` });
    expect(readdirSync(root).sort()).toEqual(['data', 'not-a-dir', 'photos']);
  });
});

describe('one process per data directory', () => {
  it('a second process waits, then fails with LOCK_BUSY naming the holder; after kill -9 the directory opens with its data', async () => {
    const dir = join(root, 'shared');
    // create it with a row, then let another process hold it
    const first = await connectPglite(await cfg(`pglite:${dir}`));
    await sql`create table kept (v text); insert into kept values ('before kill')`.execute(first.db);
    await first.close();
    const child = await holdDir(dir);
    const started = Date.now();
    const err = await connectPglite(await cfg(`pglite:${dir}`), { lockWaitMs: 400 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(err).toBeInstanceOf(EventdbError);
    expect(err).toMatchObject({ code: 'LOCK_BUSY', exitCode: 4 });
    expect((err as Error).message).toMatch(new RegExp(`^PGlite data directory .*shared is open in pid ${child.pid} on .*; gave up after 0\\.4 s$`));
    // a read-only look (eventdb info) needs no boot, so it does not wait for the holder
    const ro = await connectPglite(await cfg(`pglite:${dir}`), { readOnly: true });
    expect(await ro.serverVersion()).toMatch(/^PostgreSQL \d+\.\d+ \(PGlite /);
    await ro.close();
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const again = await connectPglite(await cfg(`pglite:${dir}`), { lockWaitMs: 2000 });
    try {
      expect((await sql<{ v: string }>`select v from kept`.execute(again.db)).rows).toEqual([{ v: 'before kill' }]);
    } finally {
      await again.close();
    }
  });
});
