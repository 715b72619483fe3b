import { sql, type Kysely } from 'kysely';
import { EventdbError } from '../../errors.js';

/**
 * SQLite's documented table rebuild (create the new table, copy, drop the old one, rename the new
 * one) runs with foreign keys off, or dropping the old table cascades into its children; the pragma
 * takes effect only outside a transaction. The session reset turns them on again afterwards.
 */
export async function sqliteRebuildPrepare(session: Kysely<any>): Promise<void> {
  await sql.raw('pragma foreign_keys = off').execute(session);
}

/** Inside a rebuild's transaction: refuses (throws, so it rolls back) when rows now break a foreign key. */
export async function sqliteRebuildCheck(db: Kysely<any>): Promise<void> {
  const rows = (await sql<{ table: string; rowid: number | null; parent: string }>`pragma foreign_key_check`.execute(db)).rows;
  if (!rows.length) return;
  const shown = rows.slice(0, 5).map((r) => `${r.table} row ${r.rowid ?? '?'} → ${r.parent}`).join(', ');
  throw new EventdbError('FOREIGN_KEY_VIOLATION', `the table rebuild leaves ${rows.length} row${rows.length === 1 ? '' : 's'} without the row their foreign key references (${shown}${rows.length > 5 ? ', …' : ''}); it was rolled back`, 'copy every referenced row into the new table (or delete the orphans in the migration), then run it again');
}
