/**
 * In-memory DuckDB databases are catalogs of one process-wide instance (memory-catalog.ts): each
 * connection sees only its own objects, and closing one detaches its catalog, also when opening
 * a scratch database fails half-way.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { attachedMemoryCatalogs } from '../../src/dialects/duckdb/memory-catalog.js';
import { EventdbError } from '../../src/errors.js';
import { openDatabase } from '../../src/index.js';
import { openReplayed, openScratch } from '../../src/schema/generate/replay.js';

const memory = () => resolveConfig({ flags: { url: 'duckdb::memory:' }, env: {}, cwd: tmpdir() });
async function* rows(xs: unknown[][]) {
  yield xs;
}
const tablesOf = async (c: Awaited<ReturnType<typeof openDatabase>>) => (await c.introspect()).tables.map((t) => t.name);

it('two in-memory DuckDB databases open at once see only their own tables, rows, types and temporary tables', async () => {
  const a = await openDatabase(await memory());
  const b = await openDatabase(await memory());
  try {
    await sql`create table venues (id integer primary key, name varchar)`.execute(a.db);
    await sql`create type mood as enum ('ok', 'sad')`.execute(a.db);
    await sql`create temp table scratch_only (x integer)`.execute(a.db);
    expect(await a.bulkInsert('venues', ['id', 'name'], rows([[1, 'hall'], [2, 'park']]))).toBe(2);
    expect(await tablesOf(b)).toEqual([]);
    expect((await b.introspect()).enums).toEqual([]);
    expect(await b.tableSizes()).toEqual(new Map());
    await expect(sql`select * from scratch_only`.execute(b.db)).rejects.toThrow(/scratch_only/);
    await expect(sql`select * from venues`.execute(b.db)).rejects.toThrow(/venues/);
    // the same name in the other database is another table
    await sql`create table venues (id integer primary key, city varchar not null)`.execute(b.db);
    expect(await b.bulkInsert('venues', ['id', 'city'], rows([[7, 'Oslo']]))).toBe(1);
    expect((await sql<{ id: number }>`select id from venues order by id`.execute(a.db)).rows).toEqual([{ id: 1 }, { id: 2 }]);
    expect((await sql<{ id: number }>`select id from venues`.execute(b.db)).rows).toEqual([{ id: 7 }]);
    expect((await a.introspect()).tables[0]!.columns.map((c) => c.name)).toEqual(['id', 'name']);
    expect((await b.introspect()).tables[0]!.columns.map((c) => c.name)).toEqual(['id', 'city']);
    expect((await a.introspect()).enums).toEqual([{ name: 'mood', values: ['ok', 'sad'] }]);
    expect(await a.tableSizes()).toEqual(new Map([['venues', 2]]));
  } finally {
    await a.close();
    await b.close();
  }
});

it('closing an in-memory DuckDB database detaches it: nothing is left, and the next one starts empty', async () => {
  const before = await attachedMemoryCatalogs();
  const config = await memory();
  const s = await openScratch(config, 'duckdb');
  const name = (await sql<{ d: string }>`select current_database() as d`.execute(s.conn.db)).rows[0]!.d;
  expect(name).toMatch(/^eventdb_memory_\d+$/);
  expect(await attachedMemoryCatalogs()).toEqual([...before, name]);
  await sql`create table left_over (id integer)`.execute(s.conn.db);
  await sql`create view left_view as select * from left_over`.execute(s.conn.db);
  await sql`create sequence left_seq`.execute(s.conn.db);
  await s.close();
  expect(await attachedMemoryCatalogs()).toEqual(before);
  const next = await openScratch(config, 'duckdb');
  try {
    const snap = await next.conn.introspect();
    expect([snap.tables, snap.views, snap.indexes]).toEqual([[], [], []]);
    const seqs = await sql<{ n: number }>`select count(*)::int as n from duckdb_sequences() where database_name = current_database()`.execute(next.conn.db);
    expect(seqs.rows).toEqual([{ n: 0 }]);
  } finally {
    await next.close();
  }
  expect(await attachedMemoryCatalogs()).toEqual(before);
});

it('a replay that fails leaves no in-memory catalog behind (DIFF_REPLAY)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eventdb-memcat-'));
  writeFileSync(join(dir, '0001_ok.sql'), '-- eventdb:up\ncreate table venues (id integer primary key);\n-- eventdb:down\ndrop table venues;\n');
  writeFileSync(join(dir, '0002_bad.sql'), '-- eventdb:up\nalter table nowhere add column x integer;\n-- eventdb:down\nselect 1;\n');
  const config = await resolveConfig({ flags: { url: 'duckdb::memory:' }, env: { EVENTDB_MIGRATIONS_DIR: dir }, cwd: dir });
  const before = await attachedMemoryCatalogs();
  const err = await openReplayed(config, 'duckdb').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(EventdbError);
  expect((err as EventdbError).code).toBe('DIFF_REPLAY');
  expect((err as EventdbError).message).toMatch(/^the existing migrations do not replay on duckdb: .*nowhere/s);
  expect(await attachedMemoryCatalogs()).toEqual(before);
});
