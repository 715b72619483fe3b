import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { resolveConfig, type ResolvedConfig } from '../../src/config/index.js';
import type { Connection, SchemaSnapshot } from '../../src/dialects/types.js';
import { migrateDiff, migrateUp, openDatabase } from '../../src/index.js';
import { splitStatements } from '../../src/migrations/split.js';
import { isInternalTable } from '../../src/schema/diff.js';
import { loadExpectedSchemaFile } from '../../src/schema/loader.js';
import type { ExpectedSchema } from '../../src/schema/model.js';
import * as A from '../../src/schema/authoring.js';
import { pullSchema } from '../../src/schema/pull/index.js';
import { collectFindings } from '../../src/schema/validate.js';
import { FIXTURES, psql } from '../conformance/helpers.js';
import { createPgDatabase, describeEngines, type EngineFixture } from '../helpers/engines.js';

/**
 * Generated columns survive schema pull → declaration → migrate diff → up (issue 17), on every engine;
 * a foreign key beside a generated column keeps its actions and never lands on the generated column's
 * definition; a generated column added to an existing table is planned as the engine can (PostgreSQL
 * ADD COLUMN … STORED, SQLite ADD COLUMN … VIRTUAL or the rebuild for a stored one, DuckDB refused).
 */

let n = 0;
const dropLater: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const d of dropLater) await d();
});

async function execAll(conn: Connection, text: string): Promise<void> {
  for (const s of await splitStatements(text, conn.engine)) await sql.raw(s).execute(conn.db);
}

/** pull → load → validate: the schema findings that are not "ok", and the pulled file's text. */
async function pullValidate(fx: EngineFixture, conn: Connection): Promise<{ problems: string[]; text: string; expected: ExpectedSchema }> {
  const file = join(fx.dir(), `gen-pulled-${++n}`, 'index.ts');
  await pullSchema(conn, { out: file });
  const expected = await loadExpectedSchemaFile(file);
  const c = await collectFindings(conn, await fx.config(), { expected, migrations: false, drift: false });
  const problems = c.items.map((i) => i.finding).filter((f) => f.check === 'schema' && f.level !== 'ok').map((f) => `${f.level} ${f.kind}: ${f.message}`);
  return { problems, text: readFileSync(file, 'utf8'), expected };
}

/** What a declaration states of a live schema (generated columns included), in a comparable order. */
function shape(s: SchemaSnapshot) {
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  const byJson = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));
  return {
    tables: s.tables.filter((t) => !isInternalTable(t.name)).map((t) => ({ name: t.name, primaryKey: t.primaryKey, columns: t.columns.map(({ name, type, family, nullable, default: d, generated }) => ({ name, type, family, nullable, default: d, generated })) })).sort(byName),
    indexes: s.indexes.filter((i) => !isInternalTable(i.table)).map(({ table, columns, unique, primary, where }) => ({ table, columns, unique, primary, where })).sort(byJson),
    foreignKeys: s.foreignKeys.map(({ table, columns, refTable, refColumns, onDelete, onUpdate }) => ({ table, columns, refTable, refColumns, onDelete, onUpdate })).sort(byJson),
    checks: (s.checks ?? []).map(({ table, expression }) => ({ table, expression })).sort(byJson),
  };
}

/** An empty database of the fixture's engine, with its own migrations folder. */
async function emptyTarget(fx: EngineFixture, label: string): Promise<{ cwd: string; config: ResolvedConfig }> {
  const cwd = join(fx.dir(), `${label}-${++n}`);
  mkdirSync(join(cwd, 'migrations'), { recursive: true });
  let url: string;
  if (fx.variant === 'postgres') {
    const db = await createPgDatabase('eventdb_gen');
    dropLater.push(() => db.drop());
    url = db.url;
  } else if (fx.variant === 'pglite') url = `pglite:${join(cwd, 'pglite')}`;
  else url = `${fx.engine}:${join(cwd, `app.${fx.engine}`)}`;
  const config = await resolveConfig({ flags: { url }, env: { EVENTDB_MIGRATIONS_DIR: join(cwd, 'migrations') }, cwd });
  return { cwd, config };
}

const SCHEMA = {
  postgres: `create table parent (id integer primary key);
    create table item (id integer primary key, price numeric(10,2) not null, qty integer not null,
      total numeric(12,2) generated always as (price * qty) stored,
      label text generated always as (upper('x' || qty::text)) stored,
      parent_id integer references parent (id) on delete cascade on update set null)`,
  sqlite: `create table parent (id integer primary key);
    create table item (id integer primary key, price real not null, qty integer not null,
      total real generated always as (price * qty) stored,
      label text as (upper('x' || qty)) virtual,
      parent_id integer references parent (id) on delete cascade on update set null)`,
  duckdb: `create table parent (id integer primary key);
    create table item (id integer primary key, price decimal(10,2) not null, qty integer not null,
      total decimal(12,2) generated always as (price * qty) virtual,
      label varchar as (upper('x' || qty)),
      parent_id integer references parent (id))`,
};

describeEngines('generated columns', (fx) => {
  it('pull declares them (not as defaults), validate is clean, and the declaration rebuilds the same schema through migrate diff and up', async () => {
    const conn = await openDatabase(await fx.config());
    try {
      await execAll(conn, SCHEMA[fx.engine]);
      const live = await conn.introspect();
      const cols = Object.fromEntries(live.tables.find((t) => t.name === 'item')!.columns.map((c) => [c.name, c]));
      expect(cols.total!.default).toBeNull();
      expect(cols.total!.generated).toEqual({ expression: { postgres: '(price * (qty)::numeric)', sqlite: 'price * qty', duckdb: '(price * qty)' }[fx.engine], stored: fx.engine !== 'duckdb' });
      expect(cols.label!.generated?.stored).toBe(fx.engine === 'postgres');
      expect(cols.qty!.generated).toBeUndefined();

      const r = await pullValidate(fx, conn);
      expect(r.problems).toEqual([]);
      const total = r.text.split('\n').find((l) => l.includes(`'total'`))!;
      expect(total).toContain(`generated: { expression: { ${fx.engine}: '${cols.total!.generated!.expression}' }, stored: ${fx.engine !== 'duckdb'} }`);
      expect(total).not.toContain('default');

      // migrate diff into an empty database, then up: the same schema, and the values are computed
      const target = await emptyTarget(fx, 'gen-rebuilt');
      const diff = await migrateDiff(target.config, { name: 'rebuild', expected: r.expected, engines: [fx.engine] });
      expect(diff.files.length).toBe(1);
      const createItem = diff.files[0]!.up.find((l) => /^create table "item"/i.test(l))!;
      expect(createItem).toContain(`"total" ${fx.engine === 'duckdb' ? 'decimal(12,2)' : fx.engine === 'sqlite' ? 'real' : 'numeric(12,2)'} generated always as ${fx.engine === 'sqlite' ? '(price * qty)' : cols.total!.generated!.expression} ${fx.engine === 'duckdb' ? 'virtual' : 'stored'}`);
      // the foreign key is a table constraint with its actions, never glued onto a generated column's definition
      expect(createItem).not.toMatch(/generated always as \([^,]*references/i);
      if (fx.engine !== 'duckdb') expect(createItem).toContain('foreign key ("parent_id") references "parent" ("id") on delete CASCADE on update SET NULL');
      const rebuilt = await openDatabase(target.config);
      try {
        expect((await migrateUp(rebuilt, target.config)).applied.length).toBe(1);
        expect(shape(await rebuilt.introspect())).toEqual(shape(live));
        await execAll(rebuilt, `insert into parent (id) values (1); insert into item (id, price, qty, parent_id) values (1, 2.5, 4, 1)`);
        const row = (await sql<{ total: unknown; label: string }>`select total, label from item`.execute(rebuilt.db)).rows[0]!;
        expect(Number(row.total)).toBe(10);
        expect(row.label).toBe('X4');
        // idempotent: after up, the declaration and the migrations agree
        const again = await migrateDiff(target.config, { name: 'again', expected: r.expected, engines: [fx.engine], check: true });
        expect(again.changed).toBe(false);
      } finally {
        await rebuilt.close();
      }
    } finally {
      await conn.close();
    }
  }, 300_000);

  it('validate reports a generated column whose expression or kind differs from the declaration, and changes nothing', async () => {
    const conn = await openDatabase(await fx.config());
    try {
      await execAll(conn, SCHEMA[fx.engine]);
      const r = await pullValidate(fx, conn);
      const before = shape(await conn.introspect());
      const item = r.expected.tables.find((t) => t.name === 'item')!;
      const total = item.columns.find((c) => c.name === 'total')!;
      total.generated = { expression: 'price + qty', stored: total.generated!.stored };
      const qty = item.columns.find((c) => c.name === 'qty')!;
      qty.generated = { expression: 'id * 2', stored: false };
      const c = await collectFindings(conn, await fx.config(), { expected: r.expected, migrations: false, drift: false });
      const found = c.items.map((i) => i.finding).filter((f) => f.kind === 'generated-mismatch');
      expect(found.map((f) => f.object).sort()).toEqual(['column item.qty', 'column item.total']);
      expect(found.find((f) => f.object === 'column item.total')!.message).toMatch(/^column item\.total is generated always as \(.+\) (stored|virtual); expected generated always as \(price \+ qty\)/);
      expect(found.find((f) => f.object === 'column item.qty')!.message).toBe('column item.qty is not generated; expected generated always as (id * 2) virtual');
      expect(shape(await conn.introspect())).toEqual(before);
    } finally {
      await conn.close();
    }
  });

  it('a generated column added to an existing table: PostgreSQL ADD COLUMN … STORED, SQLite ADD COLUMN … VIRTUAL or a rebuild for a stored one (rows kept), DuckDB refused with nothing written', async () => {
    // from an empty database: a first migration creates t, a second adds the generated columns
    const fresh = await emptyTarget(fx, 'gen-add-fresh');
    const db = await openDatabase(fresh.config);
    try {
      const t0 = A.table('t', { columns: [A.integer('id'), A.integer('a')], primaryKey: ['id'] });
      const decl0 = A.defineSchema({ engines: [fx.engine], tables: [t0] });
      await migrateDiff(fresh.config, { name: 'create_t', expected: decl0, engines: [fx.engine] });
      await migrateUp(db, fresh.config);
      await execAll(db, 'insert into t (id, a) values (1, 20), (2, 30)');
      const kinds: Array<{ name: string; stored: boolean }> = fx.engine === 'postgres' ? [{ name: 'a2', stored: true }] : fx.engine === 'sqlite' ? [{ name: 'a2', stored: false }, { name: 'a3', stored: true }] : [{ name: 'a2', stored: false }];
      const decl1 = A.defineSchema({
        engines: [fx.engine],
        tables: [A.table('t', { columns: [A.integer('id'), A.integer('a'), ...kinds.map((k) => A.integer(k.name, { nullable: true, generated: { expression: 'a * 2', stored: k.stored } }))], primaryKey: ['id'] })],
      });
      const files = () => readdirSync(join(fresh.cwd, 'migrations')).sort();
      const before = files();
      if (fx.engine === 'duckdb') {
        const e = await migrateDiff(fresh.config, { name: 'add_generated', expected: decl1, engines: ['duckdb'] }).then(() => undefined, (x: unknown) => x as { code: string; message: string; hint: string });
        expect(e?.code).toBe('DIFF_REFUSED');
        expect(e?.message).toBe('duckdb cannot make this change: add generated column t.a2 (DuckDB cannot add a virtual generated column to an existing table); nothing was written');
        expect(e?.hint).toContain('write this migration by hand');
        expect(files()).toEqual(before);
        return;
      }
      const d = await migrateDiff(fresh.config, { name: 'add_generated', expected: decl1, engines: [fx.engine] });
      const up = d.files.flatMap((f) => f.up).join('\n');
      if (fx.engine === 'postgres') expect(up).toContain('alter table "t" add column "a2" integer generated always as (a * 2) stored');
      if (fx.engine === 'sqlite') {
        expect(up).toMatch(/create table "t__new" \(.*"a2" integer generated always as \(a \* 2\) virtual, "a3" integer generated always as \(a \* 2\) stored/);
        expect(up).toContain('insert into "t__new" ("id", "a") select "id", "a" from "t"');
      }
      await migrateUp(db, fresh.config);
      const rows = (await sql<Record<string, number>>`select * from t order by id`.execute(db.db)).rows;
      expect(rows).toEqual([{ id: 1, a: 20, ...Object.fromEntries(kinds.map((k) => [k.name, 40])) }, { id: 2, a: 30, ...Object.fromEntries(kinds.map((k) => [k.name, 60])) }]);
      const gen = (await db.introspect()).tables.find((x) => x.name === 't')!.columns.filter((c) => c.generated).map((c) => ({ name: c.name, stored: c.generated!.stored }));
      expect(gen).toEqual(kinds);
    } finally {
      await db.close();
    }
  }, 300_000);
});

/**
 * Serial columns (issue 17): pagila draws its ids from sequences of their own (`nextval('actor_actor_id_seq'::regclass)`,
 * not OWNED BY; payment's partitions share one). The pulled declaration keeps those defaults, and migrate diff
 * creates each sequence before the first table whose default draws from it, so the declaration rebuilds pagila
 * on an empty database. Its enum and domains come from a hand-written first migration (a baseline).
 */
describeEngines('serial columns', (fx) => {
  it('pagila pulled → migrate diff into an empty database → up: the same tables, keys, defaults and sequences; ids are drawn', async () => {
    const text = readFileSync(join(FIXTURES, 'pagila', 'pagila-schema.sql'), 'utf8');
    if (fx.variant === 'postgres') psql(fx.url(), text);
    else {
      const load = await openDatabase(await fx.config()); // the dump empties search_path for its session
      await execAll(load, text).finally(() => load.close());
    }
    const conn = await openDatabase(await fx.config());
    try {
      const live = await conn.introspect();
      const r = await pullValidate(fx, conn);
      expect(r.problems).toEqual([]);
      expect(r.text).toContain(`integer('actor_id', { default: { postgres: "nextval('actor_actor_id_seq'::regclass)" } })`);

      const target = await emptyTarget(fx, 'pagila-rebuilt');
      const baseline = [
        `CREATE DOMAIN "bıgınt" AS bigint;`,
        `CREATE TYPE mpaa_rating AS ENUM ('G', 'PG', 'PG-13', 'R', 'NC-17');`,
        `CREATE DOMAIN year AS integer CONSTRAINT year_check CHECK (((VALUE >= 1901) AND (VALUE <= 2155)));`,
      ];
      writeFileSync(join(target.cwd, 'migrations', '0001_types.sql'), `-- eventdb:up\n${baseline.join('\n')}\n-- eventdb:down\nDROP DOMAIN year;\nDROP TYPE mpaa_rating;\nDROP DOMAIN "bıgınt";\n`);
      const diff = await migrateDiff(target.config, { name: 'pagila', expected: r.expected, engines: ['postgres'] });
      const up = diff.files.flatMap((f) => f.up).join('\n');
      // each sequence once, before the table that first draws from it
      expect(up.match(/create sequence actor_actor_id_seq/g)?.length).toBe(1);
      expect(up.match(/create sequence payment_payment_id_seq/g)?.length).toBe(1);
      expect(up.indexOf('create sequence actor_actor_id_seq')).toBeLessThan(up.indexOf('create table "actor"'));
      const rebuilt = await openDatabase(target.config);
      try {
        await migrateUp(rebuilt, target.config);
        const after = await rebuilt.introspect();
        expect(shape(after)).toEqual(shape(live));
        const seqs = (s: SchemaSnapshot) => [...(s.sequences ?? [])].sort();
        expect(seqs(after)).toEqual(seqs(live));
        expect(seqs(after)).toContain('actor_actor_id_seq');
        const ids = await sql<{ actor_id: number }>`insert into actor (first_name, last_name) values ('A', 'B'), ('C', 'D') returning actor_id`.execute(rebuilt.db);
        expect(ids.rows.map((x) => x.actor_id)).toEqual([1, 2]);
        // idempotent: nothing more to do, no sequence created twice
        const again = await migrateDiff(target.config, { name: 'again', expected: r.expected, engines: ['postgres'], check: true });
        expect(again.changed).toBe(false);
      } finally {
        await rebuilt.close();
      }
    } finally {
      await conn.close();
    }
  }, 300_000);
}, ['postgres', 'pglite']);
