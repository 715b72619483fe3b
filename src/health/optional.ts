/**
 * Lazy, optional imports of sibling core modules (migrations, schema loader, backup). A check whose
 * module is not part of this build reports `skipped` instead of breaking the health check.
 */
export async function importOptional<T>(specifier: string): Promise<T | undefined> {
  try {
    return (await import(/* @vite-ignore */ specifier)) as T;
  } catch (e) {
    const code = (e as { code?: string }).code;
    const msg = e instanceof Error ? e.message : String(e);
    const leaf = specifier.replace(/^.*\//, '').replace(/\.js$/, '');
    if ((code === 'ERR_MODULE_NOT_FOUND' || /Cannot find module|Failed to load url|does not exist/i.test(msg)) && msg.includes(leaf)) return undefined;
    throw e;
  }
}

export interface MigrationInfo {
  id: string;
  state: 'applied' | 'pending' | 'changed' | 'missing' | string;
  checksum?: string;
  appliedAt?: string | Date | null;
}

export interface MigrationStatusResult {
  migrations: MigrationInfo[];
  pending: number | MigrationInfo[];
  /** Failed attempts recorded in eventdb_migration_log, when the module reports them. */
  failed?: unknown[];
}

export interface MigrationsModule {
  migrationStatus(conn: unknown, config: unknown): Promise<MigrationStatusResult>;
}

export function loadMigrations(): Promise<MigrationsModule | undefined> {
  return importOptional<MigrationsModule>('../migrations/index.js');
}

export interface SchemaLoaderModule {
  loadExpectedSchema(dir: string): Promise<import('../schema/model.js').ExpectedSchema> | import('../schema/model.js').ExpectedSchema;
}

export function loadSchemaLoader(): Promise<SchemaLoaderModule | undefined> {
  return importOptional<SchemaLoaderModule>('../schema/loader.js');
}

/** A snapshot as the backup module lists it (fields read defensively: the module owns the shape). */
export interface SnapshotSummary {
  id?: string;
  key?: string;
  createdAt?: string | Date;
  timestamp?: string | Date;
  complete?: boolean;
  verified?: boolean | { ok: boolean; at?: string } | null;
  verify?: unknown;
  size?: number;
  sizeBytes?: number;
}

export interface BackupModule {
  listSnapshots?(config: unknown, opts?: unknown): Promise<SnapshotSummary[] | { snapshots: SnapshotSummary[] }>;
  checkStore?(config: unknown): Promise<unknown>;
  openStore?(url: string, opts?: unknown): Promise<{ list(prefix: string): AsyncIterable<unknown> }> | { list(prefix: string): AsyncIterable<unknown> };
  backup?(config: unknown, opts?: unknown): Promise<unknown>;
  restore?(config: unknown, opts?: unknown): Promise<unknown>;
  restoreIfNewer?(config: unknown, opts?: unknown): Promise<unknown>;
}

export function loadBackup(): Promise<BackupModule | undefined> {
  return importOptional<BackupModule>('../backup/index.js');
}
