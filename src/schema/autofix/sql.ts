import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Engine } from '../../config/url.js';
import { ddlFor } from '../../dialects/ddl.js';
import { createIndexQuery, defaultSql, isIdentifier } from '../../dialects/ddl-common.js';
import { withEnumTypes } from '../../dialects/enum-ddl.js';
import type { DdlCheck, DdlColumn, DdlForeignKey, DdlIndex, DdlTable } from '../../dialects/types.js';
import { appliesTo, forEngine, type ExpectedColumn, type ExpectedForeignKey, type ExpectedIndex, type ExpectedTable } from '../model.js';

/**
 * SQL for the objects of the expected schema, per engine: the declaration resolved for the engine
 * (`ddlColumn`, `ddlTable` …) and written by the engine's DDL (src/dialects/<engine>/ddl.ts).
 * Identifiers are quoted by Kysely (`sql.id`); types, defaults, index expressions and predicates are
 * SQL by definition in `schema/` and are inserted as written. Every builder returns the SQL text
 * exactly as it is executed. The `db` parameters are kept for the callers; the text is the same.
 */
type Db = Kysely<any>;

export { defaultSql, isIdentifier };

function text(db: Db, q: RawBuilder<unknown>): string {
  const c = q.compile(db);
  if (c.parameters.length) throw new Error(`internal: SQL with parameters: ${c.sql}`);
  return c.sql;
}

const ids = (names: string[]) => sql.join(names.map((n) => sql.id(n)));

export function columnType(col: ExpectedColumn, engine: Engine): string {
  const t = forEngine(col.type, engine);
  if (!t) throw new Error(`column ${col.name} has no type for ${engine}`);
  return t;
}

/** A declared column resolved for one engine. */
export function ddlColumn(col: ExpectedColumn, engine: Engine): DdlColumn {
  const dflt = forEngine(col.default, engine);
  const collate = forEngine(col.collate, engine);
  return {
    name: col.name,
    type: columnType(col, engine),
    nullable: col.nullable,
    ...(dflt !== undefined ? { default: dflt } : {}),
    ...(collate ? { collate } : {}),
    ...(col.identity ? { identity: col.identity } : {}),
    ...generatedFor(col, engine),
  };
}

/** A declared generated column resolved for one engine (issue 17). */
function generatedFor(col: ExpectedColumn, engine: Engine): Pick<DdlColumn, 'generated'> {
  const expression = forEngine(col.generated?.expression, engine);
  return expression === undefined ? {} : { generated: { expression, stored: forEngine(col.generated!.stored, engine) ?? false } };
}

export function fkName(table: string, fk: ExpectedForeignKey): string {
  return `${table}_${fk.columns.join('_')}_fkey`;
}

/** A declared foreign key resolved (named after `table`). */
export function ddlForeignKey(table: string, fk: ExpectedForeignKey): DdlForeignKey {
  return {
    name: fkName(table, fk),
    columns: fk.columns,
    refTable: fk.references.table,
    refColumns: fk.references.columns,
    ...(fk.onDelete ? { onDelete: fk.onDelete } : {}),
    ...(fk.onUpdate ? { onUpdate: fk.onUpdate } : {}),
    ...(fk.notValid ? { notValid: true } : {}),
  };
}

/** A declared index resolved for one engine: INCLUDE and NULLS NOT DISTINCT only where the engine has them. */
export function ddlIndex(i: ExpectedIndex, engine: Engine): DdlIndex {
  const extras = ddlFor(engine).facts.indexIncludeAndNulls;
  return { name: i.name, columns: i.columns, ...(i.unique ? { unique: true } : {}), ...(i.where ? { where: i.where } : {}), ...(i.using ? { using: i.using } : {}), ...(extras && i.include?.length ? { include: i.include } : {}), ...(extras && i.nullsNotDistinct ? { nullsNotDistinct: true } : {}) };
}

/** A declared table resolved for one engine (foreign keys named after `name`, default the table's). */
export function ddlTable(t: ExpectedTable, engine: Engine, name = t.name): DdlTable {
  return {
    name,
    columns: t.columns.map((c) => ddlColumn(c, engine)),
    primaryKey: t.primaryKey,
    foreignKeys: (t.foreignKeys ?? []).filter((fk) => appliesTo(fk, engine)).map((fk) => ddlForeignKey(name, fk)),
    indexes: (t.indexes ?? []).filter((i) => appliesTo(i, engine)).map((i) => ddlIndex(i, engine)),
    // checks only when the table declares them (a table without `checks` leaves the live ones alone)
    ...(t.checks ? { checks: t.checks.filter((c) => appliesTo(c, engine)).map((c) => ({ name: c.name, expression: c.expression })) } : {}),
  };
}

/**
 * CREATE SEQUENCE for each sequence the columns' defaults draw from (PostgreSQL `nextval('…')`) that
 * `have` (the schema's sequences, by catalog name) lacks; each is added to `have`, so a sequence two
 * new tables share is created once. Empty on engines without sequence defaults (issue 17).
 */
export function missingSequencesSql(columns: ExpectedColumn[], engine: Engine, have: Set<string>): string[] {
  const ddl = ddlFor(engine);
  if (!ddl.sequenceOf || !ddl.createSequence) return [];
  const out: string[] = [];
  for (const c of columns) {
    const dflt = forEngine(c.default, engine);
    const s = dflt === undefined ? undefined : ddl.sequenceOf(dflt);
    if (!s || have.has(s.name)) continue;
    have.add(s.name);
    out.push(ddl.createSequence(s.sql));
  }
  return out;
}

/** Add a check NOT VALID (a short lock), then VALIDATE it (no write lock) — on engines that can (`facts.notValid`). */
export function addCheckPgSql(table: string, check: DdlCheck, engine: Engine): { add: string; validate: string; drop: string } {
  const ddl = ddlFor(engine);
  const add = ddl.addCheck(table, check, { notValid: true });
  const drop = ddl.dropConstraint(table, check.name);
  if (typeof add !== 'string' || typeof drop !== 'string') throw new Error(`internal: ${engine} cannot add a check in place`);
  return { add, validate: ddl.validateConstraint(table, check.name), drop };
}

/** CREATE TABLE with its columns, primary key and foreign keys; then its indexes and reference rows. */
export function createTableSql(db: Db, t: ExpectedTable, engine: Engine, enumTypes: Iterable<string> = []): string[] {
  const ddl = withEnumTypes(ddlFor(engine), new Set(enumTypes));
  const out = [ddl.createTable(ddlTable(t, engine))];
  for (const i of t.indexes ?? []) if (appliesTo(i, engine)) out.push(createIndexSql(db, t.name, i, engine));
  out.push(...insertRowsSql(db, t, t.referenceRows ?? []));
  return out;
}

export function createIndexSql(db: Db, table: string, i: ExpectedIndex, engine: Engine, opts: { concurrently?: boolean } = {}): string {
  return text(db, createIndexQuery(table, ddlIndex(i, engine), opts.concurrently));
}

/** ADD COLUMN, as the engine takes it (DuckDB: NOT NULL as a second statement). */
export function addColumnSql(_db: Db, table: string, col: ExpectedColumn, engine: Engine, enumTypes: Iterable<string> = []): string[] {
  return withEnumTypes(ddlFor(engine), new Set(enumTypes)).addColumn(table, ddlColumn(col, engine));
}

/** ADD COLUMN as a nullable column (the first step of the safe alternative to NOT NULL without default). */
export function addNullableColumnSql(_db: Db, table: string, col: ExpectedColumn, engine: Engine, enumTypes: Iterable<string> = []): string {
  return withEnumTypes(ddlFor(engine), new Set(enumTypes)).addNullableColumn(table, ddlColumn(col, engine));
}

export function setNotNullSql(db: Db, table: string, column: string, notNull: boolean): string {
  return text(db, sql`alter table ${sql.id(table)} alter column ${sql.id(column)} ${notNull ? sql`set` : sql`drop`} not null`);
}

/** ALTER COLUMN TYPE as written for review (also on engines that refuse it in place). */
export function alterTypeSql(db: Db, table: string, col: ExpectedColumn, engine: Engine): string {
  const type = columnType(col, engine);
  const collate = forEngine(col.collate, engine);
  return text(db, sql`alter table ${sql.id(table)} alter column ${sql.id(col.name)} type ${sql.raw(type)}${collate ? sql` collate ${sql.id(collate)}` : sql``} using ${sql.id(col.name)}::${sql.raw(type)}`);
}

/** Add the constraint NOT VALID (a short lock), then VALIDATE it (no write lock) — on engines that can (`facts.notValid`). */
export function addForeignKeyPgSql(_db: Db, table: string, fk: ExpectedForeignKey, engine: Engine): { add: string; validate: string; name: string } {
  const ddl = ddlFor(engine);
  const f = ddlForeignKey(table, fk);
  const add = ddl.addForeignKey(table, f, { notValid: true });
  if (typeof add !== 'string') throw new Error(`internal: ${add.reason}`);
  return { name: f.name, add, validate: ddl.validateConstraint(table, f.name) };
}

/** Check the existing rows against a NOT VALID constraint (PostgreSQL: SHARE UPDATE EXCLUSIVE, writes go on). */
export function validateConstraintSql(db: Db, table: string, name: string): string {
  return text(db, sql`alter table ${sql.id(table)} validate constraint ${sql.id(name)}`);
}

export function dropIndexSql(db: Db, name: string, opts: { concurrently?: boolean } = {}): string {
  return text(db, opts.concurrently ? sql`drop index concurrently ${sql.id(name)}` : sql`drop index ${sql.id(name)}`);
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
 * The reviewable rebuild for engines that cannot alter a table in place: create the expected table
 * under a new name, copy the common columns, swap — as the engine's `rebuildTable` writes it (SQLite:
 * foreign keys off, legacy rename, foreign_key_check before the commit).
 */
export function rebuildTableSql(_db: Db, t: ExpectedTable, liveColumns: string[], engine: Engine): string[] {
  const common = t.columns.filter((c) => !c.generated).map((c) => c.name).filter((c) => liveColumns.includes(c)); // generated columns are computed, never inserted
  const tb = { ...ddlTable(t, engine, `${t.name}__new`), name: t.name };
  const out = ddlFor(engine).rebuildTable(tb, common.map((c) => ({ to: c, from: c })));
  if (!Array.isArray(out)) throw new Error(`internal: ${out.reason}`);
  return out;
}
