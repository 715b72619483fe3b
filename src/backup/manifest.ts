import { randomBytes } from 'node:crypto';
import type { Engine } from '../config/index.js';
import { EventdbError } from '../errors.js';
import { describeName, folderName, isSafeName, legacyFolderName } from './names.js';

export const MANIFEST_FORMAT = 'eventdb-snapshot/1';
export const MANIFEST_NAME = 'manifest.json';
export const VERIFIED_NAME = 'verified.json';

export type DataFormat = 'sqlite-file' | 'duckdb-file' | 'pg-custom' | 'eventdb-pg';

export interface ObjectEncryption {
  scheme: 'age';
  /** `recipients` (age public keys) or `passphrase` (scrypt). No key material is ever recorded. */
  mode: 'recipients' | 'passphrase';
  recipients?: number;
}

export interface ManifestObject {
  /** File name inside the snapshot folder. */
  name: string;
  /** Bytes stored (after compression and encryption). */
  size: number;
  /** SHA-256 (hex) of the bytes stored. */
  sha256: string;
  /** Bytes before compression (the engine's raw copy). */
  rawSize: number;
  /** The codec of the stored bytes (before encryption): `zstd` (default where the runtime has it), `gzip` or `none`. */
  compression: 'zstd' | 'gzip' | 'none';
  encryption: ObjectEncryption | null;
}

export interface AppliedMigration {
  id: string;
  checksum: string | null;
  appliedAt: string | null;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  id: string;
  createdAt: string;
  completedAt: string;
  environment: string;
  tag: string | null;
  eventdbVersion: string;
  /**
   * `path`: the absolute path of a file database (SQLite, DuckDB, PGlite) — two files of the same name
   * share a store folder, and the catalog tells their snapshots apart by it (older manifests have none).
   */
  database: { engine: Engine; name: string; serverVersion: string; path?: string };
  dataFormat: DataFormat;
  tool: string;
  migrations: { head: string | null; applied: AppliedMigration[] };
  tables: Record<string, number>;
  objects: ManifestObject[];
  notes: string[];
}

/** A file database's identity in a manifest (`database.path`): its absolute path; none for a server or an in-memory database. */
export function fileIdentity(config: { database: { path?: string; memory: boolean } }): string | undefined {
  return config.database.path && !config.database.memory ? config.database.path : undefined;
}

/** Sortable by time, unique: 20250102T030405Z-3fa9c1. */
export function newSnapshotId(at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** `<env>/<database>/` — per-environment prefixes, so development and production never share snapshots. Injective (see folderName). */
export function databasePrefix(environment: string, database: string): string {
  return `${folderName(environment)}/${folderName(database)}/`;
}

/** The prefix eventdb used before folder names were injective; read (and filtered by the manifest's names) for old snapshots. */
export function legacyDatabasePrefix(environment: string, database: string): string {
  return `${legacyFolderName(environment, environment)}/${legacyFolderName(database, 'database')}/`;
}

const ENGINES = ['postgres', 'sqlite', 'duckdb'];
const FORMATS = ['sqlite-file', 'duckdb-file', 'pg-custom', 'eventdb-pg'];
const SHA256 = /^[0-9a-f]{64}$/;

type Check = (v: unknown) => boolean;
const str: Check = (v) => typeof v === 'string';
const strOrNull: Check = (v) => v === null || typeof v === 'string';
const count: Check = (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const time: Check = (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v));
const obj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** `2025-01-02T03:04:05.678Z`: the only form eventdb writes `createdAt` in (`Date#toISOString`). */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const SNAPSHOT_ID = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-[0-9a-f]{6}$/;

/**
 * How far in the future a snapshot's `createdAt` may lie: the clock of the machine that took it may run
 * a little ahead of this one. Beyond that the time is forged or the clock broken.
 */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** The start time a snapshot id carries (`20250102T030405Z-3fa9c1` → 2025-01-02T03:04:05Z), in ms; undefined when it is not an id eventdb writes. */
export function snapshotIdTime(id: string): number | undefined {
  const p = SNAPSHOT_ID.exec(id);
  if (!p) return undefined;
  const [y, mo, d, h, mi, s] = p.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  // 20250231T…: Date.UTC rolls over; a real id names a real instant.
  return new Date(t).toISOString().startsWith(`${p[1]}-${p[2]}-${p[3]}T${p[4]}:${p[5]}:${p[6]}`) ? t : undefined;
}

/**
 * Why a manifest's `createdAt` cannot be believed, or undefined. `backup` takes the id and `createdAt`
 * from one instant (the id is that instant cut to the second), so `createdAt` must lie in the id's
 * second; and neither may be in the future beyond CLOCK_SKEW_MS. A forged time would otherwise keep
 * the health check's backup age green, win `restore --latest` and make `--if-newer` restore forever.
 */
function createdAtProblem(id: string, createdAt: string, now: number): string | undefined {
  if (!ISO_UTC.test(createdAt)) return `"createdAt" ${describeName(createdAt)} is not an ISO 8601 UTC time`;
  const at = Date.parse(createdAt);
  const idAt = snapshotIdTime(id);
  if (idAt === undefined) return `the snapshot id ${describeName(id)} does not carry its start time`;
  if (at < idAt || at >= idAt + 1000) return `"createdAt" ${createdAt} does not match the time in the snapshot id`;
  if (at > now + CLOCK_SKEW_MS) return `"createdAt" ${createdAt} is in the future`;
  return undefined;
}

/**
 * The largest manifest eventdb reads. A real one is ~1 KB plus ~150 bytes per applied migration and
 * ~40 per table (a thousand of each: ~200 KB); anything past 4 MiB is damaged or hostile and is never
 * read whole into memory. `backup` refuses to write one larger.
 */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** What is wrong with a manifest: the field, and why when "missing or invalid" is not the whole story. */
interface Problem {
  field: string;
  why?: string;
}

/** The problems of one `objects[i]` entry, or undefined. */
function objectProblem(o: unknown, i: number): Problem | undefined {
  const at = (f: string, why?: string): Problem => ({ field: `objects[${i}]${f}`, why });
  if (!obj(o)) return at('');
  if (!isSafeName(o.name)) return at('.name');
  if (!count(o.size)) return at('.size');
  if (!count(o.rawSize)) return at('.rawSize');
  // Every copy eventdb takes has bytes (an empty SQLite database is a 4 KB page), and so has what is
  // stored of it (compressed or not): an empty object would restore as an empty database.
  if (o.size === 0 || o.rawSize === 0) return at(o.size === 0 ? '.size' : '.rawSize', 'is 0: the data object is empty');
  if (typeof o.sha256 !== 'string' || !SHA256.test(o.sha256)) return at('.sha256');
  if (o.compression !== 'zstd' && o.compression !== 'gzip' && o.compression !== 'none') return at('.compression');
  const e = o.encryption ?? null;
  if (e !== null && (!obj(e) || e.scheme !== 'age' || (e.mode !== 'recipients' && e.mode !== 'passphrase'))) return at('.encryption');
  return undefined;
}

/** The first field of a parsed manifest that is missing, of the wrong type or impossible, or undefined when it is whole. */
function manifestProblem(m: Record<string, unknown>): Problem | undefined {
  const fields: Array<[string, unknown, Check]> = [
    ['id', m.id, isSafeName],
    ['createdAt', m.createdAt, time],
    ['completedAt', m.completedAt, time],
    ['environment', m.environment, str],
    ['tag', m.tag ?? null, strOrNull],
    ['eventdbVersion', m.eventdbVersion, str],
    ['dataFormat', m.dataFormat, (v) => FORMATS.includes(v as string)],
    ['tool', m.tool, str],
  ];
  for (const [field, v, ok] of fields) if (!ok(v)) return { field };
  if (!obj(m.database)) return { field: 'database' };
  if (!ENGINES.includes(m.database.engine as string)) return { field: 'database.engine' };
  if (!str(m.database.name)) return { field: 'database.name' };
  if (!str(m.database.serverVersion)) return { field: 'database.serverVersion' };
  if (m.database.path !== undefined && !str(m.database.path)) return { field: 'database.path' };
  if (!obj(m.migrations) || !strOrNull(m.migrations.head) || !Array.isArray(m.migrations.applied)) return { field: 'migrations' };
  if (!obj(m.tables) || !Object.values(m.tables).every(count)) return { field: 'tables' };
  if (m.notes !== undefined && (!Array.isArray(m.notes) || !m.notes.every(str))) return { field: 'notes' };
  if (!Array.isArray(m.objects)) return { field: 'objects' };
  // `backup` stores every engine's copy as exactly one data object: none is an empty snapshot, two (or
  // one name twice) is not a snapshot eventdb wrote, and verify would write both to one file.
  if (m.objects.length !== 1) return { field: 'objects', why: m.objects.length === 0 ? 'lists no data object (an empty snapshot)' : `lists ${m.objects.length} data objects; a snapshot has exactly one` };
  return objectProblem(m.objects[0], 0);
}

/**
 * Parses a manifest read from a store — untrusted input: every field used later is checked for
 * presence and type, and names for being safe path segments. Throws CORRUPT_SNAPSHOT otherwise.
 * The catalog then checks that it names its folder's id, and its time (checkManifestTime).
 */
export function parseManifest(text: string, where: string): Manifest {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw new EventdbError('CORRUPT_SNAPSHOT', `the manifest ${where} is not valid JSON`, 'the snapshot is damaged; use another one (`eventdb backup list`)');
  }
  if (!obj(m) || m.format !== MANIFEST_FORMAT) {
    throw new EventdbError('CORRUPT_SNAPSHOT', `the manifest ${where} is not an eventdb ${MANIFEST_FORMAT} manifest`, 'the snapshot is damaged or was written by a newer eventdb');
  }
  const problem = manifestProblem(m);
  if (problem) throw new EventdbError('CORRUPT_SNAPSHOT', `the manifest ${where} is damaged: "${problem.field}" ${problem.why ?? 'is missing or invalid'}`, 'the snapshot is damaged; use another one (`eventdb backup list`)');
  const out = m as unknown as Manifest;
  out.tag ??= null;
  out.notes ??= [];
  for (const o of out.objects) o.encryption ??= null;
  return out;
}

/**
 * Throws CORRUPT_SNAPSHOT unless the manifest's `createdAt` can be believed (createdAtProblem): in
 * the second its id names, and not in the future beyond CLOCK_SKEW_MS of `now`.
 */
export function checkManifestTime(m: Pick<Manifest, 'id' | 'createdAt'>, where: string, now: number = Date.now()): void {
  const problem = createdAtProblem(m.id, m.createdAt, now);
  if (problem) throw new EventdbError('CORRUPT_SNAPSHOT', `the manifest ${where} is damaged: ${problem}`, 'the snapshot is damaged or its time was forged; use another one (`eventdb backup list`)');
}
