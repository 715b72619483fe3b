import { sql, type Kysely } from 'kysely';

/** Counting stops here on engines without statistics: enough to tell a large table. */
export const COUNT_CAP = 10_000_001;

/** count(*) of a table, stopping at COUNT_CAP rows. */
export async function cappedCount(db: Kysely<any>, table: string): Promise<number> {
  const r = await sql<{ n: number | bigint }>`select count(*) as n from (select 1 from ${sql.table(table)} limit ${sql.lit(COUNT_CAP)}) as capped`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

/** count(*) of a table. */
export async function rowCount(db: Kysely<any>, table: string): Promise<number> {
  const r = await sql<{ n: number | bigint }>`select count(*) as n from ${sql.table(table)}`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}
