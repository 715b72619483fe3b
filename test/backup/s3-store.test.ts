import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { createBackup, listSnapshots, restoreSnapshot, verifySnapshot } from '../../src/backup/index.js';
import { openStore, parseStoreUrl } from '../../src/backup/stores/index.js';
import { S3Store, s3Settings } from '../../src/backup/stores/s3.js';
import { EventdbError } from '../../src/errors.js';
import { startS3, type S3Fixture } from '../helpers/s3.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { execSql, fingerprint } from './helpers.js';

describe('store URLs and the R2 client', () => {
  it('parses file, s3 and r2 store URLs', () => {
    expect(parseStoreUrl('file:./backups', '/srv/app')).toEqual({ kind: 'file', path: '/srv/app/backups', params: {} });
    expect(parseStoreUrl('/var/backups', '/srv')).toMatchObject({ kind: 'file', path: '/var/backups' });
    expect(parseStoreUrl('s3://my-bucket/team/events?region=eu-west-1', '/')).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: 'team/events', params: { region: 'eu-west-1' } });
    expect(parseStoreUrl('r2://snaps', '/')).toEqual({ kind: 'r2', bucket: 'snaps', prefix: '', params: {} });
    expect(parseStoreUrl('s3://b/p?endpoint=http://127.0.0.1:9000', '/')).toMatchObject({ params: { endpoint: 'http://127.0.0.1:9000' } });
    // An endpoint the SDK cannot use is a malformed URL (exit 2), not a store failure to retry (exit 1).
    for (const endpoint of ['notaurl', 'ftp://x', '']) {
      expect(() => parseStoreUrl(`s3://b/p?endpoint=${endpoint}`, '/')).toThrow(expect.objectContaining({ code: 'BAD_URL', message: `store URL s3://b/p?endpoint=${endpoint}: endpoint is not an http(s) URL` }));
    }
    const e = (() => {
      try {
        parseStoreUrl('ftp://host/x', '/');
      } catch (err) {
        return err as EventdbError;
      }
    })();
    expect(e?.code).toBe('BAD_URL');
    expect(e?.message).toBe('unsupported store URL scheme "ftp:"');
  });

  it('builds the R2 client with region auto, the account endpoint and checksums only when required', async () => {
    const env = { R2_ACCOUNT_ID: 'acc123', R2_ACCESS_KEY_ID: 'AKIAR2', R2_SECRET_ACCESS_KEY: 'r2-secret-value' };
    const settings = s3Settings({ kind: 'r2', bucket: 'snaps', prefix: 'events', params: {} }, env);
    expect(settings.client).toMatchObject({
      region: 'auto',
      endpoint: 'https://acc123.r2.cloudflarestorage.com',
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      credentials: { accessKeyId: 'AKIAR2', secretAccessKey: 'r2-secret-value' },
    });
    expect(settings.partSize).toBe(16 * 1024 * 1024);
    expect(settings.concurrency).toBe(4);
    // The real client resolves to the same settings.
    const store = (await openStore('r2://snaps/events', { cwd: '/', env })) as S3Store;
    expect(store.display).toBe('r2://snaps/events');
    expect(await store.client.config.region()).toBe('auto');
    expect(await store.client.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await store.client.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
    const ep = await store.client.config.endpoint!();
    expect(`${ep.protocol}//${ep.hostname}`).toBe('https://acc123.r2.cloudflarestorage.com');
    // An S3 store keeps the SDK default unless asked.
    const s3 = (await openStore('s3://b/p', { cwd: '/', env: { AWS_REGION: 'eu-west-1' } })) as S3Store;
    expect(await s3.client.config.requestChecksumCalculation()).toBe('WHEN_SUPPORTED');
    const s3r = (await openStore('s3://b/p?checksums=when_required&partSize=8&concurrency=2', { cwd: '/', env: { AWS_REGION: 'eu-west-1' } })) as S3Store;
    expect(await s3r.client.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(s3r.settings.partSize).toBe(8 * 1024 * 1024);
    expect(s3r.settings.concurrency).toBe(2);
  });

  it('says what an R2 store is missing', () => {
    const err = (env: Record<string, string>) => {
      try {
        s3Settings({ kind: 'r2', bucket: 'b', prefix: '', params: {} }, env);
      } catch (e) {
        return e as EventdbError;
      }
      throw new Error('no error');
    };
    expect(err({}).message).toBe('r2:// store needs R2_ACCOUNT_ID (or R2_ENDPOINT)');
    expect(err({ R2_ACCOUNT_ID: 'a' }).message).toBe('r2:// store needs R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY');
    expect(err({ R2_ACCOUNT_ID: 'a' }).code).toBe('CONFIG');
  });
});

describe('snapshots in an S3-protocol store (s3rver)', () => {
  let s3: S3Fixture;
  let proxy: FaultProxy;
  let dir: string;
  beforeAll(async () => {
    s3 = await startS3();
    proxy = await startFaultProxy(s3.endpoint);
    dir = mkdtempSync(join(tmpdir(), 'eventdb-s3store-'));
  });
  afterAll(async () => {
    await proxy.close();
    await s3.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const env = (extra: Record<string, string> = {}) => ({ S3_ENDPOINT: proxy.endpoint, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: 'us-east-1', EVENTDB_S3_PART_SIZE_MB: '5', ...extra });

  it('uploads a multi-part snapshot in equal parts, lists, verifies and restores it', async () => {
    const cfg = await resolveConfig({ flags: { url: `sqlite:${join(dir, 'big.sqlite')}` }, env: {} });
    await execSql(cfg, 'create table items (id integer primary key, name text not null, amount real)');
    // ~13 MB that gzip cannot shrink: three 5 MiB parts.
    await execSql(cfg, 'with recursive s(x) as (select 1 union all select x + 1 from s where x < 5000) insert into items select x, hex(randomblob(2600)), x from s');
    const before = await fingerprint(cfg);
    const uploadsBefore = proxy.seen.upload;
    const store = `s3://${s3.bucket}/eventdb`;
    const b = await createBackup(cfg, { store, env: env() });
    expect(b.size).toBeGreaterThan(10 * 1024 * 1024);
    // parts + the manifest
    expect(proxy.seen.upload - uploadsBefore).toBe(Math.ceil(b.size / (5 * 1024 * 1024)) + 1);
    const list = await listSnapshots(cfg, { store, env: env() });
    expect(list.map((s) => [s.id, s.size, s.location])).toEqual([[b.id, b.size, `development/big/${b.id}/`]]);
    await verifySnapshot(cfg, { id: b.id, store, env: env() });
    await execSql(cfg, 'delete from items');
    const r = await restoreSnapshot(cfg, { latest: true, store, keep: false, env: env() });
    expect(r.restored).toBe(true);
    expect(await fingerprint(cfg)).toEqual(before);
  });

  it('stores through an r2:// URL (R2_ENDPOINT pointing at s3rver) with WHEN_REQUIRED checksums', async () => {
    const cfg = await resolveConfig({ flags: { url: `duckdb:${join(dir, 'r2.duckdb')}` }, env: {} });
    await execSql(cfg, 'create table items (id integer primary key, name varchar not null, amount double)');
    await execSql(cfg, "insert into items values (1, 'a', 1.5), (2, 'b', 2.5)");
    const r2env = { R2_ENDPOINT: proxy.endpoint, R2_ACCESS_KEY_ID: s3.accessKeyId, R2_SECRET_ACCESS_KEY: s3.secretAccessKey };
    const b = await createBackup(cfg, { store: `r2://${s3.bucket}/r2prefix`, env: r2env });
    expect((await listSnapshots(cfg, { store: `r2://${s3.bucket}/r2prefix`, env: r2env })).map((s) => s.id)).toEqual([b.id]);
    const v = await verifySnapshot(cfg, { latest: true, store: `r2://${s3.bucket}/r2prefix`, env: r2env });
    expect(v.tables).toEqual({ items: 2 });
  });

  it('puts and gets objects whole, and maps a missing key to NOT_FOUND', async () => {
    const store = await openStore(`s3://${s3.bucket}/raw`, { cwd: dir, env: env() });
    const data = randomBytes(1000);
    const put = await store.put('a/b.bin', Readable.from([data]));
    expect(put.size).toBe(1000);
    const chunks: Buffer[] = [];
    for await (const c of await store.get('a/b.bin')) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    const e = await store.get('a/missing.bin').then(() => undefined, (x: unknown) => x as EventdbError);
    expect(e?.code).toBe('NOT_FOUND');
    await store.delete(['a/b.bin']);
    const keys = [];
    for await (const o of store.list('a/')) keys.push(o.key);
    expect(keys).toEqual([]);
  });
});
