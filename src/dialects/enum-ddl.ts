import { sql } from 'kysely';
import { text, type Compiler } from './ddl-common.js';
import type { SchemaDdl } from './types.js';

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
    alterColumnToEnum: (table, column, type) => t(sql`alter table ${sql.id(table)} alter column ${sql.id(column)} type ${sql.id(type)} using ${sql.id(column)}::text::${sql.id(type)}`),
  };
}
