import { sql, type Kysely } from 'kysely';
import { cappedCount } from '../row-count.js';

/** Row counts per table (capped: SQLite keeps no statistics), names lower case. */
export async function sqliteTableSizes(db: Kysely<any>): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db);
  for (const t of tables.rows) sizes.set(t.name.toLowerCase(), await cappedCount(db, t.name));
  return sizes;
}
