import { sql, type Kysely } from 'kysely';
import type { ResolvedConfig } from '../../config/index.js';
import { quoteIdent } from '../quote.js';
import { snapshotClient } from './client.js';

/**
 * A new empty database on the server (the drift check's scratch database), named uniquely, and a
 * drop that removes it even while sessions are open (`with (force)`); drop errors are swallowed.
 * Throws the server's error when it cannot be created (no CREATEDB).
 * The scratch opens with the live connection's settings: when they name another current schema than
 * `public` (`?options=-csearch_path=app`), that schema is made in it too, or nothing could be created there.
 */
export async function createPostgresScratch(db: Kysely<any>, config: ResolvedConfig): Promise<{ config: ResolvedConfig; drop(): Promise<void> }> {
  const name = `eventdb_scratch_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await sql`create database ${sql.id(name)}`.execute(db);
  const pgParams = config.database.postgres!;
  const database = { ...config.database, name, postgres: { ...pgParams, database: name } };
  const scratch: ResolvedConfig = { ...config, database, pool: { ...config.pool, min: 0, max: 2 } };
  const current = (await sql<{ s: string | null }>`select current_schema() as s`.execute(db)).rows[0]?.s;
  if (current && current !== 'public') {
    const c = await snapshotClient(scratch);
    try {
      await c.query(`create schema if not exists ${quoteIdent(current)}`);
    } finally {
      await c.end();
    }
  }
  return {
    config: scratch,
    async drop() {
      await sql`drop database if exists ${sql.id(name)} with (force)`.execute(db).catch(() => undefined);
    },
  };
}
