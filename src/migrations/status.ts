import type { Kysely } from 'kysely';
import type { ResolvedConfig } from '../config/index.js';
import type { Connection } from '../dialects/types.js';
import { compareIds, loadMigrations } from './loader.js';
import { failedAttempts, historyExists, ownTables, readHistory, type FailedAttempt } from './history.js';
import type { HistoryRow, Migration, MigrationState } from './types.js';

export interface MigrationStatusEntry {
  id: string;
  state: MigrationState;
  /** The checksum recorded when applied (applied, changed, missing), else the file's. */
  checksum: string;
  appliedAt: string | null;
  /** The file's current checksum, when it differs from the recorded one. */
  fileChecksum?: string;
  file?: string;
  batch?: number;
}

export interface MigrationStatus {
  migrations: MigrationStatusEntry[];
  pending: number;
  applied: number;
  changed: number;
  missing: number;
  failedAttempts: FailedAttempt[];
  /** False when the history table does not exist yet (nothing applied). */
  historyTable: boolean;
}

/** Joins files with history: applied | pending | changed | missing, in file order (missing last, by ID). */
export function computeStatus(files: Migration[], history: HistoryRow[]): MigrationStatusEntry[] {
  const applied = new Map(history.map((h) => [h.id, h]));
  const out: MigrationStatusEntry[] = [];
  const known = new Set<string>();
  for (const m of files) {
    known.add(m.id);
    const h = applied.get(m.id);
    if (!h) out.push({ id: m.id, state: 'pending', checksum: m.checksum, appliedAt: null, file: m.file });
    else if (h.checksum !== m.checksum) out.push({ id: m.id, state: 'changed', checksum: h.checksum, fileChecksum: m.checksum, appliedAt: h.applied_at, file: m.file, batch: h.batch });
    else out.push({ id: m.id, state: 'applied', checksum: h.checksum, appliedAt: h.applied_at, file: m.file, batch: h.batch });
  }
  const missing = history.filter((h) => !known.has(h.id)).sort((a, b) => compareIds(a.id, b.id));
  for (const h of missing) out.push({ id: h.id, state: 'missing', checksum: h.checksum, appliedAt: h.applied_at, batch: h.batch });
  return out;
}

export async function readHistoryIfAny(db: Kysely<any>): Promise<{ exists: boolean; rows: HistoryRow[] }> {
  if (!(await historyExists(db))) return { exists: false, rows: [] };
  return { exists: true, rows: await readHistory(db) };
}

/**
 * `work`'s result; should it fail, its error once `inFlight` has settled too: a query still running on
 * the connection when the caller closes it (on that error) crashed DuckDB's native module (a segfault
 * at exit, one run in ten).
 */
export async function settledFirst<T>(inFlight: Promise<unknown>, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (e) {
    await inFlight.catch(() => undefined);
    throw e;
  }
}

/**
 * Every migration's state on this database. Reads only: never creates the history table. Files are
 * only checksummed — SQL sections are not parsed and TS files not imported (a checksum covers the
 * file's text) — so status is fast and a broken file still shows.
 */
export async function migrationStatus(conn: Connection, config: ResolvedConfig): Promise<MigrationStatus> {
  const db = ownTables(conn, conn.db);
  // The history's round trip overlaps reading the files; a file's error still comes first.
  const read = readHistoryIfAny(db);
  const files = await settledFirst(read, loadMigrations(config.migrationsDir, conn.engine, { importTs: false, checksumOnly: true }));
  const history = await read;
  return statusFrom(files, history.rows, history.exists ? await failedAttempts(db) : [], history.exists);
}

export function statusFrom(files: Migration[], rows: HistoryRow[], failed: FailedAttempt[], exists: boolean): MigrationStatus {
  const migrations = computeStatus(files, rows);
  const count = (s: MigrationState) => migrations.filter((m) => m.state === s).length;
  return { migrations, pending: count('pending'), applied: count('applied'), changed: count('changed'), missing: count('missing'), failedAttempts: failed, historyTable: exists };
}
