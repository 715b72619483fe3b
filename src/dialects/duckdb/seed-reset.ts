import { sql, type Kysely } from 'kysely';

/** Seed --reset: DuckDB checks foreign keys against committed data only, so one table per transaction, children first. */
export async function duckdbResetTables(db: Kysely<any>, tables: readonly string[]): Promise<void> {
  for (const t of tables) await sql`delete from ${sql.table(t)}`.execute(db);
}

/** After explicit ids were loaded: the sequence in the id column's default drawn past max(id). */
export async function duckdbSyncIdSequence(db: Kysely<any>, table: string, idDefault: string | null): Promise<void> {
  const seq = /nextval\('([^']+)'/i.exec(idDefault ?? '')?.[1];
  if (!seq) return;
  const top = Number((await sql<{ m: number | string | bigint | null }>`select max(${sql.ref('id')}) as m from ${sql.table(table)}`.execute(db)).rows[0]?.m ?? 0);
  const r = await sql<{ v: number | bigint }>`select nextval(${seq}) as v`.execute(db);
  const behind = top - Number(r.rows[0]?.v ?? 0);
  if (behind > 0) await sql`select max(nextval(${seq})) from range(${behind})`.execute(db);
}
