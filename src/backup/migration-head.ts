import { existsSync, readdirSync } from 'node:fs';
import type { ResolvedConfig } from '../config/index.js';
import type { Connection } from '../dialects/types.js';
import { parseFileName } from '../migrations/file-name.js';
import type { AppliedMigration } from './manifest.js';

/**
 * The applied migrations from the `eventdb_migrations` history table (id, checksum, applied_at),
 * oldest first. A database without the table has an empty head.
 */
export async function readMigrationHead(conn: Connection): Promise<{ head: string | null; applied: AppliedMigration[] }> {
  // Kysely and the history module load here, not with this file: restore imports it for the known
  // migration ids only, and loading Kysely held its start back (#18).
  const [{ sql }, { HISTORY_TABLE }] = await Promise.all([import('kysely'), import('../migrations/history.js')]);
  // The history table as eventdb creates it (ensureHistory), asked for directly: one query. When that
  // fails, a second one tells a missing table (no head, as historyExists tells it) from a table of
  // another layout, whose columns are then looked up by introspection. Introspecting the whole schema
  // first cost 45–110 ms of each backup's fixed cost.
  const direct = await sql<HeadRow>`select ${sql.ref('id')} as id, ${sql.ref('checksum')} as checksum, ${sql.ref('applied_at')} as applied_at from ${sql.table(HISTORY_TABLE)} order by ${sql.ref('applied_at')}, ${sql.ref('id')}`
    .execute(conn.db)
    .catch(() => undefined);
  if (direct) return headOf(direct.rows);
  const exists = await sql`select 1 from ${sql.table(HISTORY_TABLE)} limit 0`.execute(conn.db).then(
    () => true,
    () => false,
  );
  if (!exists) return { head: null, applied: [] };
  const tables = await conn.introspect().catch(() => undefined);
  if (!tables?.tables.some((t) => t.name === HISTORY_TABLE)) return { head: null, applied: [] };
  const cols = new Set(tables.tables.find((t) => t.name === HISTORY_TABLE)!.columns.map((c) => c.name));
  if (!cols.has('id')) return { head: null, applied: [] };
  const pick = [sql.ref('id'), cols.has('checksum') ? sql.ref('checksum') : sql`null`, cols.has('applied_at') ? sql.ref('applied_at') : sql`null`];
  const r = await sql<HeadRow>`select ${pick[0]} as id, ${pick[1]} as checksum, ${pick[2]} as applied_at from ${sql.table(HISTORY_TABLE)} order by ${cols.has('applied_at') ? sql`${sql.ref('applied_at')}, ` : sql``}${sql.ref('id')}`.execute(conn.db);
  return headOf(r.rows);
}

export type HeadRow = { id: unknown; checksum: unknown; applied_at: unknown };

/** HISTORY_TABLE of migrations/history.ts, here without that module's Kysely (the dump session reads it, #18). */
export const HISTORY_TABLE_NAME = 'eventdb_migrations';

export function headOf(rows: HeadRow[]): { head: string | null; applied: AppliedMigration[] } {
  const applied = rows.map((row) => ({
    id: String(row.id),
    checksum: row.checksum === null || row.checksum === undefined ? null : String(row.checksum),
    appliedAt: row.applied_at === null || row.applied_at === undefined ? null : row.applied_at instanceof Date ? row.applied_at.toISOString() : String(row.applied_at),
  }));
  return { head: applied.at(-1)?.id ?? null, applied };
}

/**
 * Migration ids this code knows: the files in the migrations folder, named as the migrations module
 * names them (`0009_x.sql`, `0009_x.ts`, and engine variants such as `0009_x.postgres.sql` → `0009_x`).
 */
export function knownMigrationIds(config: ResolvedConfig): Set<string> {
  const ids = new Set<string>();
  if (!existsSync(config.migrationsDir)) return ids;
  for (const ent of readdirSync(config.migrationsDir, { withFileTypes: true })) {
    if (!ent.isFile()) continue;
    const parsed = parseFileName(ent.name);
    if (parsed) ids.add(parsed.id);
  }
  return ids;
}

/** Whether a snapshot's head is known here (by exact id, or as the prefix of a known file name). */
export function isKnownHead(head: string | null, known: Set<string>): boolean {
  if (head === null) return true;
  if (known.has(head)) return true;
  for (const k of known) if (k.startsWith(`${head}_`) || k.startsWith(`${head}-`)) return true;
  return false;
}
