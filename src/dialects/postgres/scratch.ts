import { sql, type Kysely } from 'kysely';
import type { ResolvedConfig } from '../../config/index.js';

/**
 * A new empty database on the server (the drift check's scratch database), named uniquely, and a
 * drop that removes it even while sessions are open (`with (force)`); drop errors are swallowed.
 * Throws the server's error when it cannot be created (no CREATEDB).
 */
export async function createPostgresScratch(db: Kysely<any>, config: ResolvedConfig): Promise<{ config: ResolvedConfig; drop(): Promise<void> }> {
  const name = `eventdb_scratch_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await sql`create database ${sql.id(name)}`.execute(db);
  const pgParams = config.database.postgres!;
  const database = { ...config.database, name, postgres: { ...pgParams, database: name } };
  return {
    config: { ...config, database, pool: { ...config.pool, min: 0, max: 2 } },
    async drop() {
      await sql`drop database if exists ${sql.id(name)} with (force)`.execute(db).catch(() => undefined);
    },
  };
}
