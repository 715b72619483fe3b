import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { ResolvedConfig } from '../config/index.js';
import { getSnapshotEngine, isServer, openConnection, storageOf, type Connection } from '../dialects/index.js';
import { EventdbError, messageOf } from '../errors.js';
import { VERSION } from '../version.js';
import { checkKeys, compressionSuffix, compressor, defaultCompression, encryptionFor, encryptStream, keysFromEnv, meter, parseCompression, type Compression } from './codec.js';
import { databasePrefix, fileIdentity, MANIFEST_FORMAT, MANIFEST_NAME, MAX_MANIFEST_BYTES, newSnapshotId, type Manifest } from './manifest.js';
import type { readMigrationHead } from './migration-head.js';
import { checkTag } from './names.js';
import { openStore, parseStoreUrl } from './stores/index.js';
import { makeTempDir, removeTempDir } from './temp-dirs.js';
import { mark } from '../trace.js';

export interface BackupOptions {
  /** Store URL; default: the configured store (EVENTDB_STORE, config file, file:./backups). */
  store?: string;
  tag?: string;
  /** age recipients to encrypt to (also EVENTDB_BACKUP_RECIPIENTS; EVENTDB_BACKUP_PASSPHRASE for a passphrase). */
  encryptTo?: string[];
  /** zstd, gzip or none; default EVENTDB_BACKUP_COMPRESS, else zstd where the runtime has it, else gzip. */
  compress?: Compression;
  env?: NodeJS.ProcessEnv;
  /** Called with bytes read from the database's copy so far, and its size when known (file engines). */
  onProgress?: (rawBytes: number, total?: number) => void;
}

export interface BackupResult {
  id: string;
  store: string;
  /** Key of the snapshot folder inside the store. */
  location: string;
  engine: string;
  database: string;
  createdAt: string;
  /** Bytes stored. */
  size: number;
  /** Bytes of the engine's raw copy. */
  rawSize: number;
  durationMs: number;
  /** Raw bytes per second. */
  rate: number;
  tables: Record<string, number>;
  migrationHead: string | null;
  encrypted: boolean;
  compression: Compression;
  tool: string;
  notes: string[];
}

/**
 * Takes one snapshot: consistent copy → zstd or gzip → (age) → store, then `manifest.json` last. Without the
 * manifest there is no snapshot: a failure at any point leaves nothing `backup list` shows, and the
 * partial objects are removed when possible.
 */
export async function createBackup(config: ResolvedConfig, opts: BackupOptions = {}): Promise<BackupResult> {
  const env = opts.env ?? process.env;
  // A database eventdb opens itself must exist: opening it would create an empty one to back up.
  if (storageOf(config.database) === 'file' && !config.database.memory && !existsSync(config.database.path!)) {
    throw new EventdbError('DB_NOT_FOUND', `database file ${config.database.path} does not exist`, 'check --url / DATABASE_URL; nothing to back up');
  }
  const tag = checkTag(opts.tag, 'the tag');
  const keys = keysFromEnv(env, { recipients: opts.encryptTo });
  await checkKeys(keys);
  const encryption = encryptionFor(keys);
  // A malformed store URL is refused before anything opens (the store itself opens later, below).
  const storeUrl = parseStoreUrl(opts.store ?? config.store, config.cwd);
  // Checked before anything is opened: zstd on a runtime without it is refused here, naming the version.
  const compression = opts.compress ? parseCompression(opts.compress, '--compress') : env.EVENTDB_BACKUP_COMPRESS ? parseCompression(env.EVENTDB_BACKUP_COMPRESS, 'EVENTDB_BACKUP_COMPRESS') : defaultCompression();
  // The snapshot engine's modules, the connection and the scratch folder are made at once, not one
  // after the other (#18 fixed cost), and the store beside them (below); their errors, if any, surface
  // where they did before.
  const loadingEngine = getSnapshotEngine(config.database.engine, config.database.driver);
  loadingEngine.catch(() => undefined);
  // A server's connection opens once its dump has started (below); a file is opened only once the
  // store is known to open.
  const making = makeTempDir('backup', env);
  making.catch(() => undefined);
  let conn: Awaited<ReturnType<typeof openConnection>> | undefined;
  let tmp: string | undefined;
  // The store's module (for s3/r2 the AWS SDK: ~0.1–0.2 s of loading on this thread) loads while a
  // server's pg_dump starts (#18), once the dump is under way, not before it: its data waits in
  // pg_dump's pipe until the store takes it. A file engine's copy is taken only once the store is
  // known to open. Either way a store that cannot open is the error reported.
  let openStoreNow!: () => void;
  const storeOpening = new Promise<void>((resolve) => (openStoreNow = resolve)).then(() => openStore(storeUrl, { cwd: config.cwd, env }));
  storeOpening.catch(() => undefined);
  let store: Awaited<typeof storeOpening> | undefined;
  const storeFailure = () => {
    openStoreNow();
    return storeOpening.then(() => undefined, (e: unknown) => e);
  };
  if (!isServer(config.database)) openStoreNow();
  const engine = await (isServer(config.database) ? loadingEngine : storeOpening.then(() => loadingEngine)).catch(async (e: unknown) => {
    await closeAll(undefined, making);
    throw (await storeFailure()) ?? e;
  });
  mark('snapshot engine loaded');
  const started = Date.now();
  const createdAt = new Date(started);
  const id = newSnapshotId(createdAt);
  const folder = `${databasePrefix(config.environment, config.database.name)}${id}/`;
  const written: string[] = [];
  // A server's connection, once opened (it may still be opening when the backup fails).
  let connecting: Promise<Connection> | undefined;
  try {
    tmp = await making;
    const snapshotOpts = { tmpDir: tmp!, pgDump: env.EVENTDB_PG_DUMP === 'never' ? 'never' : 'auto' } as const;
    let serverVersion: string;
    let migrations: Awaited<ReturnType<typeof readMigrationHead>>;
    let source: Awaited<ReturnType<typeof engine.snapshot>>;
    if (isServer(config.database)) {
      // A server's dump runs in its own session (and pg_dump in its own process). PostgreSQL's reads the
      // version and migration head in that session too (readsHead): then no connection of the core's
      // opens at all — no Kysely, no second session (#18 fixed cost). Otherwise the connection opens
      // once the dump has started, and they are read on it while the dump runs. A dump that cannot
      // start opens no connection.
      let opened!: (c: Promise<Connection> | undefined) => void;
      const opening = new Promise<Promise<Connection> | undefined>((resolve) => (opened = resolve));
      let headInSession = false;
      const connect = () => {
        connecting ??= openConnection(config);
        connecting.catch(() => undefined);
        return connecting;
      };
      const open = (readsHead?: boolean) => {
        openStoreNow();
        if (connecting || headInSession) return;
        if (readsHead) headInSession = true;
        opened(readsHead ? undefined : connect());
      };
      const snapshotting = engine.snapshotOwnSession ? engine.snapshotOwnSession(config, { ...snapshotOpts, onStarted: open }) : (open(), connecting!.then((c) => engine.snapshot(c, config, snapshotOpts)));
      snapshotting.then(() => open(), () => openStoreNow());
      const reading = (async () => {
        const viaCore = await opening;
        if (!viaCore) {
          // The engine read them in its session; should that read have failed, the core reads them.
          const s = await snapshotting;
          if (s.head) {
            mark('migration head read in the dump session');
            return [s.head.serverVersion, s.head.migrations] as const;
          }
        }
        const c = await (viaCore ?? connect());
        const { readMigrationHead } = await import('./migration-head.js');
        const version = await c.serverVersion();
        mark('connection opened, server version read');
        const head = await readMigrationHead(c);
        mark('migration head read');
        return [version, head] as const;
      })();
      reading.catch(() => undefined);
      source = await snapshotting;
      mark('dump streaming'); // on failure, a connection opened meanwhile is closed in `finally`
      const dump = source.stream as Readable;
      // Until the stages below listen to it, a dump that fails meanwhile is held here: not an
      // unhandled 'error' event, nor a destroyed stream piped into them later.
      let failed: unknown;
      const hold = (e: unknown) => void (failed ??= e);
      dump.on('error', hold);
      try {
        [serverVersion, migrations] = await reading;
        conn = connecting ? await connecting : undefined;
        if (failed !== undefined || dump.errored) throw failed ?? dump.errored;
      } catch (e) {
        dump.on('error', () => undefined);
        dump.destroy();
        await source.cleanup();
        throw e;
      } finally {
        dump.off('error', hold);
      }
    } else {
      conn ??= await openConnection(config);
      const { readMigrationHead } = await import('./migration-head.js');
      serverVersion = await conn.serverVersion();
      migrations = await readMigrationHead(conn);
      source = await engine.snapshot(conn, config, snapshotOpts);
    }
    let manifest: Manifest;
    try {
      store = await storeOpening.catch((e: unknown) => {
        (source.stream as Readable).destroy();
        throw e;
      });
      mark('store opened');
      const name = `data${source.extension}${compressionSuffix(compression)}${encryption ? '.age' : ''}`;
      const raw = meter({ hash: false });
      let rawTimer: NodeJS.Timeout | undefined;
      if (opts.onProgress) rawTimer = setInterval(() => opts.onProgress!(raw.bytes(), source.size), 250);
      const src = source.stream as Readable;
      src.on('error', (e) => raw.destroy(e));
      const compressed: Readable = src.pipe(raw).pipe(compressor({ codec: compression }));
      raw.on('error', (e) => compressed.destroy(e));
      let body: Readable = compressed;
      if (encryption) {
        body = await encryptStream(compressed, keys);
        compressed.on('error', (e) => body.destroy(e));
      }
      // A stage's error reaches store.put through the destroy chain above. Once the put has failed
      // nobody reads the stages, and a later error of theirs (the dump noticing it was cut off) must
      // not crash the process as an unhandled 'error' event.
      const ignore = () => undefined;
      for (const stage of [src, raw, compressed, body]) stage.on('error', ignore);
      written.push(`${folder}${name}`);
      let put;
      try {
        put = await store.put(`${folder}${name}`, body);
        mark('dump stored');
      } catch (e) {
        src.destroy();
        throw e;
      } finally {
        if (rawTimer) clearInterval(rawTimer);
      }
      opts.onProgress?.(raw.bytes(), source.size);
      // Row counts may still be coming (counted while the copy was compressed).
      await source.settled;
      mark('rows counted');
      manifest = {
        format: MANIFEST_FORMAT,
        id,
        createdAt: createdAt.toISOString(),
        completedAt: new Date().toISOString(),
        environment: config.environment,
        tag: tag ?? null,
        eventdbVersion: VERSION,
        database: { engine: config.database.engine, name: config.database.name, serverVersion, ...(fileIdentity(config) ? { path: fileIdentity(config) } : {}) },
        dataFormat: source.format,
        tool: source.tool,
        migrations,
        tables: source.tables,
        objects: [{ name, size: put.size, sha256: put.sha256, rawSize: raw.bytes(), compression, encryption }],
        notes: source.notes,
      };
    } catch (e) {
      await source.cleanup();
      throw e;
    }
    // The commit point. The dump's session ends meanwhile (its data is in the store already).
    const ending = source.cleanup();
    const text = Buffer.from(JSON.stringify(manifest, null, 2));
    // A manifest over the cap would be read back as damaged: fail now, loudly, instead.
    if (text.length > MAX_MANIFEST_BYTES) {
      await ending;
      throw new EventdbError('BACKUP_FAILED', `backup failed: the manifest would be ${text.length} bytes, over the ${MAX_MANIFEST_BYTES / 1024 / 1024} MiB a manifest may have (${Object.keys(manifest.tables).length} tables, ${manifest.migrations.applied.length} applied migrations)`, 'no snapshot was written; report this with the table and migration counts');
    }
    await Promise.all([store.put(`${folder}${MANIFEST_NAME}`, Readable.from([text]), { contentType: 'application/json' }), ending]);
    mark('manifest stored, dump session ended');
    const durationMs = Date.now() - started;
    const o = manifest.objects[0]!;
    return {
      id,
      store: store.display,
      location: folder,
      engine: config.database.engine,
      database: config.database.name,
      createdAt: manifest.createdAt,
      size: o.size,
      rawSize: o.rawSize,
      durationMs,
      rate: durationMs > 0 ? Math.round((o.rawSize / durationMs) * 1000) : 0,
      tables: manifest.tables,
      migrationHead: migrations.head,
      encrypted: !!encryption,
      compression,
      tool: manifest.tool,
      notes: manifest.notes,
    };
  } catch (err) {
    await store?.delete(written).catch(() => undefined);
    // A store that could not open is the error, whatever the dump did meanwhile (it was stopped).
    const e = (await storeFailure()) ?? err;
    if (e instanceof EventdbError) throw e;
    throw new EventdbError('BACKUP_FAILED', `backup failed: ${messageOf(e)}`, 'no snapshot was written; check the message and retry', { cause: e });
  } finally {
    await Promise.all([(connecting ?? Promise.resolve(conn)).then((c) => c?.close()).catch(() => undefined), tmp ? removeTempDir(tmp) : undefined]);
  }
}

/** Closes what a failed start had already opened (the connection, the scratch folder). */
async function closeAll(connecting: Promise<{ close(): Promise<void> }> | undefined, making: Promise<string>): Promise<void> {
  await Promise.all([
    connecting?.then((c) => c.close()).catch(() => undefined),
    making.then(removeTempDir).catch(() => undefined),
  ]);
}
