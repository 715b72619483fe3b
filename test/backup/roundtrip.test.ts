import { readFileSync, writeFileSync, truncateSync, statSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { createBackup, listSnapshots, restoreSnapshot, verifySnapshot } from '../../src/backup/index.js';
import { readCatalog } from '../../src/backup/catalog.js';
import { defaultCompression } from '../../src/backup/codec.js';
import { EventdbError } from '../../src/errors.js';
import { describeEngines, pgAdminUrl } from '../helpers/engines.js';
import { dataObject, dropPgDatabases, execSql, fileState, fingerprint, pgDatabases, preRestoreFiles, seedItems } from './helpers.js';

let n = 0;
const newStore = (dir: string) => {
  const p = join(dir, `store-${++n}`);
  return { url: `file:${p}`, path: p };
};

async function expectCode(p: Promise<unknown>, code: string, message: RegExp): Promise<EventdbError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EventdbError);
  expect((e as EventdbError).code).toBe(code);
  expect((e as EventdbError).message).toMatch(message);
  expect((e as EventdbError).message).not.toContain('\n');
  return e as EventdbError;
}

describeEngines('backup and restore', (fx) => {
  /** A snapshot of the target's current state, to assert "unchanged". */
  const targetState = async () => {
    const cfg = await fx.config();
    if (fx.engine === 'postgres') return { data: await fingerprint(cfg), dbs: await pgDatabases(pgAdminUrl(), cfg.database.name) };
    return { file: fileState(cfg.database.path!), pre: preRestoreFiles(cfg.database.path!) };
  };
  const cleanupPg = async () => {
    if (fx.engine !== 'postgres') return;
    const cfg = await fx.config();
    const extra = (await pgDatabases(pgAdminUrl(), cfg.database.name)).filter((d) => d !== cfg.database.name);
    await dropPgDatabases(pgAdminUrl(), extra);
  };

  it('backs up, lists, verifies and restores exactly the data of the snapshot', async () => {
    const cfg = await fx.config();
    const store = newStore(fx.dir());
    await seedItems(cfg, 450);
    const before = await fingerprint(cfg);
    const b = await createBackup(cfg, { store: store.url, tag: 'nightly', env: {} });
    expect(b.tables.items).toBe(450);
    expect(b.size).toBeGreaterThan(0);
    expect(b.location).toBe(`development/${cfg.database.name}/${b.id}/`);

    const manifest = JSON.parse(readFileSync(join(store.path, b.location, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'eventdb-snapshot/1', id: b.id, environment: 'development', tag: 'nightly', database: { engine: fx.engine, name: cfg.database.name }, tables: { items: 450 }, migrations: { head: null } });
    expect(manifest.objects).toHaveLength(1);
    // zstd where the runtime has it (Node ≥ 22.15), else gzip.
    expect(manifest.objects[0]).toMatchObject({ compression: defaultCompression(), encryption: null });
    expect(manifest.objects[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.database.serverVersion).toMatch(fx.engine === 'postgres' ? /PostgreSQL/ : fx.engine === 'sqlite' ? /SQLite/ : /DuckDB/);

    let list = await listSnapshots(cfg, { store: store.url, env: {} });
    expect(list.map((s) => [s.id, s.verified])).toEqual([[b.id, false]]);
    const v = await verifySnapshot(cfg, { latest: true, store: store.url, env: {} });
    expect(v.tables.items).toBe(450);
    list = await listSnapshots(cfg, { store: store.url, env: {} });
    expect(list[0]!.verified).toBe(true);

    await execSql(cfg, 'delete from items where id > 100');
    await execSql(cfg, "update items set name = 'changed' where id = 1");
    expect((await fingerprint(cfg)).rows).toBe(100);

    const r = await restoreSnapshot(cfg, { id: b.id, store: store.url, env: {}, keep: true });
    expect(r.restored).toBe(true);
    expect(r.tables.items).toBe(450);
    expect(await fingerprint(cfg)).toEqual(before);
    if (fx.variant === 'pglite') {
      // PGlite keeps the whole old data directory as a tarball beside it, holding the data as it was.
      expect(r.previous).toMatch(/\.pre-restore-[^/]+\.tar\.gz$/);
      const { PGlite } = await import('@electric-sql/pglite');
      const old = await PGlite.create({ loadDataDir: new Blob([readFileSync(r.previous!)]) });
      expect((await old.query('select count(*)::int as n from items')).rows).toEqual([{ n: 100 }]);
      await old.close();
    } else if (fx.engine === 'postgres') {
      expect(r.previous).toMatch(new RegExp(`^${cfg.database.name.slice(0, 30)}_pre_restore_`));
      expect(await pgDatabases(pgAdminUrl(), r.previous!)).toEqual([r.previous]);
      await cleanupPg();
    } else {
      expect(r.previous).toBe(`${cfg.database.path}.pre-restore-${r.previous!.split('.pre-restore-')[1]}`);
      // The kept file holds the data as it was before the restore.
      const kept = await resolveConfig({ flags: { url: `${fx.engine}:${r.previous}` }, env: {} });
      expect((await fingerprint(kept)).rows).toBe(100);
    }
  });

  it('--if-newer restores into a missing target, and leaves a target with newer data alone', async () => {
    const cfg = await fx.config();
    const store = newStore(fx.dir());
    await seedItems(cfg, 50);
    await createBackup(cfg, { store: store.url, env: {} });
    await new Promise((r) => setTimeout(r, 20));
    await seedItems(cfg, 5, 1000);
    const state = await targetState();
    const skipped = await restoreSnapshot(cfg, { latest: true, ifNewer: true, store: store.url, env: {} });
    if (fx.engine === 'postgres') {
      // Without track_commit_timestamp the data's age is unknown: a target with data is never overwritten.
      expect(skipped.restored).toBe(false);
      expect(skipped.reason).toMatch(/newer|cannot be told/);
    } else {
      expect(skipped.restored).toBe(false);
      expect(skipped.reason).toMatch(/is newer than snapshot/);
    }
    expect(await targetState()).toEqual(state);

    const to = fx.engine === 'postgres' ? `${fx.url().replace(/\/[^/]*$/, '')}/${cfg.database.name}_ifnewer` : `${fx.engine}:${join(fx.dir(), `ifnewer-${n}.${fx.engine}`)}`;
    const r = await restoreSnapshot(cfg, { latest: true, ifNewer: true, to, store: store.url, env: {} });
    expect(r.restored).toBe(true);
    expect(r.notes.join(' ')).toMatch(/missing/);
    const toCfg = await resolveConfig({ flags: { url: to }, env: {} });
    expect((await fingerprint(toCfg)).rows).toBe(50);
    if (fx.engine === 'postgres') await dropPgDatabases(pgAdminUrl(), [toCfg.database.name]);
  });

  for (const damage of ['corrupted', 'truncated'] as const) {
    it(`a ${damage} object fails verify and restore, and the target stays unchanged`, async () => {
      const cfg = await fx.config();
      const store = newStore(fx.dir());
      await seedItems(cfg, 300);
      await createBackup(cfg, { store: store.url, env: {} });
      await execSql(cfg, 'delete from items where id > 10');
      const obj = dataObject(store.path);
      if (damage === 'corrupted') {
        const buf = readFileSync(obj);
        const at = Math.floor(buf.length / 2);
        buf.writeUInt8(buf.readUInt8(at) ^ 0xff, at);
        writeFileSync(obj, buf);
      } else {
        truncateSync(obj, Math.floor(statSync(obj).size / 2));
      }
      const state = await targetState();
      await expectCode(verifySnapshot(cfg, { latest: true, store: store.url, env: {} }), 'CORRUPT_SNAPSHOT', /data\..*(damaged|does not match)/);
      const e = await expectCode(restoreSnapshot(cfg, { latest: true, store: store.url, env: {} }), 'CORRUPT_SNAPSHOT', /data\./);
      expect(e.exitCode).toBe(1);
      expect(await targetState()).toEqual(state);
      expect((await listSnapshots(cfg, { store: store.url, env: {} }))[0]!.verified).toBe(false);
    });
  }

  it('encrypts with age; the right identity restores, a wrong one fails with the target unchanged', async () => {
    const { generateIdentity, identityToRecipient } = await import('age-encryption');
    const identity = await generateIdentity();
    const other = await generateIdentity();
    const recipient = await identityToRecipient(identity);
    const cfg = await fx.config();
    const store = newStore(fx.dir());
    await seedItems(cfg, 120);
    const b = await createBackup(cfg, { store: store.url, encryptTo: [recipient], env: {} });
    expect(b.encrypted).toBe(true);
    const manifestText = readFileSync(join(store.path, b.location, 'manifest.json'), 'utf8');
    expect(manifestText).not.toContain(recipient);
    expect(manifestText).not.toContain(identity);
    expect(JSON.parse(manifestText).objects[0].encryption).toEqual({ scheme: 'age', mode: 'recipients', recipients: 1 });
    // The stored object is not a gzip stream any more: it is an age file.
    expect(readFileSync(dataObject(store.path)).subarray(0, 21).toString()).toBe('age-encryption.org/v1');

    await execSql(cfg, 'delete from items');
    const state = await targetState();
    await expectCode(restoreSnapshot(cfg, { latest: true, store: store.url, env: { EVENTDB_AGE_IDENTITY: other } }), 'DECRYPT_FAILED', /decrypt/);
    await expectCode(restoreSnapshot(cfg, { latest: true, store: store.url, env: {} }), 'DECRYPT_FAILED', /no identity/);
    expect(await targetState()).toEqual(state);

    const r = await restoreSnapshot(cfg, { latest: true, store: store.url, keep: false, env: { EVENTDB_AGE_IDENTITY: identity } });
    expect(r.restored).toBe(true);
    expect((await fingerprint(cfg)).rows).toBe(120);
    await cleanupPg();
  });

  it('refuses a snapshot whose migration head this code does not know, unless --force', async () => {
    const migrations = join(fx.dir(), `migrations-${++n}`);
    mkdirSync(migrations);
    writeFileSync(join(migrations, '0001_init.ts'), 'export {}');
    const cfg = await resolveConfig({ flags: { url: fx.url(), migrations }, env: {}, cwd: fx.dir() });
    const store = newStore(fx.dir());
    await seedItems(cfg, 10);
    await execSql(cfg, 'create table eventdb_migrations (id varchar(200) primary key, checksum varchar(64), applied_at varchar(40))');
    await execSql(cfg, "insert into eventdb_migrations values ('0001_init', 'abc', '2025-01-01T00:00:00Z'), ('0002_future', 'def', '2025-01-02T00:00:00Z')");
    const b = await createBackup(cfg, { store: store.url, env: {} });
    expect(b.migrationHead).toBe('0002_future');
    await execSql(cfg, 'delete from items');
    const state = await targetState();
    const e = await expectCode(restoreSnapshot(cfg, { latest: true, store: store.url, env: {} }), 'RESTORE_REFUSED', /migration "0002_future", which this code does not know/);
    expect(e.exitCode).toBe(5);
    expect(await targetState()).toEqual(state);
    const r = await restoreSnapshot(cfg, { latest: true, store: store.url, force: true, keep: false, env: {} });
    expect(r.restored).toBe(true);
    expect(r.notes.join(' ')).toMatch(/--force/);
    expect((await fingerprint(cfg)).rows).toBe(10);
    await cleanupPg();
  });

  it('refuses a snapshot of another engine and keeps environments apart', async () => {
    const cfg = await fx.config();
    const store = newStore(fx.dir());
    await seedItems(cfg, 5);
    await createBackup(cfg, { store: store.url, env: {} });
    const otherEngine = fx.engine === 'sqlite' ? 'duckdb' : 'sqlite';
    const to = `${otherEngine}:${join(fx.dir(), `other-${n}.${otherEngine}`)}`;
    const e = await expectCode(restoreSnapshot(cfg, { latest: true, to, store: store.url, env: {} }), 'RESTORE_REFUSED', new RegExp(`is a ${fx.engine} snapshot and the target is ${otherEngine}`));
    expect(e.exitCode).toBe(5);
    expect(existsSync(to.slice(otherEngine.length + 1))).toBe(false);
    // Production lists its own snapshots only.
    const prod = await resolveConfig({ flags: { url: fx.url(), env: 'production' }, env: {}, cwd: fx.dir() });
    expect(await listSnapshots(prod, { store: store.url, env: {} })).toEqual([]);
    await createBackup(prod, { store: store.url, env: {} });
    const cat = await readCatalog(prod, { store: store.url, env: {} });
    expect(cat.prefix).toBe(`production/${cfg.database.name}/`);
    expect(cat.snapshots).toHaveLength(1);
    expect(await listSnapshots(cfg, { store: store.url, env: {} })).toHaveLength(1);
  });
}, ['postgres', 'pglite', 'sqlite', 'duckdb']);
