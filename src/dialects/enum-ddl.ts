import { sql } from 'kysely';
import { text, type Compiler } from './ddl-common.js';
import { sqlName } from '../risk/ident.js';
import { quoteIdent } from './quote.js';
import type { DdlColumn, DdlTable, SchemaDdl } from './types.js';

/**
 * Enumerated types as PostgreSQL writes them (DuckDB takes the same CREATE and DROP TYPE), issue 17.
 * Values are string literals; names identifiers.
 */
export function enumDdl(db: Compiler): Pick<SchemaDdl, 'createEnum' | 'dropEnum' | 'renameEnum' | 'addEnumValue' | 'alterColumnToEnum'> {
  const t = (q: Parameters<typeof text>[1]) => text(db, q);
  const lit = (v: string) => sql.raw(`'${v.replace(/'/g, "''")}'`);
  return {
    createEnum: (name, values) => t(sql`create type ${sql.id(name)} as enum (${sql.join(values.map(lit))})`),
    dropEnum: (name) => t(sql`drop type ${sql.id(name)}`),
    renameEnum: (from, to) => t(sql`alter type ${sql.id(from)} rename to ${sql.id(to)}`),
    addEnumValue: (name, value, at) =>
      t(sql`alter type ${sql.id(name)} add value ${lit(value)}${at ? ('before' in at ? sql` before ${lit(at.before)}` : sql` after ${lit(at.after)}`) : sql``}`),
    alterColumnToEnum: (table, column, type, opts = {}) => {
      const to = opts.array ? sql`${sql.id(type)}[]` : sql.id(type);
      return t(sql`alter table ${sql.id(table)} alter column ${sql.id(column)} type ${to} using ${sql.id(column)}::${sql.raw(opts.array ? 'text[]' : 'text')}::${to}`);
    },
  };
}

/** PostgreSQL's column-name keywords that name built-in types: an enum type so named is quoted too (`time` is not `"time"`). */
const TYPE_KEYWORDS = new Set('bigint bit boolean char character dec decimal float int integer interval national nchar none numeric precision real setof smallint time timestamp varchar'.split(' '));

/**
 * An enum type's name as a column type (issue 17): bare when lower case and not a keyword (`mood`), else
 * double-quoted (`"Mood_2"`, `"my mood"`), as PostgreSQL's format_type writes it; `[]` kept after it.
 */
export function enumTypeSql(name: string): string {
  return TYPE_KEYWORDS.has(name) ? quoteIdent(name) : sqlName(name);
}

/**
 * The engine's DDL with every column of one of `names` (enum types, or arrays of them: `mood[]`)
 * written with the type's name quoted where it needs it (enumTypeSql). The planner's columns carry
 * an enum column's type as the enum's name; SQL must quote it or PostgreSQL folds it to lower case.
 */
export function withEnumTypes(ddl: SchemaDdl, names: ReadonlySet<string>): SchemaDdl {
  if (!names.size) return ddl;
  const type = (t: string) => (names.has(t) ? enumTypeSql(t) : t.endsWith('[]') && names.has(t.slice(0, -2)) ? `${enumTypeSql(t.slice(0, -2))}[]` : t);
  const col = <C extends DdlColumn>(c: C): C => ({ ...c, type: type(c.type) });
  const tbl = (t: DdlTable): DdlTable => ({ ...t, columns: t.columns.map(col) });
  return {
    ...ddl,
    createTable: (t) => ddl.createTable(tbl(t)),
    addColumn: (table, c) => ddl.addColumn(table, col(c)),
    addNullableColumn: (table, c) => ddl.addNullableColumn(table, col(c)),
    alterColumnType: (table, c) => ddl.alterColumnType(table, col(c)),
    rebuildTable: (t, copy, opts) => ddl.rebuildTable(tbl(t), copy, opts),
  };
}
