import { sql, type Kysely } from 'kysely';
import { cappedCount } from '../row-count.js';

/**
 * Row estimates per table of the current schema from the planner's statistics (pg_class.reltuples);
 * a capped count(*) for tables never analysed (reltuples < 0). Names lower case. Also PGlite.
 */
export async function postgresTableSizes(db: Kysely<any>): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  const r = await sql<{ name: string; rows: number }>`
    select c.relname as name, c.reltuples::float8 as rows
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p') and n.nspname = current_schema()`.execute(db);
  for (const row of r.rows) {
    let rows = Number(row.rows);
    if (rows < 0) rows = await cappedCount(db, row.name);
    sizes.set(row.name.toLowerCase(), Math.round(rows));
  }
  return sizes;
}
