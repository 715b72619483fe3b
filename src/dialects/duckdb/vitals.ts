import { sql, type Kysely } from 'kysely';
import type { DatabaseTarget } from '../../config/index.js';
import { fileFacts } from '../file-vitals.js';
import type { FileVitals } from '../types.js';

/** File and WAL (`.wal`) size; `deep`: every table read once (DuckDB has no quick_check; reading verifies each block's checksum). */
export async function duckdbVitals(db: Kysely<any>, target: DatabaseTarget, opts: { deep: boolean }): Promise<FileVitals> {
  const vitals = fileFacts(target, (path) => `${path}.wal`);
  if (opts.deep) {
    const tables = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_catalog = current_database() and table_schema = 'main' and table_type = 'BASE TABLE'`.execute(db);
    for (const t of tables.rows) await sql`select count(*) from ${sql.table(t.name)}`.execute(db);
    vitals.tablesScanned = tables.rows.length;
  }
  return vitals;
}
