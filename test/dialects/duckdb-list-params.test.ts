import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase, type Connection } from '../../src/index.js';

/*
 * Parameters bound to DuckDB: a JS array was sent as JSON text and cast by DuckDB's list syntax, which
 * does not read JSON escapes — `['x\ny']` was stored as `xny`, `'back\\slash'` lost its backslash — and a
 * Buffer was sent as UTF-8 text, so bytes that are not UTF-8 were refused or changed. Lists are now typed
 * DuckDB lists and bytes BLOBs; what DuckDB cannot type (an empty list, only NULLs, mixed kinds, objects)
 * still goes as JSON text, which a JSON column takes as it did.
 */
let conn: Connection;
beforeAll(async () => {
  conn = await openDatabase({ flags: { url: 'duckdb::memory:' }, env: {} });
  await sql`create table t (id integer, a varchar[], b blob, c blob[], d integer[], e timestamp[], n integer[][], j json)`.execute(conn.db);
});
afterAll(() => conn.close());

const TRICKY = ['x\ny', 'tab\there', 'q"z', "it's", 'back\\slash', '{a,b}', '[1, 2]', 'NULL', '', 'é漢🙂'];
const PLAIN = ['NULL', '', '{a,b}', '[1, 2]', 'é漢🙂', ' lead', "it's", 'a,b'];

it('strings with newlines, quotes, backslashes and braces round-trip in a VARCHAR[] column', async () => {
  await conn.db.insertInto('t').values({ id: 1, a: TRICKY }).execute();
  const row = await conn.db.selectFrom('t').select('a').where('id', '=', 1).executeTakeFirstOrThrow();
  expect(row.a).toEqual(TRICKY);
});

it('strings that need no escape go as before: into VARCHAR[] and, as JSON strings, into JSON', async () => {
  await conn.db.insertInto('t').values({ id: 4, a: PLAIN, j: ['s', 'NULL'] }).execute();
  const row = await conn.db.selectFrom('t').select(['a', 'j']).where('id', '=', 4).executeTakeFirstOrThrow();
  expect(row.a).toEqual(PLAIN);
  expect(JSON.parse(String(row.j))).toEqual(['s', 'NULL']);
});

it('bigint elements beyond 2^53 keep their value in a BIGINT[] column', async () => {
  await sql`create table big (v bigint[])`.execute(conn.db);
  await conn.db.insertInto('big').values({ v: [1n, 9007199254740993n] }).execute();
  const row = await sql<{ v: string }>`select v::varchar as v from big`.execute(conn.db);
  expect(row.rows[0]!.v).toBe('[1, 9007199254740993]');
});

it('bytes that are not UTF-8 round-trip in a BLOB and a BLOB[] column', async () => {
  const bytes = Buffer.from([0xff, 0x00, 0x80, 0x5c, 0x22]);
  await conn.db.insertInto('t').values({ id: 2, b: bytes, c: [bytes, Buffer.from('ok')] }).execute();
  const row = await conn.db.selectFrom('t').select(['b', 'c']).where('id', '=', 2).executeTakeFirstOrThrow();
  expect(Buffer.from(row.b as Uint8Array).equals(bytes)).toBe(true);
  expect((row.c as Uint8Array[]).map((x) => Buffer.from(x).toString('hex'))).toEqual([bytes.toString('hex'), Buffer.from('ok').toString('hex')]);
});

it('numbers with NULLs, dates, nested lists, empty lists and JSON keep their values', async () => {
  const at = new Date('2026-01-02T03:04:05.000Z');
  await conn.db.insertInto('t').values({ id: 3, d: [1, null, 3], e: [at], n: [[1], [2, 3]], a: [], j: [{ k: 'v\n' }, 2] }).execute();
  const row = await conn.db.selectFrom('t').select(['d', 'e', 'n', 'a', 'j']).where('id', '=', 3).executeTakeFirstOrThrow();
  expect(row.d).toEqual([1, null, 3]);
  expect((row.e as Date[]).map((x) => new Date(x).toISOString())).toEqual([at.toISOString()]);
  expect(row.n).toEqual([[1], [2, 3]]);
  expect(row.a).toEqual([]);
  expect(JSON.parse(String(row.j))).toEqual([{ k: 'v\n' }, 2]);
});
