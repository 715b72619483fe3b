import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, parseStoreUrl, storeKindOf, STORES, type Store, type StoreKind } from '../../src/backup/stores/index.js';
import { EventdbError } from '../../src/errors.js';
import { ROOT } from '../helpers/cli.js';
import { startS3, type S3Fixture } from '../helpers/s3.js';

/**
 * The store contract (src/backup/stores/types.ts), run on EVERY registered store, as Litestream runs
 * its replica client tests on every backend. A new store starts by adding its case here; the test
 * "every registered store has a case" fails until it does.
 */
type Op = 'put' | 'get' | 'list';
interface StoreCase {
  /** A fresh, empty store. */
  open(): Promise<Store>;
  /** Runs `op` against the same place with rejected access; resolves to the error it threw. */
  denied(op: Op): Promise<{ code?: string; message?: string }>;
  /** What rejected access looks like on this store. */
  deniedCode: string;
  deniedMessage: RegExp;
  /** A store of this kind that does not exist (a folder, a bucket): reading it is STORE_NOT_FOUND. */
  missing(): Promise<Store>;
}

const tmp = mkdtempSync(join(tmpdir(), 'eventdb-contract-'));
chmodSync(tmp, 0o755); // the "denied" file case runs as another user when the tests run as root
let s3: S3Fixture;
let n = 0;

async function failure(p: Promise<unknown>): Promise<{ code?: string; message?: string }> {
  try {
    await p;
  } catch (e) {
    return { code: (e as EventdbError).code, message: (e as Error).message };
  }
  return {};
}

async function runOp(store: Store, op: Op): Promise<void> {
  if (op === 'put') await store.put('denied/x.bin', Readable.from([Buffer.from('x')]));
  else if (op === 'get') await store.get('k/a.bin');
  else for await (const _ of store.list('')) void _;
}

// s3rver checks the access key id (SigV4 signatures it does not verify): rejected access is an unknown key.
const s3env = (keyId?: string) => ({ S3_ENDPOINT: s3.endpoint, AWS_ACCESS_KEY_ID: keyId ?? s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: 'us-east-1', EVENTDB_S3_MAX_ATTEMPTS: '1' });
const r2env = (keyId?: string) => ({ R2_ENDPOINT: s3.endpoint, R2_ACCESS_KEY_ID: keyId ?? s3.accessKeyId, R2_SECRET_ACCESS_KEY: s3.secretAccessKey, EVENTDB_S3_MAX_ATTEMPTS: '1' });

function bucketCase(kind: 's3' | 'r2', env: (keyId?: string) => Record<string, string>): StoreCase {
  let url = '';
  return {
    async open() {
      url = `${kind}://${s3.bucket}/contract-${kind}-${++n}`;
      return openStore(url, { cwd: tmp, env: env() });
    },
    async denied(op) {
      return failure(openStore(url, { cwd: tmp, env: env('WRONGKEYID') }).then((s) => runOp(s, op)));
    },
    deniedCode: 'AUTH',
    deniedMessage: /the store rejected the credentials/,
    missing: () => openStore(`${kind}://no-such-bucket-${kind}/p`, { cwd: tmp, env: env() }),
  };
}

const CASES: Record<StoreKind, StoreCase> = {
  file: (() => {
    let dir = '';
    return {
      async open() {
        dir = join(tmp, `file-${++n}`);
        mkdirSync(dir);
        return openStore(`file:${dir}`, { cwd: tmp });
      },
      // An unreadable, unwritable folder. root reads any folder, so then the operation runs in a
      // child process as nobody (uid 65534), through the built store module.
      async denied(op) {
        chmodSync(dir, 0o000);
        try {
          if (process.getuid?.() !== 0) return await failure(openStore(`file:${dir}`, { cwd: tmp }).then((s) => runOp(s, op)));
          const script = `
            import { Readable } from 'node:stream';
            const { openStore } = await import(${JSON.stringify(join(ROOT, 'dist/backup/stores/index.js'))});
            const s = await openStore(${JSON.stringify(`file:${dir}`)}, { cwd: '/' });
            try {
              if (${JSON.stringify(op)} === 'put') await s.put('denied/x.bin', Readable.from([Buffer.from('x')]));
              else if (${JSON.stringify(op)} === 'get') await s.get('k/a.bin');
              else for await (const _ of s.list('')) void _;
              console.log('{}');
            } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
          const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', cwd: '/' });
          if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
          return JSON.parse(r.stdout.trim()) as { code?: string; message?: string };
        } finally {
          chmodSync(dir, 0o755);
        }
      },
      deniedCode: 'STORE_FAILED',
      deniedMessage: /permission denied/,
      missing: () => openStore(`file:${join(tmp, 'no-such-folder')}`, { cwd: tmp }),
    };
  })(),
  s3: bucketCase('s3', s3env),
  r2: bucketCase('r2', r2env),
};

beforeAll(async () => {
  s3 = await startS3();
});
afterAll(async () => {
  await s3?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function read(store: Store, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await store.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
async function keys(store: Store, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for await (const o of store.list(prefix)) out.push(o.key);
  return out.sort();
}
/** A body that sends some bytes, then fails: an interrupted upload. */
function interrupted(bytes: number): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(Buffer.alloc(bytes, 7));
        setTimeout(() => this.destroy(new Error('source stream broke')), 20);
      }
    },
  });
}

it('every registered store has a contract case', () => {
  expect(Object.keys(CASES).sort()).toEqual(Object.keys(STORES).sort());
});

it('an unknown scheme fails with BAD_URL and a hint listing the known schemes', () => {
  let err: EventdbError | undefined;
  try {
    parseStoreUrl('gs://bucket/x', '/');
  } catch (e) {
    err = e as EventdbError;
  }
  expect(err?.code).toBe('BAD_URL');
  expect(err?.message).toBe('unsupported store URL scheme "gs:"');
  expect(err?.hint).toBe('known store schemes: file:, s3://, r2:// — e.g. file:./backups, s3://bucket/prefix or r2://bucket/prefix');
  expect([storeKindOf('gs://bucket/x'), storeKindOf('./backups'), storeKindOf('file:/b'), storeKindOf('S3://b/p'), storeKindOf('r2://b')]).toEqual(['unknown', 'file', 'file', 's3', 'r2']);
});

describe.each(Object.keys(STORES) as StoreKind[])('store contract: %s', (kind) => {
  const c = CASES[kind];
  let store: Store;
  beforeAll(async () => {
    store = await c.open();
  });

  it('is registered under its kind', () => {
    expect(store.kind).toBe(kind);
  });

  it('puts, gets, lists and deletes objects whole', async () => {
    const data = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));
    const put = await store.put('k/a.bin', Readable.from([data.subarray(0, 1000), data.subarray(1000)]));
    expect(put.size).toBe(3000);
    expect(put.sha256).toBe((await import('node:crypto')).createHash('sha256').update(data).digest('hex'));
    expect((await read(store, 'k/a.bin')).equals(data)).toBe(true);
    await store.put('k/b.json', Readable.from([Buffer.from('{}')]), { contentType: 'application/json' });
    const listed: Record<string, number> = {};
    for await (const o of store.list('k/')) {
      listed[o.key] = o.size;
      expect(o.modified).toBeInstanceOf(Date);
    }
    expect(listed).toEqual({ 'k/a.bin': 3000, 'k/b.json': 2 });
    // Overwriting replaces the object whole.
    await store.put('k/b.json', Readable.from([Buffer.from('{"v":2}')]));
    expect((await read(store, 'k/b.json')).toString()).toBe('{"v":2}');
    await store.delete(['k/b.json']);
    expect(await keys(store, 'k/')).toEqual(['k/a.bin']);
    // Deleting what is not there is not an error.
    await store.delete(['k/never.bin']);
    expect(await keys(store, 'k/')).toEqual(['k/a.bin']);
  });

  it('lists by prefix: only keys under it, with keys relative to the store root', async () => {
    for (const k of ['p/one/a', 'p/one/b', 'p/two/a', 'q/a']) await store.put(k, Readable.from([Buffer.from(k)]));
    expect(await keys(store, 'p/one/')).toEqual(['p/one/a', 'p/one/b']);
    expect(await keys(store, 'p/')).toEqual(['p/one/a', 'p/one/b', 'p/two/a']);
    expect(await keys(store, 'nothing/')).toEqual([]);
    expect(await keys(store)).toEqual(['k/a.bin', 'p/one/a', 'p/one/b', 'p/two/a', 'q/a']);
    // One batch, keys in different folders (s3rver's multi-object delete races on a shared folder).
    await store.delete(['p/one/a', 'q/a']);
    expect(await keys(store)).toEqual(['k/a.bin', 'p/one/b', 'p/two/a']);
    await store.delete(['p/one/b']);
    await store.delete(['p/two/a']);
    expect(await keys(store)).toEqual(['k/a.bin']);
  });

  it('get of a missing key throws NOT_FOUND and changes nothing', async () => {
    const e = await failure(store.get('k/missing.bin'));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toMatch(/k\/missing\.bin.*(does not exist|not found)/);
    expect(await keys(store)).toEqual(['k/a.bin']);
  });

  it('a put whose source stream fails leaves nothing at the key', async () => {
    const e = await failure(store.put('k/broken.bin', interrupted(64 * 1024)));
    expect(e.message).toMatch(/source stream broke/);
    expect(await failure(store.get('k/broken.bin'))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await keys(store)).toEqual(['k/a.bin']);
  });

  it.each(['', '/abs', 'a//b', 'a/../../etc', './a', 'a/', 'a\\b', 'a\u0000b'])('rejects the key %j with STORE_FAILED on put, get and delete', async (key) => {
    for (const p of [store.put(key, Readable.from([Buffer.from('x')])), store.get(key), store.delete([key])]) {
      const e = await failure(p);
      expect(e.code).toBe('STORE_FAILED');
      expect(e.message).toMatch(/^invalid object key "/);
    }
    const e = await failure(keys(store, '../'));
    expect(e.code).toBe('STORE_FAILED');
    expect(await keys(store)).toEqual(['k/a.bin']);
  });

  it('a store that does not exist (a typo in the URL): list and get are STORE_NOT_FOUND, not an empty store', async () => {
    const missing = await c.missing();
    for (const p of [keys(missing), keys(missing, 'k/'), missing.get('k/a.bin')]) expect(await failure(p)).toMatchObject({ code: 'STORE_NOT_FOUND', message: expect.stringMatching(/does not exist/) });
  });

  it.each(['put', 'get', 'list'] as const)('rejected access on %s fails with the access code and changes nothing', async (op) => {
    const e = await c.denied(op);
    expect(e.code).toBe(c.deniedCode);
    expect(e.message).toMatch(c.deniedMessage);
    expect(await keys(store)).toEqual(['k/a.bin']);
  });
});
