import { sql } from 'kysely';
import type { Connection } from '../dialects/types.js';
import type { TableSizes } from './types.js';

/** Counting stops here on engines without statistics: enough to tell a large table. */
const COUNT_CAP = 10_000_001;

/**
 * Row estimates per table of the connected database: PostgreSQL's planner statistics
 * (pg_class.reltuples; a capped count(*) for tables never analysed), a capped count(*) on SQLite,
 * count(*) on DuckDB (answered from metadata). Names are lower case.
 */
export async function tableSizes(conn: Connection): Promise<TableSizes> {
  const sizes: TableSizes = new Map();
  const db = conn.db;
  if (conn.engine === 'postgres') {
    const r = await sql<{ name: string; rows: number }>`
      select c.relname as name, c.reltuples::float8 as rows
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and n.nspname = current_schema()`.execute(db);
    for (const row of r.rows) {
      let rows = Number(row.rows);
      if (rows < 0) rows = await cappedCount(conn, row.name);
      sizes.set(row.name.toLowerCase(), Math.round(rows));
    }
    return sizes;
  }
  const tables = await (conn.engine === 'sqlite'
    ? sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db)
    : sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db));
  for (const t of tables.rows) {
    sizes.set(t.name.toLowerCase(), conn.engine === 'sqlite' ? await cappedCount(conn, t.name) : await count(conn, t.name));
  }
  return sizes;
}

async function cappedCount(conn: Connection, table: string): Promise<number> {
  const r = await sql<{ n: number | bigint }>`select count(*) as n from (select 1 from ${sql.table(table)} limit ${sql.lit(COUNT_CAP)}) as capped`.execute(conn.db);
  return Number(r.rows[0]?.n ?? 0);
}

async function count(conn: Connection, table: string): Promise<number> {
  const r = await sql<{ n: number | bigint }>`select count(*) as n from ${sql.table(table)}`.execute(conn.db);
  return Number(r.rows[0]?.n ?? 0);
}
