import { ENGINES, type Engine } from '../config/url.js';
import type { MigrationKind } from './types.js';

/**
 * The one grammar of migration file names: `ID[.ENGINE].EXT`, EXT one of .sql, .ts, .mts, .js, .mjs
 * and ENGINE one of the configured engines (`0009_x.postgres.sql` → ID 0009_x for PostgreSQL only;
 * `0009_x.sql` → ID 0009_x on every engine). The loader (which files in a folder are migrations),
 * `migrate lint` (the ID and engine of a file it is given) and the backup's migration head read it here.
 */
export interface MigrationFileName {
  id: string;
  /** The engine the file is written for, or `portable` (no engine suffix). */
  variant: Engine | 'portable';
  kind: MigrationKind;
}

const TS_EXT = ['.ts', '.mts', '.js', '.mjs'] as const;

/** Whether a name ends in a migration extension (`.d.ts` declaration files excluded). */
export function hasMigrationExtension(name: string): boolean {
  return !name.endsWith('.d.ts') && (name.endsWith('.sql') || TS_EXT.some((e) => name.endsWith(e)));
}

/**
 * Splits a file name by the grammar, whatever its first character: undefined only when the
 * extension is not a migration's. `lint` reads any file it is given this way.
 */
export function splitMigrationFileName(name: string): MigrationFileName | undefined {
  let kind: MigrationKind;
  let stem: string;
  if (name.endsWith('.sql')) {
    kind = 'sql';
    stem = name.slice(0, -4);
  } else {
    const ext = TS_EXT.find((e) => name.endsWith(e));
    if (!ext) return undefined;
    kind = 'ts';
    stem = name.slice(0, -ext.length);
  }
  const dot = stem.lastIndexOf('.');
  const suffix = dot > 0 ? stem.slice(dot + 1) : '';
  if ((ENGINES as readonly string[]).includes(suffix)) return { id: stem.slice(0, dot), variant: suffix as Engine, kind };
  return { id: stem, variant: 'portable', kind };
}

/**
 * A file in a migrations folder: undefined for files that are not migrations — another extension,
 * `.d.ts`, or a name starting with `.` or `_` (hidden files, helpers kept beside the migrations).
 */
export function parseFileName(name: string): MigrationFileName | undefined {
  if (name.startsWith('.') || name.startsWith('_') || name.endsWith('.d.ts')) return undefined;
  return splitMigrationFileName(name);
}
