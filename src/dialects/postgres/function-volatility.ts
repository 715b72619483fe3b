import { sql, type Kysely } from 'kysely';

/**
 * Function names visible in the database (lower case) → the most volatile of each name's overloads
 * (pg_proc.provolatile; 'i' < 's' < 'v', so max() is the most volatile). `names`: only these (lower
 * case) — a new session reads pg_proc's ~2,800 names in about 10 ms, a handful in about 1 (issue 18).
 * Also PGlite.
 */
export async function postgresFunctionVolatility(db: Kysely<any>, names?: readonly string[]): Promise<Map<string, 'i' | 's' | 'v'>> {
  if (names && names.length === 0) return new Map();
  const only = names ? sql`where lower(proname) = any(${[...names]}::text[])` : sql``;
  const r = await sql<{ name: string; v: 'i' | 's' | 'v' }>`select lower(proname) as name, max(provolatile::text) as v from pg_proc ${only} group by lower(proname)`.execute(db);
  return new Map(r.rows.map((x) => [x.name, x.v]));
}
