/**
 * A throw-away eventdb project for the migrate diff tests: migrations/ and schema/schema.json in a
 * temp folder, a config for the fixture's database, and helpers to apply, roll back and read it.
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { resolveConfig, type ResolvedConfig } from '../../../src/config/index.js';
import type { Engine } from '../../../src/config/url.js';
import type { Connection, SchemaSnapshot } from '../../../src/dialects/types.js';
import { migrateUp, rollback } from '../../../src/migrations/index.js';
import type { ExpectedColumn, ExpectedSchema, ExpectedTable } from '../../../src/schema/model.js';
import { withoutInternal } from '../../../src/schema/generate/replay.js';

export interface Project {
  dir: string;
  migrations: string;
  schema: string;
  config: ResolvedConfig;
  declare(s: ExpectedSchema): void;
  files(): string[];
  open(): Promise<Connection>;
}

export async function makeProject(parent: string, url: string, tag: string): Promise<Project> {
  const dir = mkdtempSync(join(parent, `${tag}-`));
  const migrations = join(dir, 'migrations');
  const schema = join(dir, 'schema');
  mkdirSync(migrations);
  mkdirSync(schema);
  const config = await resolveConfig({ flags: { url }, env: { EVENTDB_MIGRATIONS_DIR: migrations, EVENTDB_SCHEMA_DIR: schema }, cwd: dir });
  return {
    dir,
    migrations,
    schema,
    config,
    declare: (s) => writeFileSync(join(schema, 'schema.json'), JSON.stringify(s, null, 2)),
    files: () => readdirSync(migrations).sort(),
    async open() {
      const { openConnection } = await import('../../../src/dialects/index.js');
      return openConnection(config, { lockWaitMs: 30_000 });
    },
  };
}

export const col = (name: string, family: ExpectedColumn['family'], type: ExpectedColumn['type'], nullable = true, extra: Partial<ExpectedColumn> = {}): ExpectedColumn => ({ name, family, type, nullable, ...extra });
export const int = (name: string, nullable = true, extra: Partial<ExpectedColumn> = {}) => col(name, 'integer', 'integer', nullable, extra);
export const text = (name: string, nullable = true, extra: Partial<ExpectedColumn> = {}) => col(name, 'text', { postgres: 'text', sqlite: 'TEXT', duckdb: 'VARCHAR' }, nullable, extra);
export const table = (name: string, columns: ExpectedColumn[], extra: Partial<ExpectedTable> = {}): ExpectedTable => ({ name, required: true, columns, primaryKey: [columns[0]!.name], ...extra });
export const schemaOf = (tables: ExpectedTable[], engines?: Engine[]): ExpectedSchema => ({ formatVersion: 1, tables, rules: [], ...(engines ? { engines } : {}) });

export async function up(conn: Connection, config: ResolvedConfig) {
  return migrateUp(conn, config, { lockTimeoutMs: 10_000 });
}

export async function down(conn: Connection, config: ResolvedConfig, count: number) {
  return rollback(conn, config, { lockTimeoutMs: 10_000, force: true, count });
}

/**
 * The introspected schema without eventdb's tables, in a stable order, for equality checks. A foreign
 * key without a name of its own (SQLite's are unnamed; introspection numbers them `<table>_<ref>_fk<n>`
 * by their position in the table) is compared without that name: a table rebuild may reorder them.
 * Columns are in their table's order, numbered 1…n (PostgreSQL's attnum keeps a dropped column's gap).
 * Everything else is compared as the engine reports it — primary key names and partial index
 * predicates included — except, on SQLite, the quotes around identifiers in an index's text: SQLite's
 * own ALTER TABLE RENAME COLUMN rewrites the index SQL with the new name quoted, so a rename and its
 * inverse leave `"c" IS NOT NULL` where `c IS NOT NULL` was (letter case and spacing stay compared).
 */
export async function shape(conn: Connection): Promise<SchemaSnapshot> {
  const raw = withoutInternal(await conn.introspect());
  const s = { ...raw, foreignKeys: raw.foreignKeys.map((f) => (f.name && new RegExp(`^${f.table}_${f.refTable}_fk\\d+$`).test(f.name) ? { ...f, name: '' } : f)) };
  const by = <T>(f: (x: T) => string) => (a: T, b: T) => (f(a) < f(b) ? -1 : f(a) > f(b) ? 1 : 0);
  const unquoted = (x: string | undefined) => (x === undefined || conn.engine !== 'sqlite' ? x : x.replace(/"/g, ''));
  return {
    ...s,
    tables: [...s.tables].sort(by((t) => t.name)).map((t) => ({ ...t, columns: [...t.columns].sort((a, b) => a.position - b.position).map((c, n) => ({ ...c, position: n + 1 })) })),
    indexes: [...s.indexes]
      .map((i) => ({ ...i, ...(i.where !== undefined ? { where: unquoted(i.where) } : {}), ...(i.sql !== undefined ? { sql: unquoted(i.sql) } : {}) }))
      .sort(by((i) => `${i.table}.${i.name}.${i.columns.join(',')}`)),
    foreignKeys: [...s.foreignKeys].sort(by((f) => `${f.table}.${f.columns.join(',')}.${f.refTable}`)),
  };
}

/**
 * `before` as a rollback leaves it when the step dropped columns (table → names): a down adds a dropped
 * column back with ALTER TABLE ADD COLUMN, which puts it last — PostgreSQL, PGlite and DuckDB cannot put
 * a column anywhere else, and SQLite could only through a table rebuild, which a down does not do for
 * that (too costly). Every other column, and every other table, keeps its order.
 */
export function reAddedLast(before: SchemaSnapshot, dropped: ReadonlyMap<string, readonly string[]>): SchemaSnapshot {
  return {
    ...before,
    tables: before.tables.map((t) => {
      const gone = dropped.get(t.name);
      if (!gone?.length) return t;
      const cols = [...t.columns.filter((c) => !gone.includes(c.name)), ...gone.map((g) => t.columns.find((c) => c.name === g)!).filter(Boolean)];
      return { ...t, columns: cols.map((c, n) => ({ ...c, position: n + 1 })) };
    }),
  };
}

export async function count(conn: Connection, t: string): Promise<number> {
  const r = await sql<{ n: number | string | bigint }>`select count(*) as n from ${sql.table(t)}`.execute(conn.db);
  return Number(r.rows[0]!.n);
}
