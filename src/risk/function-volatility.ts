import { sql } from 'kysely';
import type { Connection } from '../dialects/types.js';
import type { Volatility } from './types.js';

/**
 * PostgreSQL: every function name visible in the database → the most volatile of its overloads
 * (pg_proc.provolatile; 'i' < 's' < 'v', so max() is the most volatile). Other engines: undefined.
 */
export async function functionVolatility(conn: Connection): Promise<Map<string, Volatility> | undefined> {
  if (conn.engine !== 'postgres') return undefined;
  const r = await sql<{ name: string; v: Volatility }>`select lower(proname) as name, max(provolatile::text) as v from pg_proc group by lower(proname)`.execute(conn.db);
  return new Map(r.rows.map((x) => [x.name, x.v]));
}
