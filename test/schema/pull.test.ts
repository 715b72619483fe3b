import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import type { Connection, SchemaSnapshot } from '../../src/dialects/types.js';
import { migrateDiff, migrateUp, openDatabase } from '../../src/index.js';
import { splitStatements } from '../../src/migrations/split.js';
import { isInternalTable } from '../../src/schema/diff.js';
import { loadExpectedSchemaFile } from '../../src/schema/loader.js';
import type { ExpectedSchema } from '../../src/schema/model.js';
import { pullSchema } from '../../src/schema/pull/index.js';
import { collectFindings } from '../../src/schema/validate.js';
import { buildKeto, chinookSql, FIXTURES, psql } from '../conformance/helpers.js';
import { describeEngines, type EngineFixture } from '../helpers/engines.js';
import { runCli } from '../helpers/cli.js';
import { applyPlatform } from './apply-platform.js';

let n = 0;

/** pull → load the file → validate: every schema finding that is not "ok". Also returns the file's text. */
async function roundTrip(fx: EngineFixture, conn: Connection): Promise<{ problems: string[]; text: string; tables: number; expected: ExpectedSchema }> {
  const file = join(fx.dir(), `pulled-${++n}`, 'index.ts');
  const res = await pullSchema(conn, { out: file });
  const expected = await loadExpectedSchemaFile(file);
  const c = await collectFindings(conn, await fx.config(), { expected, migrations: false, drift: false });
  const problems = c.items.map((i) => i.finding).filter((f) => f.check === 'schema' && f.level !== 'ok').map((f) => `${f.level} ${f.kind}: ${f.message}`);
  return { problems, text: readFileSync(file, 'utf8'), tables: res.tables, expected };
}

/** Runs SQL statements one by one on an open connection (PGlite, DuckDB). */
async function execAll(conn: Connection, text: string): Promise<void> {
  for (const s of await splitStatements(text, conn.engine)) await sql.raw(s).execute(conn.db);
}

/** What a declaration states of a live schema, in a comparable order. */
function shape(s: SchemaSnapshot) {
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  return {
    enums: [...(s.enums ?? [])].sort(byName),
    tables: s.tables.filter((t) => !isInternalTable(t.name)).map((t) => ({ name: t.name, primaryKey: t.primaryKey, columns: t.columns.map(({ name, type, family, nullable, default: d }) => ({ name, type, family, nullable, default: d })) })).sort(byName),
    indexes: s.indexes.filter((i) => !isInternalTable(i.table)).map(({ table, columns, unique, primary, where }) => ({ table, columns, unique, primary, where })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    foreignKeys: s.foreignKeys.map(({ table, columns, refTable, refColumns, onDelete, onUpdate }) => ({ table, columns, refTable, refColumns, onDelete, onUpdate })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    checks: (s.checks ?? []).map(({ table, expression }) => ({ table, expression })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  };
}

const sqlitePath = (url: string) => url.replace(/^sqlite:/, '');
const chinookSchema = (engine: 'postgres' | 'sqlite') => {
  const text = chinookSql(engine);
  return text.slice(0, text.search(/^INSERT INTO/m));
};

describeEngines('schema pull round trip', (fx) => {
  it('on the platform database: validate right after pull reports no schema finding, and pull is deterministic', async () => {
    const conn = await openDatabase(await fx.config());
    try {
      await applyPlatform(conn, 'up');
      const a = await roundTrip(fx, conn);
      expect(a.problems).toEqual([]);
      expect(a.tables).toBe(13);
      const b = await roundTrip(fx, conn);
      expect(b.text).toBe(a.text);
      expect(a.text).toMatch(/from 'eventdb';/);
      expect(a.text).toMatch(/table\('users', \{/);
    } finally {
      await conn.close();
    }
  });

  it('declares checks and enums the engine reports', async () => {
    const conn = await openDatabase(await fx.config());
    try {
      const ddl = {
        postgres: `create type mood as enum ('sad', 'ok', 'happy'); create table t (id integer primary key, m mood, p numeric(10,2) not null default 0, v varchar(40), constraint t_p_positive check (p >= 0))`,
        sqlite: `create table t (id integer primary key, m text, p numeric(10,2) not null default 0, v varchar(40), constraint t_p_positive check (p >= 0))`,
        duckdb: `create type mood as enum ('sad', 'ok', 'happy'); create table t (id integer primary key, m mood, p decimal(10,2) not null default 0, v varchar, constraint t_p_positive check (p >= 0))`,
      }[fx.engine];
      await execAll(conn, ddl);
      await execAll(conn, fx.engine === 'duckdb' ? 'create index t_lower_v on t (lower(v))' : 'create index t_lower_v on t (lower(v)) where v is not null');
      const r = await roundTrip(fx, conn);
      expect(r.problems).toEqual([]);
      expect(r.text).toContain(fx.engine === 'duckdb' ? `check('t_p_check', '(p >= 0)')` : fx.engine === 'sqlite' ? `check('t_p_positive', 'p >= 0')` : `check('t_p_positive', 'p >= 0::numeric')`);
      if (fx.engine !== 'sqlite') {
        expect(r.text).toContain(`enumType('mood', ['sad', 'ok', 'happy'])`);
        expect(r.text).toContain(`enumColumn('m', 'mood', { nullable: true })`);
      }
      expect(r.text).toContain(`numeric('p', 10, 2, { default: '0' })`);
      expect(r.text).toContain({ postgres: `index('t_lower_v', ['lower(v::text)'], { where: '(v IS NOT NULL)' })`, sqlite: `index('t_lower_v', ['lower(v)'], { where: 'v is not null' })`, duckdb: `index('t_lower_v', ['(lower(v))'])` }[fx.engine]);
    } finally {
      await conn.close();
    }
  });

  if (fx.variant !== 'duckdb') {
    it('on Chinook: validate right after pull reports no schema finding', async () => {
      const engine = fx.engine as 'postgres' | 'sqlite';
      if (fx.variant === 'postgres') psql(fx.url(), chinookSchema('postgres'));
      if (fx.variant === 'sqlite') {
        const db = new Database(sqlitePath(fx.url()));
        db.exec(chinookSchema('sqlite'));
        db.close();
      }
      const conn = await openDatabase(await fx.config());
      try {
        if (fx.variant === 'pglite') await execAll(conn, chinookSchema(engine));
        const r = await roundTrip(fx, conn);
        expect(r.problems).toEqual([]);
        expect(r.tables).toBe(11);
      } finally {
        await conn.close();
      }
    });

    it('on ory/keto: validate right after pull reports no schema finding', async () => {
      const engine = fx.engine as 'postgres' | 'sqlite';
      const built = buildKeto(engine, join(fx.dir(), `keto-${++n}`));
      if (fx.variant === 'postgres') psql(fx.url(), built.ups.join('\n;\n'));
      if (fx.variant === 'sqlite') {
        const db = new Database(sqlitePath(fx.url()));
        for (const s of built.ups) db.exec(s);
        db.close();
      }
      const conn = await openDatabase(await fx.config());
      try {
        if (fx.variant === 'pglite') for (const s of built.ups) await execAll(conn, s);
        const r = await roundTrip(fx, conn);
        expect(r.problems).toEqual([]);
        expect(r.tables).toBeGreaterThan(0);
      } finally {
        await conn.close();
      }
    });
  }

  if (fx.variant === 'postgres' || fx.variant === 'pglite') {
    it('on pagila: validate right after pull reports no schema finding', async () => {
      const text = readFileSync(join(FIXTURES, 'pagila', 'pagila-schema.sql'), 'utf8');
      if (fx.variant === 'postgres') psql(fx.url(), text);
      if (fx.variant === 'pglite') {
        // the dump empties search_path for its session: load it on a connection of its own
        const load = await openDatabase(await fx.config());
        await execAll(load, text).finally(() => load.close());
      }
      const conn = await openDatabase(await fx.config());
      try {
        const r = await roundTrip(fx, conn);
        expect(r.problems).toEqual([]);
        expect(r.text).toContain(`enumType('mpaa_rating'`);
      } finally {
        await conn.close();
      }
    });
  }

  if (fx.variant === 'duckdb') {
    it('on typr\'s DuckDB schema: validate right after pull reports no schema finding, and the declaration builds the same schema', async () => {
      const text = readFileSync(join(FIXTURES, 'typr-duckdb', '00-schema.sql'), 'utf8');
      const conn = await openDatabase(await fx.config());
      try {
        await execAll(conn, text);
        const r = await roundTrip(fx, conn);
        expect(r.problems).toEqual([]);
        expect(r.tables).toBe(9);
        // The declaration builds the same schema again: migrate diff from no migrations, up on an empty database.
        const cwd = join(fx.dir(), `typr-rebuilt-${++n}`);
        mkdirSync(join(cwd, 'migrations'), { recursive: true });
        // The enum types come from a hand-written first migration, as in a project that adopts eventdb with
        // a baseline; the diff writes the tables, their keys and indexes.
        const types = r.expected.enums!.map((e) => `CREATE TYPE ${e.name} AS ENUM (${e.values.map((v) => `'${v}'`).join(', ')});`);
        writeFileSync(join(cwd, 'migrations', '0001_types.sql'), `-- eventdb:up\n${types.join('\n')}\n-- eventdb:down\n${r.expected.enums!.map((e) => `DROP TYPE ${e.name};`).join('\n')}\n`);
        const config = await resolveConfig({ flags: { url: `duckdb:${join(cwd, 'app.duckdb')}` }, env: { EVENTDB_MIGRATIONS_DIR: join(cwd, 'migrations') }, cwd });
        const diff = await migrateDiff(config, { name: 'typr', expected: r.expected, engines: ['duckdb'] });
        expect(diff.files.length).toBe(1);
        const rebuilt = await openDatabase(config);
        try {
          expect((await migrateUp(rebuilt, config)).applied.length).toBe(2);
          const original = shape(await conn.introspect());
          expect(original.tables.length).toBe(9);
          expect(original.enums.map((e) => e.name)).toEqual(['mood', 'priority']);
          expect(shape(await rebuilt.introspect())).toEqual(original);
        } finally {
          await rebuilt.close();
        }
      } finally {
        await conn.close();
      }
    });
  }

  if (fx.variant === 'duckdb') {
    it('DuckDB\'s nested types (list, fixed array, map, struct, union) pull as arrays and others, not integers, and validate clean', async () => {
      const conn = await openDatabase(await fx.config());
      try {
        await execAll(conn, 'create table n (id integer primary key, l integer[], a double[3], m map(varchar, integer), s struct(a integer, b varchar), u union(n integer, s varchar))');
        const families = Object.fromEntries((await conn.introspect()).tables[0]!.columns.map((c) => [c.name, c.family]));
        expect(families).toEqual({ id: 'integer', l: 'array', a: 'array', m: 'other', s: 'other', u: 'other' });
        const r = await roundTrip(fx, conn);
        expect(r.problems).toEqual([]);
        expect(r.text).toContain(`column('m', 'other', { duckdb: 'map(varchar, integer)' }, { nullable: true })`);
        expect(r.text).toContain(`column('s', 'other', { duckdb: 'struct(a integer, b varchar)' }, { nullable: true })`);
        expect(r.text).toContain(`column('u', 'other', { duckdb: 'union(n integer, s varchar)' }, { nullable: true })`);
        expect(r.text).toContain(`column('a', 'array', { duckdb: 'double[3]' }, { nullable: true })`);
      } finally {
        await conn.close();
      }
    });
  }

  if (fx.variant === 'postgres' || fx.variant === 'sqlite') it('refuses to overwrite a file without --force (SCHEMA_PULL_EXISTS, exit 2, file unchanged); --force replaces it', async () => {
    const conn = await openDatabase(await fx.config());
    try {
      await execAll(conn, 'create table a (id integer primary key, name text)');
    } finally {
      await conn.close();
    }
    const dir = join(fx.dir(), `cli-${++n}`);
    mkdirSync(join(dir, 'schema'), { recursive: true });
    const file = join(dir, 'schema', 'index.ts');
    writeFileSync(file, '// mine\n');
    const env = { EVENTDB_DATABASE_URL: fx.url() };
    const r = await runCli(['schema', 'pull', '--json'], { env, cwd: dir });
    expect(r.code).toBe(2);
    expect(r.json().error.code).toBe('SCHEMA_PULL_EXISTS');
    expect(r.json().error.message).toContain(`${file} exists`);
    expect(r.json().error.hint).toContain('--force');
    expect(readFileSync(file, 'utf8')).toBe('// mine\n');

    const f = await runCli(['schema', 'pull', '--force', '--json'], { env, cwd: dir });
    expect(f.code).toBe(0);
    expect(f.json()).toMatchObject({ ok: true, file, overwritten: true, tables: 1, columns: 2 });
    expect(readFileSync(file, 'utf8')).toContain(`table('a', {`);

    const v = await runCli(['validate', '--no-drift', '--json'], { env, cwd: dir });
    expect(v.json().findings.filter((x: { check: string; level: string }) => x.check === 'schema' && x.level !== 'ok')).toEqual([]);
    expect(existsSync(join(dir, 'schema', 'index.ts.tmp'))).toBe(false);
  });
});
