import { sql, type Kysely } from 'kysely';

/**
 * Seed --reset: one transaction; the tables' triggers (a cache would go wrong row by row) are
 * dropped and re-created inside it, so a failure leaves everything as it was.
 */
export async function sqliteResetTables(db: Kysely<any>, tables: readonly string[]): Promise<void> {
  if (!tables.length) return;
  await db.transaction().execute(async (tx) => {
    const triggers = await sql<{ name: string; sql: string }>`select name, sql from sqlite_schema where type = 'trigger' and tbl_name in (${sql.join([...tables])})`.execute(tx);
    for (const t of triggers.rows) await sql`drop trigger ${sql.id(t.name)}`.execute(tx);
    for (const t of tables) await sql`delete from ${sql.table(t)}`.execute(tx);
    for (const t of triggers.rows) await sql.raw(t.sql).execute(tx);
  });
}
