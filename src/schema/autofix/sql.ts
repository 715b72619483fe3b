import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Engine } from '../../config/url.js';
import { quoteIdent } from '../../dialects/quote.js';
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

/** A literal a DEFAULT clause takes bare on every engine: a number, a string, NULL, TRUE/FALSE, CURRENT_TIMESTAMP/DATE/TIME. */
const LITERAL_DEFAULT = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?|'(?:[^']|'')*'|null|true|false|current_timestamp|current_date|current_time)$/i;

/** Whether the whole text is one parenthesised group: `(a + b)`, not `(a) + (b)`. */
function wrapped(s: string): boolean {
  if (!s.startsWith('(') || !s.endsWith(')')) return false;
  let depth = 0;
  let quote = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0 && i < s.length - 1) return false;
  }
  return depth === 0;
}

/**
 * A column default as each engine's DEFAULT clause takes it: a literal bare, any other expression
 * in parentheses (SQLite accepts only a literal or `(expr)`: `default strftime(…)` is a syntax error;
 * PostgreSQL and DuckDB take the parenthesised form too and store the same expression).
 */
export function defaultSql(expr: string): string {
  const e = expr.trim();
  return LITERAL_DEFAULT.test(e) || wrapped(e) ? e : `(${e})`;
}

function columnDef(col: ExpectedColumn, engine: Engine, opts: { notNull: boolean }): RawBuilder<unknown> {
  const dflt = forEngine(col.default, engine);
  const collate = forEngine(col.collate, engine);
  const identity = col.identity && engine === 'postgres' ? sql` generated ${sql.raw(col.identity)} as identity` : sql``;
  return sql`${sql.id(col.name)} ${sql.raw(columnType(col, engine))}${identity}${collate ? sql` collate ${sql.id(collate)}` : sql``}${dflt !== undefined ? sql` default ${sql.raw(defaultSql(dflt))}` : sql``}${opts.notNull && !col.nullable ? sql` not null` : sql``}`;
}

export function fkName(table: string, fk: ExpectedForeignKey): string {
  return `${table}_${fk.columns.join('_')}_fkey`;
}

/** DuckDB has no referential actions; the others take the declared ones. */
function actions(fk: ExpectedForeignKey, engine: Engine): RawBuilder<unknown> {
  if (engine === 'duckdb') return sql``;
  const del = fk.onDelete && fk.onDelete !== 'NO ACTION' ? sql` on delete ${sql.raw(fk.onDelete)}` : sql``;
  const upd = fk.onUpdate && fk.onUpdate !== 'NO ACTION' ? sql` on update ${sql.raw(fk.onUpdate)}` : sql``;
  return sql`${del}${upd}`;
}

function fkClause(table: string, fk: ExpectedForeignKey, engine: Engine): RawBuilder<unknown> {
  return sql`constraint ${sql.id(fkName(table, fk))} foreign key (${ids(fk.columns)}) references ${sql.id(fk.references.table)} (${ids(fk.references.columns)})${actions(fk, engine)}`;
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
  const using = i.using ? sql` using ${sql.raw(i.using)}` : sql``;
  return text(db, sql`create ${i.unique ? sql`unique ` : sql``}index ${opts.concurrently ? sql`concurrently ` : sql``}${sql.id(i.name)} on ${sql.id(table)}${using} (${cols})${where}`);
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
  const collate = forEngine(col.collate, engine);
  return text(db, sql`alter table ${sql.id(table)} alter column ${sql.id(col.name)} type ${sql.raw(type)}${collate ? sql` collate ${sql.id(collate)}` : sql``} using ${sql.id(col.name)}::${sql.raw(type)}`);
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
 * SQLite, as its documentation prescribes: foreign keys off outside the transaction (else DROP TABLE
 * deletes, and cascades to, the child rows), the legacy rename (else a trigger or view elsewhere that
 * names the table makes the rename fail), and `foreign_key_check` before the commit.
 */
export function rebuildTableSql(db: Db, t: ExpectedTable, liveColumns: string[], engine: Engine): string[] {
  const tmp = { ...t, name: `${t.name}__new`, indexes: [], referenceRows: [] };
  const common = t.columns.map((c) => c.name).filter((c) => liveColumns.includes(c));
  const out = createTableSql(db, tmp, engine);
  out.push(text(db, sql`insert into ${sql.id(tmp.name)} (${ids(common)}) select ${ids(common)} from ${sql.id(t.name)}`));
  out.push(text(db, sql`drop table ${sql.id(t.name)}`));
  out.push(text(db, sql`alter table ${sql.id(tmp.name)} rename to ${sql.id(t.name)}`));
  for (const i of t.indexes ?? []) if (appliesTo(i, engine)) out.push(createIndexSql(db, t.name, i));
  if (engine !== 'sqlite') return out;
  return [
    'pragma foreign_keys = off',
    'pragma legacy_alter_table = on',
    'begin',
    ...out,
    `-- recreate the triggers on ${quoteIdent(t.name)}, if any, from the migrations that made them (DROP TABLE removed them)`,
    '-- foreign_key_check must return no rows; else ROLLBACK',
    'pragma foreign_key_check',
    'commit',
    'pragma legacy_alter_table = off',
    'pragma foreign_keys = on',
  ];
}
