import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { sql, type Kysely } from 'kysely';
import type { Engine } from '../../config/url.js';
import { engineEntry } from '../../dialects/registry.js';
import { VERSION } from '../../version.js';

export const AUTOFIX_LOG_TABLE = 'eventdb_autofix_log';

/** Creates `eventdb_autofix_log` when absent: every applied (or failed) fix — what, SQL, when, by whom, outcome. */
export async function ensureAutofixLog(db: Kysely<any>, engine: Engine): Promise<void> {
  await db.schema
    .createTable(AUTOFIX_LOG_TABLE)
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('fix', 'text', (c) => c.notNull())
    .addColumn('object', 'text', (c) => c.notNull())
    .addColumn('sql', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('applied_at', sql.raw(engineEntry(engine).timestampType), (c) => c.notNull())
    .addColumn('duration_ms', 'integer')
    .addColumn('applied_by', 'text', (c) => c.notNull())
    .addColumn('eventdb_version', 'text', (c) => c.notNull())
    .execute();
}

export function whoAmI(): string {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    /* no passwd entry (containers) */
  }
  return `${user}@${hostname()} pid ${process.pid}`;
}

export async function logFix(db: Kysely<any>, entry: { fix: string; object: string; sql: string[]; outcome: 'applied' | 'failed'; error?: string; at: Date; durationMs: number }): Promise<void> {
  await db
    .insertInto(AUTOFIX_LOG_TABLE)
    .values({
      id: randomUUID(),
      fix: entry.fix,
      object: entry.object,
      sql: entry.sql.join(';\n'),
      outcome: entry.outcome,
      error: entry.error ?? null,
      applied_at: entry.at.toISOString(),
      duration_ms: Math.round(entry.durationMs),
      applied_by: whoAmI(),
      eventdb_version: VERSION,
    })
    .execute();
}
