import type { Connection } from '../dialects/types.js';
import type { TableSizes } from './types.js';

/**
 * Row estimates per table of the connected database, names lower case, as the dialect counts them
 * (`Connection.tableSizes`: planner statistics on PostgreSQL, capped counts on SQLite, DuckDB's count).
 */
export async function tableSizes(conn: Connection): Promise<TableSizes> {
  return conn.tableSizes();
}
