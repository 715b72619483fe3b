import type { Connection } from '../dialects/types.js';
import type { Volatility } from './types.js';

/**
 * Every function name visible in the database → the most volatile of its overloads, as the dialect
 * tells it (`Connection.functionVolatility`: PostgreSQL's pg_proc). Engines without it: undefined.
 */
export async function functionVolatility(conn: Connection): Promise<Map<string, Volatility> | undefined> {
  return conn.functionVolatility?.();
}
