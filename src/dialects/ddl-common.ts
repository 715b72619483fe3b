import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, sql, type RawBuilder } from 'kysely';
import type { Engine } from '../config/url.js';
import { typeFamily } from './type-family.js';
import type { DdlCheck, DdlColumn, DdlFacts, DdlForeignKey, DdlIndex, DdlRefusal, DdlTable, GeneratedColumn, SchemaDdl } from './types.js';

/**
 * The DDL every engine writes alike (CREATE TABLE, ADD COLUMN, indexes, constraints), compiled by a
 * Kysely instance without a connection that quotes as the engine's own dialect does. Each engine's
 * ddl.ts starts from `baseDdl` and replaces what it does differently.
 */
export type Compiler = Kysely<any>;

/** A compile-only Kysely: PostgreSQL's compiler (PostgreSQL, PGlite, DuckDB) or SQLite's. */
export function compiler(kind: 'postgres' | 'sqlite'): Compiler {
  return new Kysely<any>({
    dialect: {
      createAdapter: () => (kind === 'sqlite' ? new SqliteAdapter() : new PostgresAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => (kind === 'sqlite' ? new SqliteIntrospector(db) : new PostgresIntrospector(db)),
      createQueryCompiler: () => (kind === 'sqlite' ? new SqliteQueryCompiler() : new PostgresQueryCompiler()),
    },
  });
}

/** The SQL text of a query without parameters. */
export function text(db: Compiler, q: RawBuilder<unknown>): string {
  const c = q.compile(db);
  if (c.parameters.length) throw new Error(`internal: SQL with parameters: ${c.sql}`);
  return c.sql;
}

export const ids = (names: string[]) => sql.join(names.map((n) => sql.id(n)));

/** A plain column name, as opposed to an expression such as `lower(email)` or `starts_at desc`. */
export function isIdentifier(s: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_$]*$/.test(s);
}

/** What may follow a column in an index key: COLLATE, an operator class, ASC/DESC, NULLS FIRST/LAST. */
const KEY_SUFFIX = /^(?:\s+collate\s+(?:"(?:[^"]|"")+"|[\w$]+))?(?:\s+(?!(?:asc|desc|nulls|collate)\b)(?:[\w$]+\.)?[\w$]+)?(?:\s+(?:asc|desc))?(?:\s+nulls\s+(?:first|last))?\s*$/i;

/**
 * An index's keys as SQL: a plain column name quoted (`"at"`, a keyword on DuckDB), also before what a key
 * keeps beside it (`published DESC` → `"published" DESC`); an expression as written.
 */
export function indexKeysSql(columns: string[]): RawBuilder<unknown> {
  return sql.join(
    columns.map((c) => {
      if (isIdentifier(c)) return sql.id(c);
      const k = keyColumn(c);
      return k ? sql`${sql.id(k.column)}${sql.raw(k.suffix)}` : sql.raw(c);
    }),
  );
}

/** A key that is a plain column name followed by what a key keeps beside it (`published DESC`): the two parts. */
export function keyColumn(key: string): { column: string; suffix: string } | undefined {
  const m = /^([A-Za-z_][A-Za-z0-9_$]*)(\s.*)$/s.exec(key);
  return m && KEY_SUFFIX.test(m[2]!) ? { column: m[1]!, suffix: m[2]! } : undefined;
}

/** CREATE INDEX of an index resolved for the engine (ddlIndex: INCLUDE and NULLS NOT DISTINCT only where it has them). */
export function createIndexQuery(table: string, i: DdlIndex, concurrently = false): RawBuilder<unknown> {
  const where = i.where ? sql` where ${sql.raw(i.where)}` : sql``;
  const using = i.using ? sql` using ${sql.raw(i.using)}` : sql``;
  const include = i.include?.length ? sql` include (${ids(i.include)})` : sql``;
  const nulls = i.nullsNotDistinct ? sql` nulls not distinct` : sql``;
  return sql`create ${i.unique ? sql`unique ` : sql``}index ${concurrently ? sql`concurrently ` : sql``}${sql.id(i.name)} on ${sql.id(table)}${using} (${indexKeysSql(i.columns)})${include}${nulls}${where}`;
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

/** `GENERATED ALWAYS AS (expr) STORED | VIRTUAL` (issue 17): the expression parenthesised once, as the engines store it. */
function generatedClause(g: GeneratedColumn): RawBuilder<unknown> {
  const e = g.expression.trim();
  return sql` generated always as ${sql.raw(wrapped(e) ? e : `(${e})`)} ${sql.raw(g.stored ? 'stored' : 'virtual')}`;
}

export const isRefusal = (x: unknown): x is DdlRefusal => typeof x === 'object' && x !== null && 'refused' in x;

export function refuse(label: string, change: string, why: string): DdlRefusal {
  return { refused: change, reason: `${label} cannot ${why}` };
}

/** Comparable text of an expression: lower case, no spacing, quotes, parentheses or `::type` casts. */
export function canonicalExpression(e: string): string {
  return e
    .toLowerCase()
    // a type name may hold digits (`::mood83`, `::int4`) or be quoted (`::"Mood"`)
    .replace(/::(?:"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)(?: (?:varying|precision|with(?:out)? time zone))*(?:\(\d+(?:,\d+)?\))?(?:\[\])?/g, '')
    .replace(/\bcast\((.*?) as (?:"(?:[^"]|"")+"|[a-z_][a-z0-9_$ ]*)(?:\(\d+(?:, ?\d+)?\))?\)/g, '$1')
    .replace(/[\s"()]/g, '');
}

/** An operand of a rewritten comparison: a name (quoted or not, qualified or not), a literal or a number. */
const OPERAND = String.raw`(?:"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)(?:\.(?:"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*))*|'(?:[^']|'')*'(?:::[a-z_ ]+)?|[+-]?\d+(?:\.\d+)?(?:::[a-z_ ]+)?`;
const LIST = String.raw`\(((?:\s*(?:'(?:[^']|'')*'|[+-]?\d+(?:\.\d+)?)(?:::[a-z_ ]+)?\s*,?)+)\)`;

/**
 * The forms the engines rewrite a CHECK into, spelled one way (PostgreSQL's): `x in (a, b)` →
 * `x = any (array[a, b])` (one value: `x = a`), `not in` → `<> all` (`<>`), `x between a and b` →
 * `x >= a and x <= b`, `like` → `~~`, `!=` → `<>`. Lower case; string literals kept as written.
 */
export function checkSpelling(e: string): string {
  const parts = e.split(/('(?:[^']|'')*')/);
  let s = parts.map((p, i) => (i % 2 ? p : p.toLowerCase())).join('');
  s = s.replace(/!=/g, '<>');
  s = s.replace(new RegExp(`(${OPERAND})\\s+(not\\s+)?in\\s*${LIST}`, 'g'), (_m, x: string, not: string | undefined, list: string) => {
    const items = list.split(',').map((v) => v.trim()).filter(Boolean);
    if (items.length === 1) return `${x} ${not ? '<>' : '='} ${items[0]}`;
    return `${x} ${not ? '<> all' : '= any'} (array[${items.join(', ')}])`;
  });
  s = s.replace(new RegExp(`(${OPERAND})\\s+between\\s+(${OPERAND})\\s+and\\s+(${OPERAND})`, 'g'), '$1 >= $2 and $1 <= $3');
  s = s.replace(/\bnot\s+ilike\b/g, '!~~*').replace(/\bilike\b/g, '~~*').replace(/\bnot\s+like\b/g, '!~~').replace(/\blike\b/g, '~~');
  return s;
}

const VOLATILE = /\b(random|gen_random_uuid|uuid_generate_v[14]|uuid|clock_timestamp|timeofday|nextval|randomblob|uuidv[47])\s*\(/i;

const PLACEHOLDER: Partial<Record<string, string>> = {
  integer: '0', decimal: '0', float: '0', boolean: 'false', text: "''", json: "'{}'", uuid: "'00000000-0000-0000-0000-000000000000'",
  timestamp: "'1970-01-01 00:00:00'", timestamptz: "'1970-01-01 00:00:00+00'", date: "'1970-01-01'", time: "'00:00:00'", interval: "'0 seconds'",
};

/** Builds a SchemaDdl from the engine's facts and compiler; `over` replaces members that differ. */
export function baseDdl(engine: Engine, facts: DdlFacts, db: Compiler, over: (base: SchemaDdl) => Partial<SchemaDdl> = () => ({})): SchemaDdl {
  const t = (q: RawBuilder<unknown>) => text(db, q);
  const columnDef = (col: DdlColumn, opts: { notNull: boolean }): RawBuilder<unknown> => {
    const identity = col.identity && facts.identity && !col.generated ? sql` generated ${sql.raw(col.identity)} as identity` : sql``;
    const value = col.generated ? generatedClause(col.generated) : col.default !== undefined ? sql` default ${sql.raw(defaultSql(col.default))}` : sql``;
    return sql`${sql.id(col.name)} ${sql.raw(col.type)}${identity}${col.collate ? sql` collate ${sql.id(col.collate)}` : sql``}${value}${opts.notNull && !col.nullable ? sql` not null` : sql``}`;
  };
  const actions = (fk: DdlForeignKey): RawBuilder<unknown> => {
    if (!facts.referentialActions) return sql``;
    const del = fk.onDelete && fk.onDelete !== 'NO ACTION' ? sql` on delete ${sql.raw(fk.onDelete)}` : sql``;
    const upd = fk.onUpdate && fk.onUpdate !== 'NO ACTION' ? sql` on update ${sql.raw(fk.onUpdate)}` : sql``;
    return sql`${del}${upd}`;
  };
  const fkClause = (fk: DdlForeignKey) =>
    sql`constraint ${sql.id(fk.name)} foreign key (${ids(fk.columns)}) references ${sql.id(fk.refTable)} (${ids(fk.refColumns)})${actions(fk)}`;
  const checkClause = (c: DdlCheck) => sql`constraint ${sql.id(c.name)} check (${sql.raw(c.expression)})`;
  const alter = (table: string, rest: RawBuilder<unknown>) => t(sql`alter table ${sql.id(table)} ${rest}`);
  const base: SchemaDdl = {
    engine,
    facts,
    canonicalType: (type) => type.trim().toLowerCase().replace(/\s+/g, ' '),
    canonicalDefault: (e) => canonicalExpression(e),
    canonicalCheck(e) {
      // string literals keep their case and spacing ('A' is not 'a')
      const literals: string[] = [];
      const masked = checkSpelling(e).replace(/'(?:[^']|'')*'/g, (l) => `§${literals.push(l) - 1}§`);
      return base.canonicalDefault(masked).replace(/§(\d+)§/g, (_m, n: string) => literals[Number(n)]!);
    },
    isVolatile: (e) => VOLATILE.test(e),
    placeholder: (type) => PLACEHOLDER[typeFamily(type)] ?? "''",
    createTable(tb: DdlTable) {
      const parts: Array<RawBuilder<unknown>> = tb.columns.map((c) => columnDef(c, { notNull: true }));
      if (tb.primaryKey.length) parts.push(sql`constraint ${sql.id(tb.primaryKeyName ?? `${tb.name}_pkey`)} primary key (${ids(tb.primaryKey)})`);
      for (const u of tb.uniques ?? []) parts.push(sql`constraint ${sql.id(u.name)} unique (${ids(u.columns)})`);
      for (const fk of tb.foreignKeys ?? []) parts.push(fkClause(fk));
      for (const c of tb.checks ?? []) parts.push(checkClause(c));
      return t(sql`create table ${sql.id(tb.name)} (${sql.join(parts, sql`, `)})`);
    },
    dropTable: (name) => t(sql`drop table ${sql.id(name)}`),
    renameTable: (from, to) => alter(from, sql`rename to ${sql.id(to)}`),
    addColumn: (table, col) => [alter(table, sql`add column ${columnDef(col, { notNull: true })}`)],
    addNullableColumn: (table, col) => alter(table, sql`add column ${columnDef({ ...col, nullable: true }, { notNull: false })}`),
    dropColumn: (table, column) => alter(table, sql`drop column ${sql.id(column)}`),
    renameColumn: (table, from, to) => alter(table, sql`rename column ${sql.id(from)} to ${sql.id(to)}`),
    alterColumnType: (table, col) =>
      alter(table, sql`alter column ${sql.id(col.name)} type ${sql.raw(col.type)}${col.collate ? sql` collate ${sql.id(col.collate)}` : sql``} using ${sql.id(col.name)}::${sql.raw(col.type)}`),
    setNotNull: (table, column) => alter(table, sql`alter column ${sql.id(column)} set not null`),
    dropNotNull: (table, column) => alter(table, sql`alter column ${sql.id(column)} drop not null`),
    setDefault: (table, column, expression) => alter(table, sql`alter column ${sql.id(column)} set default ${sql.raw(defaultSql(expression))}`),
    dropDefault: (table, column) => alter(table, sql`alter column ${sql.id(column)} drop default`),
    createIndex: (table, i: DdlIndex, opts = {}) => t(createIndexQuery(table, i, opts.concurrently)),
    dropIndex: (name, opts = {}) => t(sql`drop index ${opts.concurrently ? sql`concurrently ` : sql``}${sql.id(name)}`),
    addForeignKey: (table, fk, opts = {}) => alter(table, sql`add ${fkClause(fk)}${opts.notValid ? sql` not valid` : sql``}`),
    addCheck: (table, c, opts = {}) => alter(table, sql`add ${checkClause(c)}${opts.notValid ? sql` not valid` : sql``}`),
    validateConstraint: (table, name) => alter(table, sql`validate constraint ${sql.id(name)}`),
    dropConstraint: (table, name) => alter(table, sql`drop constraint ${sql.id(name)}`),
    addPrimaryKey: (table, name, columns) => alter(table, sql`add constraint ${sql.id(name)} primary key (${ids(columns)})`),
    rebuildTable(tb, copy, opts = {}) {
      const tmp = `${tb.name}__new`;
      const out = [base.createTable({ ...tb, name: tmp })];
      const from = sql.join(copy.map((c) => ('from' in c ? sql.id(c.from) : sql.raw(c.value))));
      out.push(t(sql`insert into ${sql.id(tmp)} (${ids(copy.map((c) => c.to))}) select ${from} from ${sql.id(tb.name)}`));
      out.push(base.dropTable(tb.name));
      out.push(base.renameTable(tmp, tb.name));
      for (const i of tb.indexes ?? []) out.push(base.createIndex(tb.name, i));
      out.push(...(opts.triggers ?? []));
      return out;
    },
    // enumerated types (issue 17): none unless the engine's ddl.ts says otherwise
    createEnum: (name) => refuse(facts.label, `create enum type ${name}`, 'create an enumerated type (it has none: declare the column text, with a check)'),
    dropEnum: (name) => refuse(facts.label, `drop enum type ${name}`, 'drop an enumerated type (it has none)'),
    renameEnum: (from) => refuse(facts.label, `rename enum type ${from}`, 'rename an enumerated type'),
    addEnumValue: (name, value) => refuse(facts.label, `add value '${value}' to enum type ${name}`, 'add a value to an enumerated type (no ALTER TYPE … ADD VALUE)'),
    alterColumnToEnum: (table, column, type) => refuse(facts.label, `change ${table}.${column} to enum type ${type}`, 'change a column to an enumerated type'),
    atomic: (statements) => statements,
  };
  // `over` gets the base members as they are before it replaces any (an override may call the one it replaces).
  return Object.assign(base, over({ ...base }));
}
