import { sql, type Kysely } from 'kysely';
import { typeFamily } from '../type-family.js';
import { collapseSql } from '../sql-text.js';
import { duckdbCollations } from './collations.js';
import { duckdbStableSql } from './expression-text.js';
import { duckdbMacros } from './macros.js';
import { generatedColumns } from '../generated-columns.js';
import type { ForeignKeyInfo, IndexInfo, SchemaSnapshot, TableInfo, TypeFamily } from '../types.js';

/**
 * DuckDB's catalog functions: one query per kind, each on the connection's own database and schema
 * (an in-memory database is one catalog of a shared instance: memory-catalog.ts).
 */
export async function introspectDuckdb(db: Kysely<any>): Promise<SchemaSnapshot> {
  // Tables' columns (not views'): a join on the table's oid. A correlated `exists` on the names took
  // 50–140 ms on a database of one table (issue 17), the join 15.
  const cols = await sql<{ table_name: string; column_name: string; data_type: string; is_nullable: boolean; column_default: string | null; column_index: number }>`
    select c.table_name, c.column_name, c.data_type, c.is_nullable, c.column_default, c.column_index
      from duckdb_columns() c join duckdb_tables() t on t.table_oid = c.table_oid
     where c.database_name = current_database() and c.schema_name = current_schema() and not c.internal
     order by c.table_name, c.column_index`.execute(db);
  const cons = await sql<{ table_name: string; constraint_type: string; constraint_name: string; constraint_column_names: string[]; referenced_table: string | null; referenced_column_names: string[] | null; expression: string | null }>`
    select table_name, constraint_type, constraint_name, constraint_column_names, referenced_table, referenced_column_names, expression
      from duckdb_constraints() where database_name = current_database() and schema_name = current_schema()
     order by table_name, constraint_index`.execute(db);
  const idx = await sql<{ table_name: string; index_name: string; is_unique: boolean; is_primary: boolean; expressions: string | null; sql: string | null }>`
    select table_name, index_name, is_unique, is_primary, expressions, sql
      from duckdb_indexes() where database_name = current_database() and schema_name = current_schema()
     order by table_name, index_name`.execute(db);

  const views = await sql<{ view_name: string; sql: string }>`
    select view_name, sql from duckdb_views() where database_name = current_database() and schema_name = current_schema() and not internal and not temporary
     order by view_name`.execute(db);

  // schema as code (issue 17): enumerated types and their values
  const enumNames = await sql<{ type_name: string }>`
    select type_name from duckdb_types() where database_name = current_database() and schema_name = current_schema() and logical_type = 'ENUM' and not internal order by type_name`.execute(db);
  const enums: Array<{ name: string; values: string[] }> = [];
  for (const { type_name } of enumNames.rows) {
    const r = await sql<{ v: string[] }>`select enum_range(null::${sql.id(type_name)}) as v`.execute(db);
    enums.push({ name: type_name, values: r.rows[0]?.v ?? [] });
  }

  // generated columns (issue 17): the catalog reports their expressions as defaults; the table's SQL tells them apart
  const tableSql = await sql<{ table_name: string; sql: string | null }>`
    select table_name, sql from duckdb_tables() where database_name = current_database() and schema_name = current_schema() and not temporary`.execute(db);
  const generated = new Map(tableSql.rows.map((r) => [r.table_name, generatedColumns(duckdbStableSql(r.sql ?? ''))]));
  const collations = new Map(tableSql.rows.map((r) => [r.table_name, duckdbCollations(r.sql ?? '')]));

  const tables = new Map<string, TableInfo>();
  for (const r of cols.rows) {
    let t = tables.get(r.table_name);
    if (!t) tables.set(r.table_name, (t = { name: r.table_name, columns: [], primaryKey: [] }));
    const g = generated.get(r.table_name)?.get(r.column_name.toLowerCase());
    const collation = collations.get(r.table_name)?.get(r.column_name.toLowerCase());
    t.columns.push({
      name: r.column_name,
      type: r.data_type.toLowerCase(),
      family: familyOf(r.data_type),
      nullable: r.is_nullable,
      default: g ? null : duckdbStableSql(r.column_default),
      position: r.column_index,
      ...(g ? { generated: g } : {}),
      ...(collation ? { collation } : {}),
    });
  }
  const indexes: IndexInfo[] = [];
  const foreignKeys: ForeignKeyInfo[] = [];
  const checks: Array<{ table: string; name: string; expression: string }> = [];
  for (const c of cons.rows) {
    if (c.constraint_type === 'CHECK' && c.expression) checks.push({ table: c.table_name, name: c.constraint_name, expression: duckdbStableSql(c.expression) }); // schema as code (issue 17)
    if (c.constraint_type === 'PRIMARY KEY') {
      const t = tables.get(c.table_name);
      if (t) t.primaryKey = c.constraint_column_names;
      indexes.push({ name: `${c.table_name}_pkey`, table: c.table_name, columns: c.constraint_column_names, unique: true, primary: true });
    } else if (c.constraint_type === 'UNIQUE') {
      indexes.push({ name: c.constraint_name || `${c.table_name}_${c.constraint_column_names.join('_')}_key`, table: c.table_name, columns: c.constraint_column_names, unique: true, primary: false, constraint: true });
    } else if (c.constraint_type === 'FOREIGN KEY' && c.referenced_table) {
      foreignKeys.push({
        name: c.constraint_name || `${c.table_name}_${c.constraint_column_names.join('_')}_fkey`,
        table: c.table_name,
        columns: c.constraint_column_names,
        refTable: c.referenced_table,
        refColumns: c.referenced_column_names ?? [],
        onDelete: 'NO ACTION', // DuckDB supports no referential actions
        onUpdate: 'NO ACTION',
      });
    }
  }
  for (const r of idx.rows) {
    const text = duckdbStableSql(r.sql);
    indexes.push({ name: r.index_name, table: r.table_name, columns: parseExpressions(r.expressions).map((x) => duckdbStableSql(x)), unique: r.is_unique, primary: r.is_primary, ...whereOf(text), ...(text ? { definition: collapseSql(text) } : {}) });
  }
  const sequences = await sql<{ name: string }>`
    select sequence_name as name from duckdb_sequences() where database_name = current_database() and schema_name = current_schema() and not temporary order by 1`.execute(db);
  // Tables of the file's other schemas (ibis' `shops.ice_cream`): not read, but counted, as on PostgreSQL.
  const elsewhere = await sql<{ schema: string; tables: number }>`
    select schema_name as schema, count(*)::integer as tables from duckdb_tables()
     where database_name = current_database() and schema_name <> current_schema() and not temporary and not internal
     group by schema_name order by schema_name`.execute(db);
  const macros = await duckdbMacros(db);
  return { engine: 'duckdb', schema: 'main', sequences: sequences.rows.map((r) => r.name), macros, ...(elsewhere.rows.length ? { elsewhere: elsewhere.rows.map((r) => ({ schema: r.schema, tables: Number(r.tables) })) } : {}), tables: [...tables.values()], indexes, foreignKeys, views: views.rows.map((v) => ({ name: v.view_name, materialized: false, definition: collapseSql(duckdbStableSql(v.sql)) })), checks, enums };
}

/**
 * DuckDB's nested types (`MAP(VARCHAR, INTEGER)`, `STRUCT(a INTEGER, …)`, `UNION(…)`) are no scalar
 * family: without this, the shared affinity rules read the `INTEGER` inside as an integer column.
 * Lists and fixed arrays (`INTEGER[]`, `DOUBLE[3]`, `STRUCT(a INTEGER)[]`) are arrays.
 */
function familyOf(dataType: string): TypeFamily {
  const t = dataType.trim();
  return /^(map|struct|union)\s*\(/i.test(t) && !/\[\d*\]$/.test(t) ? 'other' : typeFamily(t);
}

function parseExpressions(e: string | null): string[] {
  if (!e) return [];
  const inner = e.replace(/^\[|\]$/g, '');
  return inner.split(',').map((s) => s.trim().replace(/^'|'$/g, '').replace(/^"|"$/g, '')).filter(Boolean);
}

function whereOf(sqlText: string | null): { where?: string } {
  const w = sqlText ? /\bwhere\b([\s\S]*?);?\s*$/i.exec(sqlText)?.[1]?.trim() : undefined;
  return w ? { where: w } : {};
}
