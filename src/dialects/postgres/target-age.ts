import type { ResolvedConfig } from '../../config/index.js';

/**
 * When a PostgreSQL database's data last changed (server and PGlite): 'missing', 'empty' (no tables),
 * the last commit's time, or 'unknown' (track_commit_timestamp off).
 */
export async function pgTargetAge(target: ResolvedConfig): Promise<Date | 'missing' | 'empty' | 'unknown'> {
  // Kysely loads here, not with the snapshot engine: a backup's dump starts without it (#18 fixed cost).
  const [{ getDialect, openConnection }, { sql }] = await Promise.all([import('../index.js'), import('kysely')]);
  const dialect = await getDialect(target.database.engine, target.database.driver);
  if (!(await dialect.exists(target))) return 'missing';
  const conn = await openConnection(target);
  try {
    const schema = await conn.introspect();
    if (schema.tables.length === 0) return 'empty';
    try {
      const r = await sql<{ t: Date | null }>`select (pg_last_committed_xact()).timestamp as t`.execute(conn.db);
      return r.rows[0]?.t ?? 'unknown';
    } catch {
      return 'unknown';
    }
  } finally {
    await conn.close();
  }
}
