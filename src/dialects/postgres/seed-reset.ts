import { sql, type Kysely } from 'kysely';

/** Seed --reset: one TRUNCATE of all the tables (triggers do not fire), identities restarted. */
export async function pgResetTables(db: Kysely<any>, tables: readonly string[]): Promise<void> {
  if (!tables.length) return;
  await sql`truncate table ${sql.join(tables.map((t) => sql.table(t)))} restart identity`.execute(db);
}

/** After explicit ids were loaded: the table's identity/serial sequence set past max(id) (setval). */
export async function pgSyncIdSequence(db: Kysely<any>, table: string): Promise<void> {
  await sql`select setval(pg_get_serial_sequence(${table}, 'id'), greatest(1, (select coalesce(max(id), 0) from ${sql.table(table)})), (select count(*) > 0 from ${sql.table(table)}))
      where pg_get_serial_sequence(${table}, 'id') is not null`.execute(db);
}
