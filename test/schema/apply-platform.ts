/**
 * Applies or rolls back the platform migrations on an open connection, one transaction per
 * migration, with the migration module's own file reader and statement splitter. Used by the schema
 * tests so they exercise exactly the files `eventdb migrate up` runs.
 */
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Connection } from '../../src/dialects/types.js';
import { loadMigrations } from '../../src/migrations/loader.js';
import { splitStatements } from '../../src/migrations/split.js';
import { loadTsMigration } from '../../src/migrations/ts-module.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));
export const SCHEMA_DIR = fileURLToPath(new URL('../../schema', import.meta.url));

export async function applyPlatform(conn: Connection, direction: 'up' | 'down'): Promise<string[]> {
  const list = await loadMigrations(MIGRATIONS_DIR, conn.engine);
  const ordered = direction === 'up' ? list : [...list].reverse();
  const done: string[] = [];
  for (const m of ordered) {
    await conn.db.transaction().execute(async (trx) => {
      const ctx = {
        async executeSQL(text: string) {
          for (const s of await splitStatements(text, conn.engine)) await sql.raw(s).execute(trx);
        },
      };
      if (m.kind === 'sql') {
        const text = direction === 'up' ? m.sql!.up : m.sql!.down;
        if (text === undefined) throw new Error(`${m.id} has no down section`);
        await ctx.executeSQL(text);
      } else {
        const mod = await loadTsMigration(m.file);
        const fn = direction === 'up' ? mod.migration.up : mod.migration.down;
        if (!fn) throw new Error(`${m.id} has no down()`);
        await fn(trx, ctx);
      }
    });
    done.push(m.id);
  }
  return done;
}
