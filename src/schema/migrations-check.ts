import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ResolvedConfig } from '../config/index.js';
import type { Connection } from '../dialects/types.js';
import { messageOf } from '../errors.js';
import { HISTORY_TABLE } from '../migrations/history.js';
import { finding, type DiffItem } from './findings.js';

/** The part of the migrations module (issue 4) that validate uses. Loaded lazily. */
export interface MigrationsApi {
  migrationStatus(conn: Connection, config: ResolvedConfig): Promise<{
    migrations: Array<{ id: string; state: string; checksum?: string | null; appliedAt?: unknown; fileChecksum?: string | null }>;
    pending: number;
    failedAttempts: Array<{ id: string; direction?: 'up' | 'down'; startedAt?: string; error?: string; statement?: string }>;
  }>;
  migrateUp(conn: Connection, config: ResolvedConfig, opts?: Record<string, unknown>): Promise<unknown>;
}

export async function loadMigrationsApi(): Promise<MigrationsApi> {
  return (await import('../migrations/index.js')) as unknown as MigrationsApi;
}

export function migrationsDir(config: ResolvedConfig): string {
  return isAbsolute(config.migrationsDir) ? config.migrationsDir : resolve(config.cwd, config.migrationsDir);
}

export type MigrationStatus = Awaited<ReturnType<MigrationsApi['migrationStatus']>>;

/**
 * The "migrations" check group: pending, changed, missing files, failed attempts, and the history
 * table itself. `status` is the migration status it read (absent when it could not), which the drift
 * check reuses rather than reading the files and the history again.
 */
export async function checkMigrations(conn: Connection, config: ResolvedConfig, liveTables: Set<string>, api?: MigrationsApi): Promise<{ items: DiffItem[]; status?: MigrationStatus }> {
  const dir = migrationsDir(config);
  const items: DiffItem[] = [];
  if (!existsSync(dir)) {
    return { items: [{ finding: finding('migrations', 'info', 'no-migrations-dir', 'migrations', `no migrations folder at ${dir}; migration checks skipped`, { kind: 'manual', description: 'run `eventdb init`, or point --migrations / EVENTDB_MIGRATIONS_DIR at the folder', sql: [] }) }] };
  }
  if (!liveTables.has(HISTORY_TABLE)) {
    items.push({
      finding: finding('migrations', 'error', 'missing-history-table', `table ${HISTORY_TABLE}`, `the migration history table ${HISTORY_TABLE} is missing (no migration has been recorded)`, { kind: 'auto-fix', description: `create ${HISTORY_TABLE} (then \`eventdb migrate up\` or \`eventdb migrate baseline\`)`, sql: [] }),
      action: { type: 'create-history-table' },
    });
  }
  let status: MigrationStatus;
  try {
    status = await (api ?? (await loadMigrationsApi())).migrationStatus(conn, config);
  } catch (e) {
    items.push({ finding: finding('migrations', 'error', 'migrations-unreadable', 'migrations', `cannot read the migrations: ${messageOf(e)}`, { kind: 'manual', description: 'run `eventdb migrate validate` for details', sql: [] }) });
    return { items };
  }
  let applied = 0;
  for (const m of status.migrations) {
    const obj = `migration ${m.id}`;
    if (m.state === 'applied') applied++;
    else if (m.state === 'pending') items.push({ finding: finding('migrations', 'warning', 'pending-migration', obj, `migration ${m.id} is pending`, { kind: 'manual', description: 'run `eventdb migrate up`', sql: [] }) });
    else if (m.state === 'changed') items.push({ finding: finding('migrations', 'error', 'changed-checksum', obj, `migration ${m.id} was changed after it was applied${m.checksum && m.fileChecksum ? ` (applied ${String(m.checksum).slice(0, 12)}…, file now ${String(m.fileChecksum).slice(0, 12)}…)` : ''}`, { kind: 'manual', description: 'revert the file, or record the new checksum with `eventdb migrate repair --yes`', sql: [] }) });
    else if (m.state === 'missing') items.push({ finding: finding('migrations', 'error', 'missing-file', obj, `migration ${m.id} is applied but its file is gone`, { kind: 'manual', description: 'restore the file from version control', sql: [] }) });
  }
  items.push(...fromAttempts(status.failedAttempts));
  if (!items.some((i) => i.finding.level !== 'info')) {
    items.unshift({ finding: finding('migrations', 'ok', 'migrations-ok', 'migrations', `${applied} migration${applied === 1 ? '' : 's'} applied, none pending, checksums match`) });
  }
  return { items, status };
}

/**
 * One finding per migration with a failed attempt that still counts. `attempts` comes from the
 * migrations module's `failedAttempts()` (via migrationStatus), which applies the one rule that
 * status, health-check and prepare use too (history.ts `outstandingFailures`): a failed attempt
 * counts until the same migration later succeeds. Nothing is dropped here on other grounds — a
 * migration that is applied but whose later rollback failed still has a failed attempt.
 */
function fromAttempts(attempts: Array<{ id: string; direction?: 'up' | 'down'; error?: string }>): DiffItem[] {
  const latest = new Map<string, { id: string; direction?: 'up' | 'down'; error?: string }>();
  for (const a of attempts) latest.set(a.id, a);
  return [...latest.values()].map((a) => {
    const error = a.error ? `: ${a.error.split('\n')[0]}` : '';
    const [message, fix] =
      a.direction === 'down'
        ? [`the last rollback of migration ${a.id} failed (it stays applied)${error}`, 'fix its down section, accept the edited file with `eventdb migrate repair --yes` (the edit changes its checksum; it also clears the record), then `eventdb rollback` again']
        : [`the last attempt to run migration ${a.id} failed${error}`, 'fix the migration, then `eventdb migrate up` (`eventdb migrate repair --yes` clears the record)'];
    return { finding: finding('migrations', 'error', 'failed-attempt', `migration ${a.id}`, message, { kind: 'manual', description: fix, sql: [] }) };
  });
}
