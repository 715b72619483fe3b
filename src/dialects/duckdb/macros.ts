import { sql, type Kysely } from 'kysely';
import { collapseSql } from '../sql-text.js';
import { duckdbStableSql } from './expression-text.js';

/**
 * The macros of the connection's database and schema (`CREATE MACRO`, scalar and table; not DuckDB's own,
 * not temporary ones), each as one definition text: `(a, b) as (a + b)` for a scalar macro, `(n) as table
 * SELECT …` for a table macro, overloads joined in a fixed order. DuckDB reports no default values of
 * parameters (`b := 5`): a changed default is not seen.
 */
export async function duckdbMacros(db: Kysely<any>): Promise<Array<{ name: string; definition: string }>> {
  const r = await sql<{ name: string; kind: string; parameters: string[] | null; body: string | null }>`
    select function_name as name, function_type as kind, parameters, macro_definition as body from duckdb_functions()
     where database_name = current_database() and schema_name = current_schema() and not internal
       and function_type in ('macro', 'table_macro')`.execute(db);
  const byName = new Map<string, string[]>();
  for (const m of r.rows) {
    const text = `(${(m.parameters ?? []).join(', ')}) as ${m.kind === 'table_macro' ? 'table ' : ''}${collapseSql(duckdbStableSql(m.body ?? ''))}`;
    byName.set(m.name, [...(byName.get(m.name) ?? []), text]);
  }
  return [...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, overloads]) => ({ name, definition: overloads.sort().join('; ') }));
}
