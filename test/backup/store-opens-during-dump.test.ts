import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBackup } from '../../src/backup/index.js';
import { resolveConfig, type ResolvedConfig } from '../../src/config/index.js';
import { EventdbError } from '../../src/errors.js';
import { createPgDatabase } from '../helpers/engines.js';
import { fingerprint, seedItems } from './helpers.js';

// #18: on PostgreSQL the store's module (for s3/r2 the AWS SDK) loads while pg_dump starts, not before
// it. A malformed store URL is still refused before anything opens; a store that cannot open once the
// dump runs is the error reported, and the dump is stopped (pg_dump is not left blocked on its pipe).

let dir: string;
let db: Awaited<ReturnType<typeof createPgDatabase>>;
let cfg: ResolvedConfig;
const path = process.env.PATH;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eventdb-store-during-dump-'));
  db = await createPgDatabase('eventdb_storedump');
  cfg = await resolveConfig({ flags: { url: db.url }, env: {} });
  await seedItems(cfg, 20);
});
afterEach(() => {
  process.env.PATH = path;
});
afterAll(async () => {
  process.env.PATH = path;
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<EventdbError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(EventdbError);
  return e as EventdbError;
}

describe('the store opens while the dump starts', () => {
  it('refuses a malformed store URL before pg_dump starts or a session opens', async () => {
    // A pg_dump that leaves a mark when it is run.
    const bin = join(dir, 'marking-bin');
    const marker = join(dir, 'pg_dump-ran');
    mkdirSync(bin);
    writeFileSync(join(bin, 'pg_dump'), `#!/bin/sh\ntouch '${marker}'\nexit 1\n`);
    chmodSync(join(bin, 'pg_dump'), 0o755);
    process.env.PATH = `${bin}:${path}`;
    const before = await fingerprint(cfg);
    const e = await failure(createBackup(cfg, { store: 's3://', env: {} }));
    expect(e.code).toBe('BAD_URL');
    expect(e.message).toBe('store URL s3:// has no bucket');
    expect(existsSync(marker)).toBe(false);
    expect(await fingerprint(cfg)).toEqual(before);
  });

  it('reports a store that cannot open (r2:// without its keys) once the dump runs, and stops pg_dump', async () => {
    // A pg_dump that writes a real archive header, then bytes without end: once its pipe is full it
    // blocks in write, as a real one does on a big database nobody reads.
    const real = join(dir, 'real.pgdump');
    execFileSync('pg_dump', ['-Fc', '-f', real, db.url]);
    const head = join(dir, 'head.bin');
    writeFileSync(head, readFileSync(real).subarray(0, 4096));
    const bin = join(dir, 'endless-bin');
    const pidFile = join(dir, 'pg_dump.pid');
    mkdirSync(bin);
    writeFileSync(join(bin, 'pg_dump'), `#!/bin/sh\necho $$ > '${pidFile}'\ncat '${head}'\nexec cat /dev/zero\n`);
    chmodSync(join(bin, 'pg_dump'), 0o755);
    process.env.PATH = `${bin}:${path}`;
    const before = await fingerprint(cfg);
    const e = await failure(createBackup(cfg, { store: 'r2://bucket/backups', env: {} }));
    expect(e.code).toBe('CONFIG');
    expect(e.message).toBe('r2:// store needs R2_ACCOUNT_ID (or R2_ENDPOINT)');
    // It had started; with nobody reading it, it is stopped, not left blocked for as long as this process lives.
    const pid = Number(readFileSync(pidFile, 'utf8'));
    let alive = true;
    for (let i = 0; i < 50 && alive; i++) {
      try {
        process.kill(pid, 0);
        await new Promise((r) => setTimeout(r, 100));
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
    expect(await fingerprint(cfg)).toEqual(before);
  });

  it('still backs up into a store that opens (file:), with every table counted', async () => {
    const storeDir = join(dir, 'store-ok');
    const r = await createBackup(cfg, { store: `file:${storeDir}`, env: {} });
    expect(r.tables).toEqual({ items: 20 });
    expect(existsSync(join(storeDir, r.location, 'manifest.json'))).toBe(true);
  });
});
