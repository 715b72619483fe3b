import { ENGINES, type Engine } from '../config/url.js';
import type { MigrationKind } from './types.js';

/**
 * The one grammar of migration file names: `ID[.ENGINE].EXT`, EXT one of .sql, .ts, .mts, .js, .mjs,
 * or a pair of SQL files `ID[.ENGINE].up.sql` + `ID[.ENGINE].down.sql` (golang-migrate, sqlx, pop),
 * and ENGINE one of the configured engines (`0009_x.postgres.sql` → ID 0009_x for PostgreSQL only;
 * `0009_x.sql` → ID 0009_x on every engine). The loader (which files in a folder are migrations),
 * `migrate lint` (the ID and engine of a file it is given) and the backup's migration head read it here.
 */
export interface MigrationFileName {
  id: string;
  /** The engine the file is written for, or `portable` (no engine suffix). */
  variant: Engine | 'portable';
  kind: MigrationKind;
  /**
   * `ID.up.sql` / `ID.down.sql` (golang-migrate, sqlx, pop — `ID.postgres.up.sql` too): which half of a
   * pair of files the name is. Undefined for a whole migration in one file.
   */
  half?: 'up' | 'down';
  /** pop's `ID[.ENGINE].autocommit.up.sql`: the migration runs outside a transaction. */
  autocommit?: boolean;
}

/** Engine suffixes other tools write for eventdb's engines: pop's `sqlite3`, and `postgresql`. */
const ALIASES: Readonly<Record<string, Engine>> = { sqlite3: 'sqlite', postgresql: 'postgres' };
/**
 * Suffixes of engines eventdb does not run (pop's `mysql` and `cockroach`, …): such a file is another
 * engine's variant, not a migration here. Without this, `0009_x.mysql.up.sql` would be a portable
 * migration `0009_x.mysql`, run on every engine.
 */
const OTHER_ENGINES = new Set(['mysql', 'mariadb', 'cockroach', 'cockroachdb', 'mssql', 'sqlserver', 'oracle', 'clickhouse', 'spanner', 'bigquery', 'snowflake', 'tidb', 'ydb']);

const TS_EXT = ['.ts', '.mts', '.js', '.mjs'] as const;

/** Whether a name ends in a migration extension (`.d.ts` declaration files excluded). */
export function hasMigrationExtension(name: string): boolean {
  return !name.endsWith('.d.ts') && (name.endsWith('.sql') || TS_EXT.some((e) => name.endsWith(e)));
}

/**
 * Splits a file name by the grammar, whatever its first character: undefined when the extension is
 * not a migration's, or the file is for an engine eventdb does not run (OTHER_ENGINES). `lint` reads any file it is given this way.
 */
export function splitMigrationFileName(name: string): MigrationFileName | undefined {
  let kind: MigrationKind;
  let stem: string;
  let half: 'up' | 'down' | undefined;
  if (name.endsWith('.sql')) {
    kind = 'sql';
    stem = name.slice(0, -4);
    const h = /\.(up|down)$/.exec(stem);
    if (h && h.index > 0) {
      half = h[1] as 'up' | 'down';
      stem = stem.slice(0, h.index);
    }
  } else {
    const ext = TS_EXT.find((e) => name.endsWith(e));
    if (!ext) return undefined;
    kind = 'ts';
    stem = name.slice(0, -ext.length);
  }
  const halfOf: Pick<MigrationFileName, 'half' | 'autocommit'> = half ? { half } : {};
  if (half && stem.endsWith('.autocommit')) {
    halfOf.autocommit = true;
    stem = stem.slice(0, -'.autocommit'.length);
  }
  const dot = stem.lastIndexOf('.');
  const suffix = dot > 0 ? stem.slice(dot + 1).toLowerCase() : '';
  const engine = ALIASES[suffix] ?? ((ENGINES as readonly string[]).includes(suffix) ? (suffix as Engine) : undefined);
  if (engine) return { id: stem.slice(0, dot), variant: engine, kind, ...halfOf };
  if (OTHER_ENGINES.has(suffix)) return undefined;
  return { id: stem, variant: 'portable', kind, ...halfOf };
}

/**
 * A file in a migrations folder: undefined for files that are not migrations — another extension,
 * `.d.ts`, or a name starting with `.` or `_` (hidden files, helpers kept beside the migrations).
 */
export function parseFileName(name: string): MigrationFileName | undefined {
  if (name.startsWith('.') || name.startsWith('_') || name.endsWith('.d.ts')) return undefined;
  return splitMigrationFileName(name);
}

/** Numeric prefixes compare as numbers (so 9 < 10 and timestamps sort), the rest as text. */
export function compareIds(a: string, b: string): number {
  const na = /^\d+/.exec(a)?.[0];
  const nb = /^\d+/.exec(b)?.[0];
  if (na && nb) {
    const x = BigInt(na);
    const y = BigInt(nb);
    if (x !== y) return x < y ? -1 : 1;
  } else if (na || nb) return na ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
