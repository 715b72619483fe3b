import type { PGlite, PGliteOptions } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { readdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResolvedConfig } from '../../config/index.js';
import { EventdbError, messageOf } from '../../errors.js';
import { capabilities as serverCapabilities } from '../postgres/capabilities.js';
import { introspectPostgres } from '../postgres/introspect.js';
import { PG_SESSION_RESET } from '../postgres/session-reset.js';
import type { Capabilities, Connection, ConnectOptions, Dialect } from '../types.js';
import { bulkInsertPglite } from './bulk-insert.js';
import { checkDataDir, holdDataDir, type DataDirState } from './data-dir.js';
import { bundledAmong, extensionOptions } from './extensions.js';
import { readCachedImage, writeCachedImage } from './image-cache.js';
import { PgliteKyselyDialect } from './kysely-driver.js';
import { PgliteLocks } from './lock.js';
import { typeParsers } from './parsers.js';
import { PgliteSession } from './session.js';
import { formatVersion, libraryVersion, parseVersionString, pgliteRoot } from './version.js';
import { postgresMigrationMembers } from '../postgres/migration-members.js'; // migrations and seed
// core operations: health, risk sizes, capture — the same SQL as the server's
import { postgresFunctionVolatility } from '../postgres/function-volatility.js';
import { postgresTableSizes } from '../postgres/table-sizes.js';
import { postgresVitals } from '../postgres/vitals.js';
import { mark } from '../../trace.js';

/**
 * PGlite is the postgres dialect — PostgreSQL compiled to WASM, running in this process. Same SQL,
 * introspection and advisory-lock keys as the server. One difference: it is one backend in one
 * process, so it does not take concurrent writers from other processes.
 */
export const capabilities: Readonly<Capabilities> = Object.freeze({ ...serverCapabilities, concurrentWriters: false });

/** A PGlite connection: the postgres dialect's Connection, plus the instance for COPY via /dev/blob. */
export interface PgliteConnection extends Connection {
  readonly driver: 'pglite';
  /** Runs `fn` with the instance to itself (no other statement interleaves). */
  exclusive<T>(fn: (lite: PGlite) => Promise<T>): Promise<T>;
  /** Takes the instance to itself until `release()` (a dump spanning a stream's lifetime). */
  hold(): Promise<{ lite: PGlite; release(): void }>;
  loadExtensions(names: readonly string[]): Promise<void>;
}

/**
 * PGlite's compiled WASM module and its file-system bundle, loaded once per process: every further
 * instance (a second directory, a reopen, each `pglite::memory:`) skips the compile and the read.
 */
let assets: Promise<Pick<PGliteOptions, 'pgliteWasmModule' | 'fsBundle'>> | undefined;
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<PGliteOptions['pgliteWasmModule']> } }).WebAssembly;
function loadAssets() {
  assets ??= (async () => {
    try {
      const dist = join(pgliteRoot(), 'dist');
      const [code, data] = await Promise.all([readFile(join(dist, 'pglite.wasm')), readFile(join(dist, 'pglite.data'))]);
      return { pgliteWasmModule: await wasm.compile(code), fsBundle: new Blob([data]) };
    } catch {
      return {}; // an unexpected package layout: PGlite loads its own assets
    }
  })();
  return assets;
}

/**
 * A new database's data directory as initdb leaves it (a tar, uncompressed): for this process, the one
 * it took itself, else the per-user cache (image-cache.ts). A new in-memory database or data directory
 * is loaded from it instead of running initdb again (`migrate diff`'s scratch databases, validate's
 * drift check, `migrate up` on a new `pglite:` folder: on this machine 1.4 s instead of 3.6 s for a new
 * folder at load 6). Without one, initdb runs and its result is dumped before its first use, kept for
 * this process and written to the cache.
 */
let pristine: Promise<Blob | undefined> | undefined;

/**
 * `fresh`: what is there — an in-memory database, or a data directory's state (`missing`, `empty`: no
 * database yet). `bundles`: the contrib extensions to load (extensions.ts); for an existing database
 * those it has installed (pg_extension) are added to it, so that their types and functions work. `from`:
 * a data directory image to start from (a reload of an in-memory database).
 */
async function boot(dataDir: string, fresh: DataDirState | 'memory', bundles: Set<string>, from?: Blob): Promise<PGlite> {
  const [{ PGlite }, cachedAssets] = await Promise.all([import('@electric-sql/pglite'), loadAssets()]);
  const base = async () => ({ parsers: typeParsers(), ...cachedAssets, extensions: await extensionOptions(bundles) });
  try {
    if (fresh === 'database') {
      const lite = await PGlite.create(dataDir, await base());
      const installed = await lite.query<{ n: string }>('select extname as n from pg_catalog.pg_extension');
      const missing = bundledAmong(installed.rows.map((r) => r.n)).filter((n) => !bundles.has(n));
      if (!missing.length) return lite;
      // Its extensions' libraries are in bundles PGlite unpacks only when it starts: again, with them.
      await lite.close();
      for (const n of missing) bundles.add(n);
      mark('pglite restarted with its extensions');
      return await PGlite.create(dataDir, await base());
    }
    if (from) return await PGlite.create(dataDir, { ...(await base()), loadDataDir: from });
    pristine ??= readCachedImage();
    const image = await pristine;
    if (image) {
      const lite = await PGlite.create(dataDir, { ...(await base()), loadDataDir: image }).catch(() => undefined);
      if (lite) {
        mark('pglite started from the image');
        return lite;
      }
      pristine = Promise.resolve(undefined); // initdb, and a new image in its place
      if (fresh !== 'memory') clearNew(dataDir, fresh);
    }
    const lite = await PGlite.create(dataDir, await base());
    mark('pglite initdb');
    if (!(await pristine)) {
      pristine = lite.dumpDataDir('none').then(
        (b) => b as Blob,
        () => undefined, // no image: later databases run initdb, as before
      );
      const taken = await pristine;
      if (taken) await writeCachedImage(taken);
    }
    return lite;
  } catch (e) {
    throw new EventdbError('CONNECT', `cannot open PGlite ${dataDir === 'memory://' ? 'in-memory database' : `data directory ${dataDir}`}: ${messageOf(e)}`, 'check the directory and its permissions; a directory another PostgreSQL build wrote cannot be opened', { cause: e });
  }
}

/** After a failed load from the image: what it wrote into a directory that was missing or empty before (all of it this run's). */
function clearNew(dataDir: string, was: DataDirState): void {
  if (was === 'missing') rmSync(dataDir, { recursive: true, force: true });
  else for (const f of readdirSync(dataDir)) rmSync(join(dataDir, f), { recursive: true, force: true });
}

/**
 * One booted PGlite per data directory per process. PGlite is one backend: two Connections to the
 * same directory in one process share it (and its session queue and named locks) rather than
 * boot it twice — which the directory lock would refuse anyway. The last close shuts it down and
 * releases the directory. Each `pglite::memory:` connection is its own database.
 */
interface Shared {
  refs: number;
  session: PgliteSession;
  locks: PgliteLocks;
  booted(): boolean;
  /** Connection.loadExtensions: starts the instance again with the bundles of `names` it lacks. */
  loadExtensions(names: readonly string[]): Promise<void>;
  shutdown(): Promise<void>;
}
const shared = new Map<string, Shared>();

function share(path: string, memory: boolean, waitMs: number): Shared {
  const existing = memory ? undefined : shared.get(path);
  if (existing) {
    existing.refs++;
    return existing;
  }
  let instance: Promise<PGlite> | undefined;
  let release: (() => Promise<void>) | undefined;
  let closed = false;
  const bundles = new Set<string>();
  const open = (): Promise<PGlite> => {
    if (closed) return Promise.reject(new EventdbError('CLOSED', 'the PGlite connection is closed', 'open a new connection'));
    instance ??= (async () => {
      if (!memory) release = await holdDataDir(path, waitMs);
      try {
        const state = memory ? 'memory' : checkDataDir(path); // again, now that no other process can be creating it
        return await boot(path, state, bundles);
      } catch (e) {
        await release?.();
        release = undefined;
        throw e;
      }
    })().catch((e: unknown) => {
      instance = undefined; // a later call tries again
      throw e;
    });
    return instance;
  };
  const session = new PgliteSession(open);
  const locks = new PgliteLocks(session, memory ? 'the in-memory PGlite database' : path);
  const entry: Shared = {
    refs: 1,
    session,
    locks,
    booted: () => instance !== undefined,
    async loadExtensions(names) {
      const lacking = bundledAmong(names).filter((n) => !bundles.has(n));
      if (!lacking.length) return;
      // With the session to itself, outside any transaction: nothing is lost but the backend's state,
      // and the named locks' advisory locks (the locks themselves are this process's queues) are taken again.
      await session.acquire();
      try {
        if (session.inTransaction) throw new EventdbError('INTERNAL', 'cannot load PGlite extensions inside a transaction', 'this is a bug in eventdb: please report it');
        const old = await open();
        const image = memory ? ((await old.dumpDataDir('none')) as Blob) : undefined;
        await old.close();
        for (const n of lacking) bundles.add(n);
        instance = boot(path, memory ? 'memory' : 'database', bundles, image).catch((e: unknown) => {
          instance = undefined;
          throw e;
        });
        const lite = await instance;
        mark('pglite restarted with extensions');
        await locks.retake(lite);
      } finally {
        session.release();
      }
    },
    async shutdown() {
      closed = true;
      if (!memory) shared.delete(path);
      try {
        if (instance) await (await instance.catch(() => undefined))?.close();
      } finally {
        await release?.();
      }
    },
  };
  if (!memory) shared.set(path, entry);
  return entry;
}

export async function connectPglite(config: ResolvedConfig, opts: ConnectOptions = {}): Promise<PgliteConnection> {
  const target = config.database;
  const memory = target.memory;
  const path = memory ? 'memory://' : target.path!;
  if (!memory && checkDataDir(path) !== 'database' && opts.readOnly && !shared.has(path)) {
    throw new EventdbError('DB_NOT_FOUND', `PGlite data directory ${path} does not exist`, 'run `eventdb migrate up` to create it');
  }
  const entry = share(path, memory, opts.lockWaitMs ?? config.connectTimeoutMs);
  const { session, locks } = entry;
  // Read-only connections (`eventdb info`) boot on first query: the version needs no boot.
  if (!opts.readOnly) {
    try {
      await session.instance();
    } catch (e) {
      if (--entry.refs === 0) await entry.shutdown();
      throw e;
    }
  }
  const db = new Kysely<any>({ dialect: new PgliteKyselyDialect(session) });
  let closed = false;
  // PGlite takes no connection options, so the session's schema at start is always `public`
  // (read without a query: connecting must not wait for a session another connection holds).
  const ownSchema = 'public';
  return {
    engine: 'postgres',
    driver: 'pglite',
    target,
    capabilities,
    db,
    ownSchema,
    sessionReset: PG_SESSION_RESET,
    async ping() {
      const t = performance.now();
      await session.run((lite) => lite.query('select 1'));
      return performance.now() - t;
    },
    async serverVersion() {
      if (!entry.booted()) return formatVersion(libraryVersion());
      const r = await session.run((lite) => lite.query<{ v: string }>('select version() as v'));
      const v = parseVersionString(r.rows[0]?.v ?? '');
      return v ? formatVersion(v) : (r.rows[0]?.v ?? 'PGlite');
    },
    withLock: (name, lockOpts, fn) => locks.withLock(name, lockOpts, fn),
    lockStatus: (name) => locks.status(name),
    introspect: () => introspectPostgres(db),
    bulkInsert: (table, columns, rows, opts) => bulkInsertPglite(session, table, columns, rows, opts),
    ...postgresMigrationMembers(db), // migrations and seed
    // --- core operations: health, risk sizes, capture ---
    tableSizes: () => postgresTableSizes(db),
    vitals: (o) => postgresVitals(db, o),
    functionVolatility: (names) => postgresFunctionVolatility(db, names),
    exclusive: (fn) => session.run(fn),
    loadExtensions: (names) => entry.loadExtensions(names),
    async hold() {
      await session.acquire();
      const lite = await session.instance().catch((e: unknown) => {
        session.release();
        throw e;
      });
      let done = false;
      return {
        lite,
        release() {
          if (!done) session.release();
          done = true;
        },
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
      if (--entry.refs === 0) await entry.shutdown();
    },
  };
}

export const pgliteDialect: Dialect = {
  engine: 'postgres',
  capabilities,
  connect: (config, opts) => connectPglite(config, opts),
  async exists(config) {
    return config.database.memory || checkDataDir(config.database.path!) === 'database';
  },
};
