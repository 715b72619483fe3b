import type { ResolvedConfig } from '../config/index.js';
import { EventdbError } from '../errors.js';
import { checkManifestTime, databasePrefix, fileIdentity, legacyDatabasePrefix, MANIFEST_NAME, MAX_MANIFEST_BYTES, parseManifest, VERIFIED_NAME, type Manifest } from './manifest.js';
import { describeName, isSafeName, legacyFolderName } from './names.js';
import { readCapped } from './read-capped.js';
import { openStore, STORES } from './stores/index.js';
import type { Store, StoredObject } from './stores/types.js';

export interface SnapshotSummary {
  id: string;
  createdAt: string;
  engine: string;
  database: string;
  environment: string;
  tag: string | null;
  /** Bytes stored (all objects). */
  size: number;
  encrypted: boolean;
  migrationHead: string | null;
  /** A `backup verify` passed (and when). */
  verified: boolean;
  verifiedAt: string | null;
  /** Snapshot folder key inside the store. */
  location: string;
}

export interface Catalog {
  store: Store;
  prefix: string;
  snapshots: Array<SnapshotSummary & { manifest: Manifest }>;
  /**
   * Snapshots in the same folder of another file with this name (`/srv/a/app.sqlite` beside
   * `/srv/b/app.sqlite`; the manifest's `database.path`): not this database's, so not listed, chosen by
   * --latest/--at, pruned or counted for backup age. An explicit ID still finds one (restore refuses it
   * without --to or --force).
   */
  otherFiles: Array<SnapshotSummary & { manifest: Manifest }>;
  /** Folders holding objects but no manifest (a backup that failed or is running), with their newest object time. */
  incomplete: Array<{ id: string; keys: string[]; modified: string }>;
  /** Folders whose manifest is unreadable or invalid, or whose name is not a snapshot id: skipped, never restored. */
  damaged: Array<{ id: string; location: string; reason: string }>;
  /**
   * Set when the store is a folder that does not exist (STORE_NOT_FOUND): the catalog is empty. The
   * commands that read snapshots throw it (requireStore); a health check reports "no snapshot yet".
   */
  missing?: EventdbError;
}

export interface CatalogOptions {
  store?: string;
  env?: NodeJS.ProcessEnv;
}

/** A manifest over the cap: damaged, whatever it holds. */
function tooLarge(where: string, limit: number, size?: number): EventdbError {
  return new EventdbError('CORRUPT_SNAPSHOT', `the manifest ${where} is damaged: larger than ${limit / 1024 / 1024} MiB${size === undefined ? '' : ` (${size} bytes)`}`, 'the snapshot is damaged; use another one (`eventdb backup list`)');
}

/**
 * The store's listing of `prefix`. A folder store that does not exist (the folder a typo names) is
 * `missing`, as a bucket that does not exist is STORE_NOT_FOUND: the commands that read snapshots
 * refuse it (requireStore); the health check reports no snapshot yet (the first backup creates it).
 */
async function listPrefix(store: Store, prefix: string, onMissing: (e: EventdbError) => void): Promise<StoredObject[]> {
  const out: StoredObject[] = [];
  try {
    for await (const o of store.list(prefix)) out.push(o);
  } catch (e) {
    if (!(e instanceof EventdbError && e.code === 'STORE_NOT_FOUND' && STORES[store.kind].url === 'path')) throw e;
    onMissing(e);
  }
  return out;
}

/** Throws STORE_NOT_FOUND when the catalog's folder store does not exist: for commands that read snapshots (list, verify, prune, restore). */
export function requireStore(catalog: Pick<Catalog, 'missing'>): void {
  if (catalog.missing) throw catalog.missing;
}

/** Reads every snapshot of this environment's database in the store, newest first; damaged ones are listed apart. */
export async function readCatalog(config: ResolvedConfig, opts: CatalogOptions = {}): Promise<Catalog> {
  const store = await openStore(opts.store ?? config.store, { cwd: config.cwd, env: opts.env ?? process.env });
  const prefix = databasePrefix(config.environment, config.database.name);
  const legacy = legacyDatabasePrefix(config.environment, config.database.name);
  const snapshots: Catalog['snapshots'] = [];
  const otherFiles: Catalog['otherFiles'] = [];
  const path = fileIdentity(config);
  const incomplete: Catalog['incomplete'] = [];
  const damaged: Catalog['damaged'] = [];
  let missing: EventdbError | undefined;
  const now = Date.now();
  // Folders written before names were escaped injectively are read too, but only the snapshots
  // whose manifest names this environment and database (another name may share the old folder).
  for (const [pre, isLegacy] of [[prefix, false], ...(legacy !== prefix ? [[legacy, true]] : [])] as Array<[string, boolean]>) {
    const folders = new Map<string, StoredObject[]>();
    for (const o of await listPrefix(store, pre, (e) => (missing = e))) {
      if (!o.key.startsWith(pre)) continue;
      const rest = o.key.slice(pre.length);
      const id = rest.split('/')[0];
      if (!id || !rest.includes('/')) continue;
      const list = folders.get(id) ?? [];
      list.push(o);
      folders.set(id, list);
    }
    const read = async (id: string) => {
      const keys = folders.get(id)!;
      if (!isSafeName(id as unknown)) {
        // A folder eventdb cannot have written (`..`, control characters): never used as a path or key.
        if (!isLegacy) damaged.push({ id: id.slice(0, 100), location: `${pre}${id.slice(0, 100)}/`, reason: `the folder name ${describeName(id)} is not a snapshot id` });
        return;
      }
      const listed = new Map(keys.map((k) => [k.key.slice(pre.length + id.length + 1), k]));
      const names = new Set(listed.keys());
      if (!names.has(MANIFEST_NAME)) {
        if (isLegacy) return;
        const newest = keys.reduce((a, k) => (k.modified > a ? k.modified : a), new Date(0));
        incomplete.push({ id, keys: keys.map((k) => k.key), modified: newest.toISOString() });
        return;
      }
      let manifest: Manifest;
      try {
        const where = `${id}/${MANIFEST_NAME}`;
        // Too large by the listing: not read at all; else read up to the cap (the listing may be stale).
        const size = listed.get(MANIFEST_NAME)!.size;
        if (size > MAX_MANIFEST_BYTES) throw tooLarge(where, MAX_MANIFEST_BYTES, size);
        manifest = parseManifest(await readCapped(store, `${pre}${id}/${MANIFEST_NAME}`, MAX_MANIFEST_BYTES, () => tooLarge(where, MAX_MANIFEST_BYTES)), where);
        if (manifest.id !== id) throw new EventdbError('CORRUPT_SNAPSHOT', `the manifest ${id}/${MANIFEST_NAME} names snapshot ${describeName(manifest.id)}`, 'the snapshot was moved or tampered with');
        // A time that disagrees with the id, or lies in the future, is forged: never the newest.
        checkManifestTime(manifest, `${id}/${MANIFEST_NAME}`, now);
      } catch (e) {
        if (!(e instanceof EventdbError) || (e.code !== 'CORRUPT_SNAPSHOT' && e.code !== 'NOT_FOUND')) throw e;
        if (!isLegacy && e.code === 'CORRUPT_SNAPSHOT') damaged.push({ id, location: `${pre}${id}/`, reason: e.message });
        return;
      }
      if (isLegacy && (manifest.database.name !== config.database.name || manifest.environment !== config.environment)) return;
      // Another database's snapshot that an older eventdb wrote into this (then shared) folder: it is
      // listed for its own database, not here. (A manifest naming any other database stays, and
      // restore refuses it.)
      if (!isLegacy && manifest.database.name !== config.database.name && legacyFolderName(manifest.database.name, 'database') === legacyFolderName(config.database.name, 'database')) return;
      let verifiedAt: string | null = null;
      if (names.has(VERIFIED_NAME)) {
        try {
          if (listed.get(VERIFIED_NAME)!.size > MAX_MANIFEST_BYTES) throw new Error('too large');
          const v = JSON.parse(await readCapped(store, `${pre}${id}/${VERIFIED_NAME}`, MAX_MANIFEST_BYTES, () => new Error('too large'))) as { verifiedAt?: unknown; sha256?: unknown };
          // A verification record counts only for the objects it checked.
          if (JSON.stringify(v.sha256) === JSON.stringify(manifest.objects.map((o) => o.sha256)) && typeof v.verifiedAt === 'string') verifiedAt = v.verifiedAt;
        } catch {
          verifiedAt = null;
        }
      }
      (path && manifest.database.path && manifest.database.path !== path ? otherFiles : snapshots).push({
        id,
        createdAt: manifest.createdAt,
        engine: manifest.database.engine,
        database: manifest.database.name,
        environment: manifest.environment,
        tag: manifest.tag,
        size: manifest.objects.reduce((n, o) => n + o.size, 0),
        encrypted: manifest.objects.some((o) => o.encryption),
        migrationHead: manifest.migrations.head,
        verified: verifiedAt !== null,
        verifiedAt,
        location: `${pre}${id}/`,
        manifest,
      });
    };
    const ids = [...folders.keys()].sort().reverse();
    for (let i = 0; i < ids.length; i += 8) await Promise.all(ids.slice(i, i + 8).map(read));
  }
  // By instant, not text (`…05Z` and `…05.120Z` are one second); then by id.
  const newestFirst = (a: SnapshotSummary, b: SnapshotSummary) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
  snapshots.sort(newestFirst);
  otherFiles.sort(newestFirst);
  damaged.sort((a, b) => (a.id < b.id ? 1 : -1));
  return { store, prefix, snapshots, otherFiles, incomplete, damaged, ...(missing ? { missing } : {}) };
}

/**
 * The snapshots in the configured store for this environment and database, newest first: id,
 * created time, size, whether `backup verify` passed. For health checks and dashboards.
 */
export async function listSnapshots(config: ResolvedConfig, opts: CatalogOptions = {}): Promise<SnapshotSummary[]> {
  const c = await readCatalog(config, opts);
  return c.snapshots.map(({ manifest: _m, ...s }) => s);
}

export interface Selector {
  id?: string;
  latest?: boolean;
  /** The newest snapshot taken at or before this time. */
  at?: string;
}

/** The other files' paths whose snapshots share this folder (Catalog.otherFiles), at most three named. */
export function otherFileNames(catalog: Pick<Catalog, 'otherFiles'>): string {
  const paths = [...new Set(catalog.otherFiles.map((s) => s.manifest.database.path!))];
  return `${paths.slice(0, 3).join(', ')}${paths.length > 3 ? `, … (${paths.length})` : ''}`;
}

/** Picks one snapshot: by id (or unique id prefix), the newest, or the newest at or before a time. */
export function selectSnapshot(catalog: Catalog, sel: Selector): Catalog['snapshots'][number] {
  const given = [sel.id !== undefined, !!sel.latest, sel.at !== undefined].filter(Boolean).length;
  if (given !== 1) throw new EventdbError('USAGE', 'name one snapshot: an ID, --latest or --at TIME', 'e.g. eventdb restore --latest (see `eventdb backup list`)');
  requireStore(catalog);
  const where = `${catalog.store.display}/${catalog.prefix}`;
  const bad = catalog.damaged.find((d) => sel.id !== undefined && d.id === sel.id);
  if (bad) throw new EventdbError('CORRUPT_SNAPSHOT', `snapshot ${bad.id} is damaged: ${bad.reason}`, 'use another snapshot (`eventdb backup list`)');
  const skipped = catalog.damaged.length ? ` (${catalog.damaged.length} damaged snapshot(s) skipped: see \`eventdb backup list\`)` : '';
  if (sel.id !== undefined) {
    // Another file's snapshot, named by its ID: found (restore then refuses it without --to or --force).
    const other = catalog.otherFiles.find((x) => x.id === sel.id);
    if (other && !catalog.snapshots.some((x) => x.id.startsWith(sel.id!))) return other;
  }
  if (catalog.snapshots.length === 0) {
    const others = catalog.otherFiles.length ? ` (${catalog.otherFiles.length} of another file with this name: ${otherFileNames(catalog)})` : '';
    throw new EventdbError('NOT_FOUND', `no snapshots in ${where}${others}${skipped}`, others ? 'name one of those by its ID with --to URL (`eventdb backup list --json` lists them under otherFiles), or run `eventdb backup` first' : 'run `eventdb backup` first, or check --store and --env');
  }
  if (sel.latest) return catalog.snapshots[0]!;
  if (sel.at !== undefined) {
    const t = Date.parse(sel.at);
    if (Number.isNaN(t)) throw new EventdbError('USAGE', `--at "${sel.at}" is not a time`, 'use an ISO time such as 2025-01-31T03:00:00Z');
    const s = catalog.snapshots.find((x) => Date.parse(x.createdAt) <= t);
    if (!s) throw new EventdbError('NOT_FOUND', `no snapshot taken at or before ${new Date(t).toISOString()} in ${where}`, 'run `eventdb backup list` to see the oldest one');
    return s;
  }
  const exact = catalog.snapshots.find((x) => x.id === sel.id);
  if (exact) return exact;
  const prefixed = catalog.snapshots.filter((x) => x.id.startsWith(sel.id!));
  if (prefixed.length === 1) return prefixed[0]!;
  if (prefixed.length > 1) throw new EventdbError('USAGE', `snapshot id "${sel.id}" is ambiguous (${prefixed.length} match)`, 'give more of the id (see `eventdb backup list`)');
  throw new EventdbError('NOT_FOUND', `no snapshot ${describeName(sel.id)} in ${where}${skipped}`, 'run `eventdb backup list` to see the snapshots');
}
