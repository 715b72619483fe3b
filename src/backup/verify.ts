import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ResolvedConfig } from '../config/index.js';
import { getSnapshotEngine } from '../dialects/index.js';
import { EventdbError } from '../errors.js';
import { readCatalog, selectSnapshot, type Catalog, type Selector } from './catalog.js';
import { checkKeys, keysFromEnv, type EncryptionKeys } from './codec.js';
import { downloadVerified } from './download.js';
import { VERIFIED_NAME, type Manifest } from './manifest.js';
import { checkStoreName } from './names.js';
import { makeTempDir, removeTempDir } from './temp-dirs.js';

export interface VerifyOptions extends Selector {
  store?: string;
  env?: NodeJS.ProcessEnv;
  /** age identity file for encrypted snapshots (also EVENTDB_AGE_IDENTITY_FILE). */
  identityFile?: string;
}

export interface VerifyResult {
  id: string;
  createdAt: string;
  engine: string;
  objects: Array<{ name: string; size: number; sha256: string }>;
  checks: string[];
  tables: Record<string, number>;
  durationMs: number;
}

/** Compares the rows a check counted with the manifest's. */
export function compareTables(manifest: Manifest, counted: Record<string, number> | undefined): void {
  if (!counted) return;
  // Own properties only: a table may be named __proto__ or constructor.
  const own = (t: string) => (Object.hasOwn(counted, t) ? counted[t] : undefined);
  for (const [t, n] of Object.entries(manifest.tables)) {
    if (own(t) !== n) {
      throw new EventdbError('CORRUPT_SNAPSHOT', `table ${t} has ${own(t) ?? 'no'} rows in the copy, the manifest says ${n}`, 'use another snapshot (`eventdb backup list`)');
    }
  }
}

/**
 * Downloads a snapshot into `dir`, checks every object's SHA-256 and size, decrypts, decompresses
 * and runs the engine's check on the copy. Returns the local file of the data object.
 */
export async function fetchAndCheck(catalog: Catalog, snap: Catalog['snapshots'][number], keys: EncryptionKeys, dir: string): Promise<{ file: string; checks: string[]; tables: Record<string, number> }> {
  const m = snap.manifest;
  const checks: string[] = [];
  let file = '';
  for (const o of m.objects) {
    const name = checkStoreName(o.name, 'the object name');
    file = join(dir, name.replace(/(\.gz|\.zst)?(\.age)?$/, ''));
    await downloadVerified(catalog.store, `${snap.location}${name}`, o, keys, file, { fsync: false });
    checks.push(`${o.name}: size and SHA-256 match${o.encryption ? ', decrypted' : ''}`);
  }
  const engine = await getSnapshotEngine(m.database.engine);
  const r = await engine.checkFile(file, m.dataFormat);
  compareTables(m, r.tables);
  checks.push(r.check);
  if (r.tables) checks.push(`row counts match the manifest (${Object.keys(m.tables).length} tables)`);
  return { file, checks, tables: r.tables ?? m.tables };
}

/** `backup verify`: everything a restore would check, without touching any database. Records the result. */
export async function verifySnapshot(config: ResolvedConfig, opts: VerifyOptions): Promise<VerifyResult> {
  const env = opts.env ?? process.env;
  const keys = keysFromEnv(env, { identityFile: opts.identityFile });
  await checkKeys(keys);
  const started = Date.now();
  const catalog = await readCatalog(config, { store: opts.store, env });
  const snap = selectSnapshot(catalog, opts);
  const dir = await makeTempDir('verify', env);
  try {
    const r = await fetchAndCheck(catalog, snap, keys, dir);
    const record = { verifiedAt: new Date().toISOString(), sha256: snap.manifest.objects.map((o) => o.sha256), checks: r.checks };
    try {
      await catalog.store.put(`${snap.location}${VERIFIED_NAME}`, Readable.from([Buffer.from(JSON.stringify(record, null, 2))]), { contentType: 'application/json' });
    } catch (e) {
      // Read-only store credentials: the snapshot is fine, the result just cannot be recorded.
      r.checks.push(`not recorded as verified: ${e instanceof EventdbError ? e.message : String(e)}`);
    }
    return {
      id: snap.id,
      createdAt: snap.createdAt,
      engine: snap.engine,
      objects: snap.manifest.objects.map((o) => ({ name: o.name, size: o.size, sha256: o.sha256 })),
      checks: r.checks,
      tables: r.tables,
      durationMs: Date.now() - started,
    };
  } finally {
    await removeTempDir(dir);
  }
}
