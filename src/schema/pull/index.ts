/**
 * `eventdb schema pull` (issue 17): introspect the connected database and write its declaration with
 * the authoring API. Refuses to overwrite an existing file without `force` (SCHEMA_PULL_EXISTS, exit
 * 2, the file untouched) and to write a declaration without a table (SCHEMA_PULL_EMPTY, exit 2: the
 * loader refuses one); writes atomically (a temporary file beside it, then a rename).
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Connection, SchemaSnapshot } from '../../dialects/types.js';
import { EventdbError } from '../../errors.js';
import { isInternalTable } from '../diff.js';
import { declarationSource, type DeclarationOptions, type DeclarationText } from './declaration.js';

export { declarationSource, type DeclarationOptions, type DeclarationText } from './declaration.js';

export interface PullOptions extends DeclarationOptions {
  /** Where to write (default `schema/index.ts`), relative to `cwd`. */
  out?: string;
  cwd?: string;
  /** Overwrite an existing file. */
  force?: boolean;
}

/** The written file, and what it declares (the counts of DeclarationText). */
export interface PullResult extends Omit<DeclarationText, 'source'> {
  file: string;
  engine: string;
  /** Whether an existing file was replaced. */
  overwritten: boolean;
  bytes: number;
  /** Tables in other schemas, not pulled (the connection's current schema is what eventdb reads). */
  elsewhere?: Array<{ schema: string; tables: number }>;
  /** Virtual tables (SQLite FTS …), not pulled: the authoring API cannot declare them; their migration makes them. */
  virtualTables?: Array<{ name: string; module: string }>;
  /** Partitioned tables and their partitions: declared as plain tables (the declaration has no partitioning). */
  partitioned?: Array<{ table: string; partitions: string[] }>;
}

/** Throws SCHEMA_PULL_EXISTS (exit 2) when the file exists and `force` is not set; returns whether it exists. */
export function assertCanWrite(file: string, force?: boolean): boolean {
  const exists = existsSync(file);
  if (exists && !force) {
    throw new EventdbError('SCHEMA_PULL_EXISTS', `${file} exists; schema pull does not overwrite it`, 'pass --force to replace it, or --out another file');
  }
  return exists;
}

/**
 * Nothing to declare: a declaration needs a table (the loader refuses an empty one), so pull writes
 * nothing and says where the tables are — in other schemas (PostgreSQL reads the connection's
 * current one), or nowhere yet.
 */
function emptyPull(snap: SchemaSnapshot): EventdbError {
  const where = snap.engine === 'postgres' ? 'the current schema' : 'the database';
  const other = snap.elsewhere ?? [];
  if (other.length) {
    const n = other.reduce((a, e) => a + e.tables, 0);
    const first = other[0]!.schema;
    return new EventdbError('SCHEMA_PULL_EMPTY', `nothing to pull: ${where} has no tables (${n} in other schemas: ${other.map((e) => `${e.schema}: ${e.tables}`).join(', ')}); nothing was written`, `pull one of those schemas by making it the connection's: add ?options=-c%20search_path%3D${encodeURIComponent(first)} to the database URL`);
  }
  return new EventdbError('SCHEMA_PULL_EMPTY', `nothing to pull: ${where} has no tables; nothing was written`, 'create the tables first (`eventdb migrate up`), or write schema/index.ts by hand (see README "Schema as code")');
}

export async function pullSchema(conn: Connection, opts: PullOptions = {}): Promise<PullResult> {
  const out = opts.out ?? 'schema/index.ts';
  const file = isAbsolute(out) ? out : resolve(opts.cwd ?? process.cwd(), out);
  const exists = assertCanWrite(file, opts.force);
  const snap = await conn.introspect();
  if (!snap.tables.some((t) => !isInternalTable(t.name) && !t.virtual)) throw emptyPull(snap);
  const d = declarationSource(snap, opts);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, d.source);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  const { source, ...counts } = d;
  const virtualTables = snap.tables.filter((t) => t.virtual).map((t) => ({ name: t.name, module: t.virtual! })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    file, engine: snap.engine, overwritten: exists, bytes: Buffer.byteLength(source), ...counts,
    ...(snap.elsewhere?.length ? { elsewhere: snap.elsewhere } : {}),
    ...(virtualTables.length ? { virtualTables } : {}),
    ...(snap.partitioned?.length ? { partitioned: snap.partitioned } : {}),
  };
}
