import { sql, type Kysely } from 'kysely';

/**
 * Every function name visible in the database → the most volatile of its overloads
 * (pg_proc.provolatile; 'i' < 's' < 'v', so max() is the most volatile). Also PGlite.
 */
export async function postgresFunctionVolatility(db: Kysely<any>): Promise<Map<string, 'i' | 's' | 'v'>> {
  const r = await sql<{ name: string; v: 'i' | 's' | 'v' }>`select lower(proname) as name, max(provolatile::text) as v from pg_proc group by lower(proname)`.execute(db);
  return new Map(r.rows.map((x) => [x.name, x.v]));
}
