import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Lazy, optional imports of sibling core modules (migrations, schema loader, backup). A check whose
 * module is not part of this build reports `skipped` instead of breaking the health check.
 */
export async function importOptional<T>(fromRoot: string): Promise<T | undefined> {
  // Unbundled (dist/health, src/health under vitest) the root is one folder up; in the CLI bundle
  // (dist/cli/chunks) two.
  for (const up of ['../', '../../']) {
    const url = new URL(`${up}${fromRoot}`, import.meta.url);
    const path = fileURLToPath(url);
    if (existsSync(path)) return (await import(/* @vite-ignore */ url.href)) as T;
    const ts = path.replace(/\.js$/, '.ts'); // vitest runs the TypeScript sources
    if (existsSync(ts)) return (await import(/* @vite-ignore */ pathToFileURL(ts).href)) as T;
  }
  return undefined;
}

export interface SchemaLoaderModule {
  loadExpectedSchema(dir: string): Promise<import('../schema/model.js').ExpectedSchema> | import('../schema/model.js').ExpectedSchema;
}

export function loadSchemaLoader(): Promise<SchemaLoaderModule | undefined> {
  return importOptional<SchemaLoaderModule>('schema/loader.js');
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
  return importOptional<BackupModule>('backup/index.js');
}
