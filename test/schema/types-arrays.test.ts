/**
 * `eventdb types` for array columns: typed by element, as eventdb's connection returns them. Types are
 * generated from live databases (PostgreSQL through the CLI, PGlite, DuckDB) and from a declaration
 * (multi-dimensional arrays), compiled with `tsc --strict` against the project's Kysely together with a
 * program that inserts and selects arrays; that program is then run on the same databases, and every
 * value it reads is checked against the type the generated file declares for its column.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, type Connection } from '../../src/index.js';
import { column, defineSchema, integer, table } from '../../src/schema/authoring.js';
import { typesFromSchema, typesFromSnapshot } from '../../src/schema/types-gen/index.js';
import { runCli } from '../helpers/cli.js';
import { createPgDatabase } from '../helpers/engines.js';
import { compileCases } from './compile-types.js';

const work = mkdtempSync(join(tmpdir(), 'eventdb-types-arrays-'));

type Variant = 'postgres' | 'pglite' | 'duckdb';

// ---------------------------------------------------------------------------------------------------
// the databases

const PG_DDL = (citext: boolean) => [
  ...(citext ? ['create extension citext'] : []),
  `create type mood as enum ('open', 'closed')`,
  'create domain email as text',
  'create domain intlist as integer[]',
  'create type pair as (a integer, b text)',
  // lemmy's sent_activity.send_inboxes
  'create table sent (id serial primary key, inboxes text[] not null)',
  `create table arrays (
     id serial primary key,
     a_text text[] not null, a_varchar varchar(255)[] not null, a_char char(2)[] not null, a_uuid uuid[] not null,
     a_int2 smallint[] not null, a_int4 integer[] not null, a_int8 bigint[] not null, a_float4 real[] not null,
     a_float8 double precision[] not null, a_numeric numeric(10,2)[] not null, a_bool boolean[] not null,
     a_date date[] not null, a_ts timestamp[] not null, a_tstz timestamptz[] not null, a_time time[] not null,
     a_interval interval[] not null, a_json json[] not null, a_jsonb jsonb[] not null, a_bytea bytea[] not null,
     a_enum mood[] not null, a_domain email[] not null, a_comp pair[] not null, a_name name[] not null,
     a_domarr intlist not null, a_tags text[] not null default '{}'${citext ? ', a_citext citext[] not null' : ''})`,
  'create table grids (id integer primary key, grid integer[][] not null)',
];

const DUCK_DDL = [
  `create type mood as enum ('open', 'closed')`,
  'create table sent (id integer primary key, inboxes varchar[] not null)',
  `create table arrays (
     id integer primary key, a_int integer[] not null, a_big bigint[] not null, a_dbl double[] not null,
     a_dec decimal(10,2)[] not null, a_vc varchar[] not null, a_bool boolean[] not null, a_date date[] not null,
     a_ts timestamp[] not null, a_tstz timestamptz[] not null, a_time time[] not null, a_uuid uuid[] not null,
     a_json json[] not null, a_blob blob[] not null, a_2d integer[][] not null, a_fixed integer[3] not null,
     a_enum mood[] not null, a_struct struct(a integer, b varchar)[] not null)`,
  'create table grids (id integer primary key, grid integer[][] not null)',
];

/** `grids.grid` declared two-dimensional: PostgreSQL reports no dimensions (`integer[]`), the declaration keeps them. */
const GRIDS = defineSchema({
  engines: ['postgres', 'duckdb'],
  tables: [table('grids', { columns: [integer('id'), column('grid', 'array', { postgres: 'integer[][]', duckdb: 'integer[][]' })], primaryKey: ['id'] })],
});

// ---------------------------------------------------------------------------------------------------
// the programs: each inserts and selects arrays, reads them as the generated types say, and returns what it read

const S = JSON.stringify;
const HEAD = [`import type { Kysely } from 'kysely';`, `import type { Database, JsonValue } from './database.js';`, ''];

function pgProgram(citext: boolean): string {
  return [
    ...HEAD,
    `export async function run(db: Kysely<Database>) {`,
    `  await db.insertInto('sent').values({ inboxes: ['https://a/inbox', 'https://b/inbox'] }).execute();`,
    `  const sent = await db.selectFrom('sent').select(['id', 'inboxes']).executeTakeFirstOrThrow();`,
    `  const inboxes: string[] = sent.inboxes;`,
    `  await db.updateTable('sent').set({ inboxes: [...inboxes, 'https://c/inbox'] }).where('id', '=', sent.id).execute();`,
    `  const { id } = await db.insertInto('arrays').values({`,
    `    a_text: ${S(['https://a/inbox', 'b,c"d\\e {x}', 'ü', 'NULL', ''])}, a_varchar: ['v'], a_char: ['ab'], a_uuid: ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],`,
    `    a_int2: [1, -2], a_int4: [3, 2147483647], a_int8: [5, '9007199254740993', 7n], a_float4: [1.5], a_float8: [2.25], a_numeric: [1.5, '2.25'],`,
    `    a_bool: [true, false], a_date: ['2024-01-02', new Date(2024, 0, 3)], a_ts: [new Date('2024-01-02T03:04:05Z')],`,
    `    a_tstz: [new Date('2024-01-02T03:04:05Z'), '2024-01-02T03:04:05+02:00'], a_time: ['10:00:00'], a_interval: ['1 day'],`,
    `    a_json: ${S(['{"a":1}', '[1,2]', '"s"'])}, a_jsonb: ${S(['{"b":[2]}', 'null'])}, a_bytea: [Buffer.from([0, 1, 255])],`,
    `    a_enum: '{open,closed}', a_domain: '{a@b.c}', a_comp: ${S('{"(1,x)"}')}, a_name: '{n}', a_domarr: '{7,8}',${citext ? ` a_citext: '{Ab}',` : ''}`,
    `  }).returning('id').executeTakeFirstOrThrow();`,
    `  const r = await db.selectFrom('arrays').selectAll().where('id', '=', id).executeTakeFirstOrThrow();`,
    `  const upper: string[] = r.a_text.map((s) => s.toUpperCase()); void upper;`,
    `  const sum: number = r.a_int4.reduce((a, b) => a + b, 0); void sum;`,
    `  const big: (number | string)[] = r.a_int8; void big;`,
    `  const dec: string[] = r.a_numeric; void dec;`,
    `  const ms: number = r.a_tstz[0]!.getTime(); void ms;`,
    `  const days: Date[] = r.a_date; void days;`,
    `  const json: JsonValue[] = r.a_json; void json;`,
    `  const bytes: number = r.a_bytea[0]!.length; void bytes;`,
    `  const moods: string = r.a_enum; void moods;`,
    `  const tags: string[] = r.a_tags; void tags;`,
    `  await db.updateTable('arrays').set({ a_tags: ['x', 'y'], a_int4: [...r.a_int4, 4], a_enum: '{closed}' }).where('id', '=', id).execute();`,
    `  return { sent: await db.selectFrom('sent').selectAll().execute(), arrays: await db.selectFrom('arrays').selectAll().execute() };`,
    `}`,
    ``,
    `/** Never run: each statement must not compile. */`,
    `export async function wrong(db: Kysely<Database>) {`,
    `  // @ts-expect-error an inbox is a string`,
    `  await db.insertInto('sent').values({ inboxes: [1] }).execute();`,
    `  // @ts-expect-error the array, not one inbox`,
    `  await db.insertInto('sent').values({ inboxes: 'https://a/inbox' }).execute();`,
    `  const r = await db.selectFrom('arrays').selectAll().executeTakeFirstOrThrow();`,
    `  // @ts-expect-error numeric[] reads as strings (exact)`,
    `  const n: number[] = r.a_numeric; void n;`,
    `  // @ts-expect-error an enum array reads as its text, '{open,closed}'`,
    `  const m: string[] = r.a_enum; void m;`,
    `  // @ts-expect-error grid is integer[] as PostgreSQL reports it: one dimension`,
    `  await db.insertInto('grids').values({ id: 1, grid: [[1]] }).execute();`,
    `}`,
    ``,
  ].join('\n');
}

const DUCK_PROGRAM = [
  ...HEAD,
  `export async function run(db: Kysely<Database>) {`,
  `  await db.insertInto('sent').values({ id: 1, inboxes: ['https://a/inbox', 'https://b/inbox'] }).execute();`,
  `  const inboxes: string[] = (await db.selectFrom('sent').select('inboxes').executeTakeFirstOrThrow()).inboxes;`,
  `  await db.updateTable('sent').set({ inboxes: [...inboxes, 'https://c/inbox'] }).where('id', '=', 1).execute();`,
  `  await db.insertInto('arrays').values({`,
  `    id: 1, a_int: [1, 2], a_big: [5, '9007199254740993'], a_dbl: [2.25], a_dec: [1.5, '2.25'], a_vc: ${S(['https://a/inbox', 'b,c"d\\e [x]', 'ü', ''])},`,
  `    a_bool: [true, false], a_date: ['2024-01-02', new Date('2024-01-03T00:00:00Z')], a_ts: [new Date('2024-01-02T03:04:05Z')],`,
  `    a_tstz: [new Date('2024-01-02T03:04:05Z'), '2024-01-02T03:04:05+02:00'], a_time: ['10:00:00'], a_uuid: ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],`,
  `    a_json: [{ a: 1 }, [1, 2], 's', null], a_blob: [Buffer.from([0, 1, 255]), Buffer.from('ab')], a_2d: [[1, 2], [3]], a_fixed: [1, 2, 3], a_enum: ['open', 'closed'],`,
  `    a_struct: [{ a: 1, b: 'x' }],`,
  `  }).execute();`,
  `  const r = await db.selectFrom('arrays').selectAll().executeTakeFirstOrThrow();`,
  `  const sum: number = r.a_int.reduce((a, b) => a + b, 0); void sum;`,
  `  const big: (number | string)[] = r.a_big; void big;`,
  `  const ms: number = r.a_tstz[0]!.getTime(); void ms;`,
  `  const micros: number[] = r.a_time; void micros;`,
  `  const json: string[] = r.a_json; void json;`,
  `  const blobs: Uint8Array[] = r.a_blob; void blobs;`,
  `  const grid: number[][] = r.a_2d; void grid;`,
  `  const moods: ('open' | 'closed')[] = r.a_enum; void moods;`,
  `  await db.updateTable('arrays').set({ a_enum: ['closed'], a_int: [...r.a_int, 4] }).where('id', '=', 1).execute();`,
  `  return { sent: await db.selectFrom('sent').selectAll().execute(), arrays: await db.selectFrom('arrays').selectAll().execute() };`,
  `}`,
  ``,
  `/** Never run: each statement must not compile. */`,
  `export async function wrong(db: Kysely<Database>) {`,
  `  // @ts-expect-error an inbox is a string`,
  `  await db.updateTable('sent').set({ inboxes: [1] }).execute();`,
  `  // @ts-expect-error 'maybe' is no mood`,
  `  await db.updateTable('arrays').set({ a_enum: ['maybe'] }).execute();`,
  `  // @ts-expect-error a BLOB list takes bytes, not text`,
  `  await db.updateTable('arrays').set({ a_blob: ['x'] }).execute();`,
  `}`,
  ``,
].join('\n');

const GRIDS_PROGRAM = [
  ...HEAD.slice(0, 1),
  `import type { Database } from './database.js';`,
  `export async function run(db: Kysely<Database>) {`,
  `  await db.insertInto('grids').values({ id: 1, grid: [[1, 2], [3, 4]] }).execute();`,
  `  const grid: number[][] = (await db.selectFrom('grids').select('grid').executeTakeFirstOrThrow()).grid;`,
  `  return { grids: [{ id: 1, grid }] };`,
  `}`,
  ``,
].join('\n');

// ---------------------------------------------------------------------------------------------------
// compile, run, check

function compile(cases: Record<string, { types: string; program: string }>): Record<string, string[]> {
  return compileCases(work, Object.fromEntries(Object.entries(cases).map(([k, c]) => [k, { 'database.ts': c.types, 'program.ts': c.program }])));
}

/** Runs a case's program (type-only imports: its JavaScript imports nothing) on a connection. */
async function runProgram(name: string, db: Kysely<any>): Promise<Record<string, Record<string, unknown>[]>> {
  const file = join(work, name, 'program.mjs');
  writeFileSync(file, ts.transpileModule(readFileSync(join(work, name, 'program.ts'), 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
  const mod = (await import(pathToFileURL(file).href)) as { run(db: Kysely<any>): Promise<Record<string, Record<string, unknown>[]>> };
  return mod.run(db);
}

/** Splits a type's text at `sep` outside brackets and quotes. */
function splitTop(t: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (let i = 0; i < t.length; i++) {
    const ch = t[i]!;
    if (ch === "'" && t[i - 1] !== '\\') quoted = !quoted;
    if (!quoted && '<([{'.includes(ch)) depth++;
    if (!quoted && '>)]}'.includes(ch)) depth--;
    if (!quoted && depth === 0 && ch === sep) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  return [...out, cur.trim()];
}

const isJson = (v: unknown): boolean =>
  v === null || ['string', 'number', 'boolean'].includes(typeof v) || (Array.isArray(v) ? v.every(isJson) : typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && Object.values(v as object).every(isJson));

/** Whether a value read at run time is of the TypeScript type the generated file declares. */
function matches(v: unknown, type: string): boolean {
  const alternatives = splitTop(type, '|');
  if (alternatives.length > 1) return alternatives.some((a) => matches(v, a));
  const t = type.trim();
  if (t.endsWith('[]')) return Array.isArray(v) && v.every((x) => matches(x, t.slice(0, -2)));
  if (t.startsWith('(') && t.endsWith(')')) return matches(v, t.slice(1, -1));
  if (/^'.*'$/.test(t)) return v === t.slice(1, -1);
  switch (t) {
    case 'string':
    case 'number':
    case 'boolean':
      return typeof v === t;
    case 'null':
      return v === null;
    case 'unknown':
      return true;
    case 'Date':
      return v instanceof Date && !Number.isNaN(v.getTime());
    case 'Buffer':
      return Buffer.isBuffer(v);
    case 'Uint8Array':
      return v instanceof Uint8Array;
    case 'JsonValue':
      return isJson(v);
  }
  throw new Error(`no run-time check for the type ${t}`);
}

/** Each column's select type, from a table's interface in the generated file. */
function selectTypes(types: string, tableName: string): Record<string, string> {
  const iname = tableName[0]!.toUpperCase() + tableName.slice(1);
  const body = new RegExp(`export interface ${iname} \\{\\n([\\s\\S]*?)\\n\\}`).exec(types)?.[1];
  if (!body) throw new Error(`no interface ${iname}`);
  const out: Record<string, string> = {};
  for (const line of body.split('\n')) {
    const m = /^ {2}(\w+): (.*);$/.exec(line)!;
    const t = m[2]!;
    const inner = /^(?:Generated|GeneratedAlways|ColumnType)<(.*)>$/.exec(t)?.[1];
    out[m[1]!] = inner === undefined ? t : splitTop(inner, ',')[0]!;
  }
  return out;
}

/** The values read that are not of their column's declared type (`table.column: value (type)`). */
function mismatches(types: string, read: Record<string, Record<string, unknown>[]>, skip: string[] = []): string[] {
  const out: string[] = [];
  for (const [tableName, rows] of Object.entries(read)) {
    const declared = selectTypes(types, tableName);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual(Object.keys(declared).sort());
      for (const [col, v] of Object.entries(row)) {
        if (skip.includes(col)) continue;
        if (Array.isArray(v)) expect(v.length, `${tableName}.${col}`).toBeGreaterThan(0);
        if (!matches(v, declared[col]!)) out.push(`${tableName}.${col}: ${JSON.stringify(v)} (${declared[col]})`);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------

interface Live {
  conn: Connection;
  types: string;
}
const live: Partial<Record<Variant, Live>> = {};
let pgDb: Awaited<ReturnType<typeof createPgDatabase>>;
let cliTypes = '';
let diagnostics: Record<string, string[]> = {};

async function open(url: string, ddl: string[]): Promise<Live> {
  const conn = await openDatabase({ flags: { url }, env: {}, cwd: work });
  for (const statement of ddl) await sql.raw(statement).execute(conn.db);
  return { conn, types: typesFromSnapshot(await conn.introspect()) };
}

beforeAll(async () => {
  pgDb = await createPgDatabase('eventdb_types_arrays');
  const admin = new pg.Client({ connectionString: pgDb.url });
  await admin.connect();
  await admin.query(PG_DDL(true).join(';\n'));
  await admin.end();
  // the server's types through the CLI, as a user runs it
  const out = join(work, 'cli', 'database.ts');
  const cli = await runCli(['types', '--from', 'database', '--out', out, '--json'], { env: { EVENTDB_DATABASE_URL: pgDb.url }, cwd: work });
  expect(cli.code, cli.stderr).toBe(0);
  cliTypes = readFileSync(out, 'utf8');
  live.postgres = await open(pgDb.url, []);

  const pglite = join(work, 'pglite');
  cpSync(inject('pgliteTemplate'), pglite, { recursive: true });
  live.pglite = await open(`pglite:${pglite}`, PG_DDL(false)); // PGlite loads citext only at start: left out
  live.duckdb = await open(`duckdb:${join(work, 'arrays.duckdb')}`, DUCK_DDL);

  diagnostics = compile({
    postgres: { types: live.postgres.types, program: pgProgram(true) },
    pglite: { types: live.pglite.types, program: pgProgram(false) },
    duckdb: { types: live.duckdb.types, program: DUCK_PROGRAM },
    'postgres-declared': { types: typesFromSchema(GRIDS, 'postgres'), program: GRIDS_PROGRAM },
    'duckdb-declared': { types: typesFromSchema(GRIDS, 'duckdb'), program: GRIDS_PROGRAM },
  });
}, 180_000);

afterAll(async () => {
  for (const l of Object.values(live)) await l.conn.close().catch(() => undefined);
  await pgDb?.drop();
  rmSync(work, { recursive: true, force: true });
});

describe('eventdb types: arrays typed by element', () => {
  it('PostgreSQL: each array column as node-postgres returns it (CLI --from database)', () => {
    expect(cliTypes.slice(cliTypes.indexOf(' */\n'))).toBe(live.postgres!.types.slice(live.postgres!.types.indexOf(' */\n')));
    const t = live.postgres!.types;
    for (const line of [
      'inboxes: string[];',
      'a_text: string[];',
      'a_varchar: string[];',
      'a_char: string[];',
      'a_uuid: string[];',
      'a_int2: number[];',
      'a_int4: number[];',
      'a_int8: ColumnType<(number | string)[], (number | string | bigint)[], (number | string | bigint)[]>;',
      'a_float4: number[];',
      'a_float8: number[];',
      'a_numeric: ColumnType<string[], (number | string)[], (number | string)[]>;',
      'a_bool: boolean[];',
      'a_date: ColumnType<Date[], (Date | string)[], (Date | string)[]>;',
      'a_ts: ColumnType<Date[], (Date | string)[], (Date | string)[]>;',
      'a_tstz: ColumnType<Date[], (Date | string)[], (Date | string)[]>;',
      'a_time: string[];',
      'a_interval: ColumnType<unknown[], string[], string[]>;',
      'a_json: ColumnType<JsonValue[], string[], string[]>;',
      'a_jsonb: ColumnType<JsonValue[], string[], string[]>;',
      'a_bytea: Buffer[];',
      // arrays node-postgres does not parse: their text, '{a,b}'
      'a_enum: string;',
      'a_domain: string;',
      'a_comp: string;',
      'a_name: string;',
      'a_citext: string;',
      // a domain over an array: its element is not in the type's name
      'a_domarr: ColumnType<unknown, string, string>;',
      'a_tags: Generated<string[]>;',
      // PostgreSQL reports no dimensions: integer[][] is integer[]
      'grid: number[];',
    ])
      expect(t).toContain(`  ${line}\n`);
    expect(t).not.toContain('unknown[], string, string');
  });

  it('PGlite types as the server does; DuckDB lists by element, enum lists as the union', () => {
    const body = (s: string) => s.slice(s.indexOf(' */\n')).replace('  a_citext: string;\n', '');
    expect(body(live.pglite!.types)).toBe(body(live.postgres!.types));
    const d = live.duckdb!.types;
    for (const line of [
      'inboxes: string[];',
      'a_int: number[];',
      'a_big: ColumnType<(number | string)[], (number | string | bigint)[], (number | string | bigint)[]>;',
      'a_dbl: number[];',
      'a_dec: ColumnType<number[], (number | string)[], (number | string)[]>;',
      'a_vc: string[];',
      'a_bool: boolean[];',
      'a_date: ColumnType<Date[], (Date | string)[], (Date | string)[]>;',
      'a_tstz: ColumnType<Date[], (Date | string)[], (Date | string)[]>;',
      'a_time: ColumnType<number[], string[], string[]>;',
      'a_uuid: string[];',
      'a_json: ColumnType<string[], JsonValue[], JsonValue[]>;',
      'a_blob: Uint8Array[];',
      'a_2d: number[][];',
      'a_fixed: number[];',
      "a_enum: ('open' | 'closed')[];",
      'a_struct: unknown[];',
    ])
      expect(d).toContain(`  ${line}\n`);
  });

  it('a declared multi-dimensional array keeps its dimensions', () => {
    expect(typesFromSchema(GRIDS, 'postgres')).toContain('  grid: number[][];\n');
    expect(typesFromSchema(GRIDS, 'duckdb')).toContain('  grid: number[][];\n');
  });

  for (const name of ['postgres', 'pglite', 'duckdb', 'postgres-declared', 'duckdb-declared']) {
    it(`${name}: a program inserting and selecting arrays compiles with tsc --strict (and the wrong ones do not)`, () => {
      expect(diagnostics[name]).toEqual([]);
    });
  }

  it('PostgreSQL: the program runs, and every value read is of its declared type', async () => {
    const read = await runProgram('postgres', live.postgres!.conn.db);
    expect(mismatches(live.postgres!.types, read)).toEqual([]);
    expect(read.sent![0]!.inboxes).toEqual(['https://a/inbox', 'https://b/inbox', 'https://c/inbox']);
    const r = read.arrays![0]!;
    expect(r.a_text).toEqual(['https://a/inbox', 'b,c"d\\e {x}', 'ü', 'NULL', '']);
    expect(r.a_int4).toEqual([3, 2147483647, 4]);
    expect(r.a_int8).toEqual([5, '9007199254740993', 7]);
    expect(r.a_numeric).toEqual(['1.50', '2.25']);
    expect((r.a_tstz as Date[]).map((x) => x.toISOString())).toEqual(['2024-01-02T03:04:05.000Z', '2024-01-02T01:04:05.000Z']);
    expect(r.a_json).toEqual([{ a: 1 }, [1, 2], 's']);
    expect(r.a_jsonb).toEqual([{ b: [2] }, null]);
    expect(r.a_bytea).toEqual([Buffer.from([0, 1, 255])]);
    expect([r.a_enum, r.a_domain, r.a_comp, r.a_name, r.a_citext]).toEqual(['{closed}', '{a@b.c}', '{"(1,x)"}', '{n}', '{Ab}']);
    expect(r.a_domarr).toEqual([7, 8]);
    expect(r.a_tags).toEqual(['x', 'y']);
    const grids = await runProgram('postgres-declared', live.postgres!.conn.db);
    expect(mismatches(typesFromSchema(GRIDS, 'postgres'), grids)).toEqual([]);
    expect(grids.grids![0]!.grid).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('PGlite: the program runs, and every value read is of its declared type (name[] aside: below)', async () => {
    const read = await runProgram('pglite', live.pglite!.conn.db);
    expect(mismatches(live.pglite!.types, read, ['a_name'])).toEqual([]);
    expect(read.arrays![0]!.a_int8).toEqual([5, '9007199254740993', 7]);
    expect(read.arrays![0]!.a_enum).toBe('{closed}');
  });

  // PGlite parses every array type it knew when it started (name[], xml[], and enum, domain, composite and
  // extension arrays created before this session), where node-postgres returns the text: eventdb's PGlite
  // connection should return these as the server does (src/dialects/pglite). Fails until it does.
  it.fails('PGlite: name[] comes back as its text, as from the server', async () => {
    const r = (await live.pglite!.conn.db.selectFrom('arrays').select('a_name').executeTakeFirstOrThrow()) as { a_name: unknown };
    expect(r.a_name).toBe('{n}');
  });

  it('DuckDB: the program runs, and every value read is of its declared type', async () => {
    const read = await runProgram('duckdb', live.duckdb!.conn.db);
    expect(mismatches(live.duckdb!.types, read)).toEqual([]);
    const r = read.arrays![0]!;
    expect(r.a_vc).toEqual(['https://a/inbox', 'b,c"d\\e [x]', 'ü', '']);
    expect(r.a_big).toEqual([5, '9007199254740993']);
    expect(r.a_json).toEqual(['{"a":1}', '[1,2]', '"s"', 'null']);
    expect(r.a_blob).toEqual([Buffer.from([0, 1, 255]), Buffer.from('ab')]);
    expect(r.a_enum).toEqual(['closed']);
    const grids = await runProgram('duckdb-declared', live.duckdb!.conn.db);
    expect(mismatches(typesFromSchema(GRIDS, 'duckdb'), grids)).toEqual([]);
  });
});
