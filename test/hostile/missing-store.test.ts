import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { fileState, seedItems } from '../backup/helpers.js';
import { runCli } from '../helpers/cli.js';
import { startS3, type S3Fixture } from '../helpers/s3.js';
import { expectCleanError, expectJsonError } from './helpers.js';

/**
 * A folder store whose folder does not exist (a typo in --store at 3 a.m.) read as an empty store:
 * `backup list` said "no snapshots" with exit 0, `restore --latest` "no snapshots in …". Now every
 * command that reads snapshots (list, verify, prune, restore) refuses it with STORE_NOT_FOUND (exit 1)
 * and a hint, as a bucket that does not exist already was — and changes nothing. `backup` still
 * creates the folder; the health check still reports "no snapshot" (the first backup creates it).
 */
const READERS = [
  ['backup', 'list'],
  ['backup', 'verify', '--latest'],
  ['backup', 'verify', '20250101T000000Z-abcdef'],
  ['backup', 'prune', '--keep-last', '1', '--yes'],
  ['restore', '--latest', '--yes'],
  ['restore', '--latest', '--yes', '--if-newer'],
];

describe('a store that does not exist', () => {
  let dir: string;
  let url: string;
  let db: string;
  let s3: S3Fixture;
  const env = () => ({ EVENTDB_TMPDIR: join(dir, 'tmp'), AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: 'us-east-1', EVENTDB_S3_MAX_ATTEMPTS: '1' });
  const cli = (args: string[], store: string) => runCli([...args, '--url', url, '--store', store], { cwd: dir, env: env() });

  beforeAll(async () => {
    s3 = await startS3();
    dir = mkdtempSync(join(tmpdir(), 'eventdb-hostile-missing-store-'));
    mkdirSync(join(dir, 'tmp'));
    db = join(dir, 'app.sqlite');
    url = `sqlite:${db}`;
    await seedItems(await resolveConfig({ flags: { url }, env: {} }), 5);
  });
  afterAll(async () => {
    await s3?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function expectRefused(store: string, message: string, hint: RegExp): Promise<void> {
    const before = readdirSync(dir).sort();
    const database = fileState(db);
    for (const args of READERS) {
      const r = await cli(args, store);
      expectCleanError(r, 1, new RegExp(`^error: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
      expect(r.stderr).toMatch(new RegExp(`^hint: .*${hint.source}`, 'm'));
      expect(r.stdout, args.join(' ')).toBe('');
      expectJsonError(await cli([...args, '--json'], store), 1, 'STORE_NOT_FOUND', /./);
      expect(readdirSync(dir).sort(), args.join(' ')).toEqual(before);
      expect(fileState(db)).toBe(database);
      expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
    }
  }

  it('a missing folder: STORE_NOT_FOUND (exit 1) from list, verify, prune and restore; nothing is created', async () => {
    const missing = join(dir, 'backpus');
    await expectRefused(`file://${missing}`, `the store folder ${missing} does not exist`, /check --store \(or EVENTDB_STORE\); `eventdb backup` creates the folder/);
    expect(existsSync(missing)).toBe(false);
    // The same from EVENTDB_STORE.
    const r = await runCli(['backup', 'list', '--json', '--url', url], { cwd: dir, env: { ...env(), EVENTDB_STORE: `file:${missing}` } });
    expectJsonError(r, 1, 'STORE_NOT_FOUND', new RegExp(`^the store folder ${missing} does not exist$`));
  });

  it('a file where the folder should be: STORE_NOT_FOUND, the file untouched', async () => {
    const file = join(dir, 'not-a-folder');
    writeFileSync(file, 'x');
    await expectRefused(`file://${file}`, `the store file:${file} is not a folder`, /point --store \(or EVENTDB_STORE\) at a folder/);
    rmSync(file);
  });

  it('a missing bucket: the same code and exit status', async () => {
    const store = `s3://no-such-bucket/p?endpoint=${s3.endpoint}`;
    await expectRefused(store, 'cannot list s3://no-such-bucket/p: the bucket does not exist', /create the bucket, or fix the bucket name/);
  });

  it('backup still creates the folder; the health check reports no snapshot yet; then the readers work', async () => {
    const fresh = join(dir, 'fresh');
    const health = await runCli(['health-check', '--check', 'backup', '--json', '--url', url], { cwd: dir, env: { ...env(), EVENTDB_STORE: `file:${fresh}` } });
    expect(health.json().checks[0]).toMatchObject({ name: 'backup', status: 'warn', message: expect.stringMatching(/^no snapshot in file:/) });
    const b = await cli(['backup', '--json'], `file://${fresh}`);
    expect(b.code, b.stderr).toBe(0);
    expect(existsSync(join(fresh, 'development', 'app', b.json().backup.id, 'manifest.json'))).toBe(true);
    const l = await cli(['backup', 'list', '--json'], `file://${fresh}`);
    expect(l.code, l.stderr).toBe(0);
    expect(l.json().snapshots.map((s: { id: string }) => s.id)).toEqual([b.json().backup.id]);
    // A store that exists but has no snapshot of this database is still "no snapshots" (NOT_FOUND for restore).
    const other = await runCli(['restore', '--latest', '--yes', '--json', '--url', `sqlite:${join(dir, 'other.sqlite')}`, '--store', `file://${fresh}`], { cwd: dir, env: env() });
    expectJsonError(other, 1, 'NOT_FOUND', /^no snapshots in file:/);
  });
});

describe('prepare --restore-if-newer at a first start, before any backup made the folder store', () => {
  it('warns and keeps the local database (exit 0); the folder is not created', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eventdb-prepare-first-start-'));
    mkdirSync(join(dir, 'migrations'));
    try {
      const missing = join(dir, 'backups');
      const r = await runCli(['prepare', '--restore-if-newer', '--migrate', '--url', `sqlite:${join(dir, 'app.sqlite')}`, '--json'], { cwd: dir, env: { EVENTDB_STORE: `file://${missing}` } });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const step = r.json<{ steps: Array<{ name: string; status: string; message: string }> }>().steps.find((s) => s.name === 'restore')!;
      expect(step).toMatchObject({ status: 'warn', message: expect.stringMatching(/does not exist yet \(no backup has made it\); kept the local database$/) });
      expect(existsSync(missing)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
