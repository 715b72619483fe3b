import { sql, type Kysely } from 'kysely';
import { rowCount } from '../row-count.js';

/** Row counts per table of the current schema (DuckDB answers count(*) from metadata), names lower case. */
export async function duckdbTableSizes(db: Kysely<any>): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  const tables = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_catalog = current_database() and table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db);
  for (const t of tables.rows) sizes.set(t.name.toLowerCase(), await rowCount(db, t.name));
  return sizes;
}
