import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Engine } from '../config/index.js';
import { EventdbError } from '../errors.js';
import { readMigrationFile } from './checksum.js';
import { readMigrationFolder } from './folder-entries.js';
import { unreadableError } from './unreadable-file.js';
import { compareIds, parseFileName, type MigrationFileName } from './file-name.js';
import { pairChecksum, pairHalves, parseHalves } from './pairs.js';
import { parseSqlMigration } from './sql-file.js';
import { loadTsMigration } from './ts-module.js';
import type { Migration } from './types.js';

interface FileName extends MigrationFileName {
  file: string;
  /** A pair's down file (`ID.down.sql` beside `ID.up.sql`). */
  downFile?: string;
}

// The file-name grammar and ID order live in file-name.ts; re-exported for admin.ts, backup/migration-head.ts and others.
export { compareIds, parseFileName };


export interface ScanOptions {
  /** Import TS migrations to read `meta` (dependencies, transaction, down). Default true. */
  importTs?: boolean;
  /** Read names and checksums only (`migrate status`): no SQL section parsing, no TS import. */
  checksumOnly?: boolean;
}

export interface ScanResult {
  migrations: Migration[];
  /** Every problem found, in file order (duplicate IDs, missing variants, malformed files). */
  problems: EventdbError[];
}

export function assertMigrationsDir(dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new EventdbError('NO_MIGRATIONS_DIR', `migrations folder ${dir} does not exist`, 'run `eventdb init` to create it, or point --migrations (or EVENTDB_MIGRATIONS_DIR) at your migrations folder');
  }
}

/** Reads every migration for `engine` from `dir`, collecting problems rather than stopping at the first. */
export async function scanMigrations(dir: string, engine: Engine, opts: ScanOptions = {}): Promise<ScanResult> {
  assertMigrationsDir(dir);
  const problems: EventdbError[] = [];
  const byId = new Map<string, FileName[]>();
  for (const entry of readMigrationFolder(dir, (e) => problems.push(e))) {
    const parsed = parseFileName(entry.name);
    if (!parsed) continue;
    const file = join(dir, entry.name);
    // A regular file needs no stat (#18: one per file of a 346-file history); a link, or an entry of
    // unknown type, is followed (a dangling link is a problem: MIGRATION_UNREADABLE); a folder is skipped.
    if (!entry.file && (entry.directory || !isFileFollowed(file, problems))) continue;
    const list = byId.get(parsed.id) ?? [];
    list.push({ ...parsed, file });
    byId.set(parsed.id, list);
  }
  const migrations: Migration[] = [];
  for (const id of [...byId.keys()].sort(compareIds)) {
    const files = byId.get(id)!;
    // A pair's down file goes with the up file of its variant (pairs.ts); the rest choose as whole files do.
    const paired = pairHalves(id, files, engine, problems);
    if (!paired) continue;
    const mine = paired.filter((f) => f.variant === engine);
    const portable = paired.filter((f) => f.variant === 'portable');
    const dupes = mine.length > 1 ? mine : mine.length === 0 && portable.length > 1 ? portable : undefined;
    if (dupes) {
      problems.push(new EventdbError('DUPLICATE_ID', `duplicate migration ID ${id}: ${dupes.map((f) => basename(f.file)).join(', ')}`, 'keep one file per ID (engine variants use a .postgres/.sqlite/.duckdb suffix)'));
      continue;
    }
    const chosen = mine[0] ?? portable[0];
    // Pairs written for other engines only (popx's `ID.sqlite3.up.sql`): not a migration on this engine, as popx reads them.
    if (!chosen && files.every((f) => f.half)) continue;
    if (!chosen) {
      problems.push(new EventdbError('NO_VARIANT', `migration ${id} has no file for ${engine} (found ${files.map((f) => basename(f.file)).join(', ')})`, `add ${id}.${engine}.sql (or ${id}.sql for every engine)`));
      continue;
    }
    try {
      migrations.push(await readMigration(chosen, opts));
    } catch (e) {
      if (e instanceof EventdbError) problems.push(e);
      else throw e;
    }
  }
  return { migrations, problems };
}

/** Whether a link (or an entry of unknown type) leads to a regular file; one that cannot be followed is a problem. */
function isFileFollowed(file: string, problems: EventdbError[]): boolean {
  try {
    return statSync(file).isFile();
  } catch (e) {
    const err = unreadableError(file, e);
    if (!err) throw e;
    problems.push(err);
    return false;
  }
}

async function readMigration(f: FileName, opts: ScanOptions): Promise<Migration> {
  const { text, checksum: own } = readMigrationFile(f.file);
  const down = f.half === 'up' && f.downFile ? readMigrationFile(f.downFile) : undefined;
  const checksum = down ? pairChecksum(own, down.checksum) : own;
  const base = { id: f.id, file: f.file, kind: f.kind, variant: f.variant, checksum };
  if (opts.checksumOnly) return { ...base, dependsOn: [], transaction: true, hasDown: true };
  if (f.kind === 'sql') {
    const parsed = f.half ? parseHalves(text, f.file, down?.text, f.downFile) : parseSqlMigration(text, f.file);
    return { ...base, dependsOn: parsed.dependsOn, transaction: parsed.transaction && !f.autocommit, description: parsed.description, hasDown: parsed.down !== undefined, sql: { up: parsed.up, down: parsed.down, upLine: parsed.upLine, downLine: parsed.downLine, riskAccepted: parsed.riskAccepted } };
  }
  if (!/\S/.test(text)) throw new EventdbError('EMPTY_MIGRATION', `${f.file} is empty`, 'export `async function up(db)` (and `down(db)`), or delete the file');
  if (opts.importTs === false) return { ...base, dependsOn: [], transaction: true, hasDown: true };
  const mod = await loadTsMigration(f.file);
  const deps = mod.meta.dependsOn ?? [];
  if (!Array.isArray(deps) || deps.some((d) => typeof d !== 'string')) {
    throw new EventdbError('BAD_MIGRATION', `${f.file}: meta.dependsOn must be an array of migration IDs`, "write `export const meta = { dependsOn: ['0005_venues'] }`");
  }
  return { ...base, dependsOn: deps, transaction: mod.meta.transaction !== false, description: mod.meta.description, hasDown: mod.hasDown };
}

/** Reads every migration for `engine`; throws the first problem found (see scanMigrations for all). */
export async function loadMigrations(dir: string, engine: Engine, opts: ScanOptions = {}): Promise<Migration[]> {
  const r = await scanMigrations(dir, engine, opts);
  if (r.problems.length) throw r.problems[0]!;
  return r.migrations;
}
