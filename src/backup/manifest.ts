import { randomBytes } from 'node:crypto';
import type { Engine } from '../config/index.js';
import { EventdbError } from '../errors.js';

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
  compression: 'gzip' | 'none';
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
  database: { engine: Engine; name: string; serverVersion: string };
  dataFormat: DataFormat;
  tool: string;
  migrations: { head: string | null; applied: AppliedMigration[] };
  tables: Record<string, number>;
  objects: ManifestObject[];
  notes: string[];
}

/** Sortable by time, unique: 20250102T030405Z-3fa9c1. */
export function newSnapshotId(at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

const SAFE = /[^A-Za-z0-9._-]+/g;

/** `<env>/<database>/` — per-environment prefixes, so development and production never share snapshots. */
export function databasePrefix(environment: string, database: string): string {
  return `${environment.replace(SAFE, '_')}/${(database || 'database').replace(SAFE, '_')}/`;
}

export function parseManifest(text: string, where: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch {
    throw new EventdbError('CORRUPT_SNAPSHOT', `the manifest ${where} is not valid JSON`, 'the snapshot is damaged; use another one (`eventdb backup list`)');
  }
  if (m.format !== MANIFEST_FORMAT || !m.id || !Array.isArray(m.objects) || !m.database?.engine) {
    throw new EventdbError('CORRUPT_SNAPSHOT', `the manifest ${where} is not an eventdb ${MANIFEST_FORMAT} manifest`, 'the snapshot is damaged or was written by a newer eventdb');
  }
  return m;
}
