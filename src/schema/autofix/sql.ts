import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Engine } from '../../config/url.js';
import { appliesTo, forEngine, type ExpectedColumn, type ExpectedForeignKey, type ExpectedIndex, type ExpectedTable } from '../model.js';

/**
 * SQL for the objects of the expected schema, per engine. Identifiers are quoted by Kysely
 * (`sql.id`); types, defaults, index expressions and predicates are SQL by definition in `schema/`
 * and are inserted as written. Every builder returns the SQL text exactly as it is executed.
 */
type Db = Kysely<any>;

function text(db: Db, q: RawBuilder<unknown>): string {
  const c = q.compile(db);
  if (c.parameters.length) throw new Error(`internal: SQL with parameters: ${c.sql}`);
  return c.sql;
}

const ids = (names: string[]) => sql.join(names.map((n) => sql.id(n)));

/** A plain column name, as opposed to an expression such as `lower(email)` or `starts_at desc`. */
export function isIdentifier(s: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_$]*$/.test(s);
}

export function columnType(col: ExpectedColumn, engine: Engine): string {
  const t = forEngine(col.type, engine);
  if (!t) throw new Error(`column ${col.name} has no type for ${engine}`);
  return t;
}

function columnDef(col: ExpectedColumn, engine: Engine, opts: { notNull: boolean }): RawBuilder<unknown> {
  const dflt = forEngine(col.default, engine);
  return sql`${sql.id(col.name)} ${sql.raw(columnType(col, engine))}${dflt !== undefined ? sql` default ${sql.raw(dflt)}` : sql``}${opts.notNull && !col.nullable ? sql` not null` : sql``}`;
}

export function fkName(table: string, fk: ExpectedForeignKey): string {
  return `${table}_${fk.columns.join('_')}_fkey`;
}

/** DuckDB has no referential actions; the others take the declared one. */
function onDelete(fk: ExpectedForeignKey, engine: Engine): RawBuilder<unknown> {
  if (!fk.onDelete || fk.onDelete === 'NO ACTION') return sql``;
  if (engine === 'duckdb') return sql``;
  return sql` on delete ${sql.raw(fk.onDelete)}`;
}

function fkClause(table: string, fk: ExpectedForeignKey, engine: Engine): RawBuilder<unknown> {
  return sql`constraint ${sql.id(fkName(table, fk))} foreign key (${ids(fk.columns)}) references ${sql.id(fk.references.table)} (${ids(fk.references.columns)})${onDelete(fk, engine)}`;
}

/** CREATE TABLE with its columns, primary key and foreign keys; then its indexes and reference rows. */
export function createTableSql(db: Db, t: ExpectedTable, engine: Engine): string[] {
  const parts: Array<RawBuilder<unknown>> = t.columns.map((c) => columnDef(c, engine, { notNull: true }));
  if (t.primaryKey.length) parts.push(sql`constraint ${sql.id(`${t.name}_pkey`)} primary key (${ids(t.primaryKey)})`);
  for (const fk of t.foreignKeys ?? []) if (appliesTo(fk, engine)) parts.push(fkClause(t.name, fk, engine));
  const out = [text(db, sql`create table ${sql.id(t.name)} (${sql.join(parts, sql`, `)})`)];
  for (const i of t.indexes ?? []) if (appliesTo(i, engine)) out.push(createIndexSql(db, t.name, i));
  out.push(...insertRowsSql(db, t, t.referenceRows ?? []));
  return out;
}

export function createIndexSql(db: Db, table: string, i: ExpectedIndex, opts: { concurrently?: boolean } = {}): string {
  const cols = sql.join(i.columns.map((c) => (isIdentifier(c) ? sql.id(c) : sql.raw(c))));
  const where = i.where ? sql` where ${sql.raw(i.where)}` : sql``;
  return text(db, sql`create ${i.unique ? sql`unique ` : sql``}index ${opts.concurrently ? sql`concurrently ` : sql``}${sql.id(i.name)} on ${sql.id(table)} (${cols})${where}`);
}

/** ADD COLUMN. DuckDB cannot add a column with a constraint: NOT NULL follows as a second statement. */
export function addColumnSql(db: Db, table: string, col: ExpectedColumn, engine: Engine): string[] {
  if (engine === 'duckdb') {
    const out = [text(db, sql`alter table ${sql.id(table)} add column ${columnDef(col, engine, { notNull: false })}`)];
    if (!col.nullable) out.push(text(db, sql`alter table ${sql.id(table)} alter column ${sql.id(col.name)} set not null`));
    return out;
  }
  return [text(db, sql`alter table ${sql.id(table)} add column ${columnDef(col, engine, { notNull: true })}`)];
}

/** ADD COLUMN as a nullable column (the first step of the safe alternative to NOT NULL without default). */
export function addNullableColumnSql(db: Db, table: string, col: ExpectedColumn, engine: Engine): string {
  return text(db, sql`alter table ${sql.id(table)} add column ${columnDef({ ...col, nullable: true }, engine, { notNull: false })}`);
}

export function setNotNullSql(db: Db, table: string, column: string, notNull: boolean): string {
  return text(db, sql`alter table ${sql.id(table)} alter column ${sql.id(column)} ${notNull ? sql`set` : sql`drop`} not null`);
}

export function alterTypeSql(db: Db, table: string, col: ExpectedColumn, engine: Engine): string {
  const type = columnType(col, engine);
  return text(db, sql`alter table ${sql.id(table)} alter column ${sql.id(col.name)} type ${sql.raw(type)} using ${sql.id(col.name)}::${sql.raw(type)}`);
}

/** PostgreSQL: add the constraint NOT VALID (a short lock), then VALIDATE it (no write lock). */
export function addForeignKeyPgSql(db: Db, table: string, fk: ExpectedForeignKey): { add: string; validate: string; name: string } {
  const name = fkName(table, fk);
  return {
    name,
    add: text(db, sql`alter table ${sql.id(table)} add ${fkClause(table, fk, 'postgres')} not valid`),
    validate: validateConstraintSql(db, table, name),
  };
}

/** PostgreSQL: check the existing rows against a NOT VALID constraint (SHARE UPDATE EXCLUSIVE: writes go on). */
export function validateConstraintSql(db: Db, table: string, name: string): string {
  return text(db, sql`alter table ${sql.id(table)} validate constraint ${sql.id(name)}`);
}

export function dropIndexSql(db: Db, name: string): string {
  return text(db, sql`drop index ${sql.id(name)}`);
}

export function dropConstraintSql(db: Db, table: string, name: string): string {
  return text(db, sql`alter table ${sql.id(table)} drop constraint ${sql.id(name)}`);
}

function literal(v: unknown): RawBuilder<unknown> {
  if (v === null || v === undefined) return sql`null`;
  if (typeof v === 'object' && !(v instanceof Date)) return sql.lit(JSON.stringify(v));
  return sql.lit(v);
}

/** INSERT of reference rows, one statement per row, values as literals (so the SQL is reviewable). */
export function insertRowsSql(db: Db, t: ExpectedTable, rows: Array<Record<string, unknown>>): string[] {
  return rows.map((row) => {
    const cols = Object.keys(row);
    return text(db, sql`insert into ${sql.id(t.name)} (${ids(cols)}) values (${sql.join(cols.map((c) => literal(row[c])))})`);
  });
}

/**
 * The reviewable rebuild for engines that cannot alter a table in place (SQLite; DuckDB for
 * constraints): create the expected table under a new name, copy the common columns, swap.
 */
export function rebuildTableSql(db: Db, t: ExpectedTable, liveColumns: string[], engine: Engine): string[] {
  const tmp = { ...t, name: `${t.name}__new`, indexes: [], referenceRows: [] };
  const common = t.columns.map((c) => c.name).filter((c) => liveColumns.includes(c));
  const out = createTableSql(db, tmp, engine);
  out.push(text(db, sql`insert into ${sql.id(tmp.name)} (${ids(common)}) select ${ids(common)} from ${sql.id(t.name)}`));
  out.push(text(db, sql`drop table ${sql.id(t.name)}`));
  out.push(text(db, sql`alter table ${sql.id(tmp.name)} rename to ${sql.id(t.name)}`));
  for (const i of t.indexes ?? []) if (appliesTo(i, engine)) out.push(createIndexSql(db, t.name, i));
  return out;
}
