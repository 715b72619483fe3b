import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { seedItems } from '../backup/helpers.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { startS3, type S3Fixture } from '../helpers/s3.js';
import { expectCleanError, expectJsonError } from './helpers.js';

/**
 * Hostile `--store` / EVENTDB_STORE URLs: a file: URL naming a host or holding credentials, a
 * prefix with `..`, `%2e%2e` or empty parts (which new URL() silently normalises), an endpoint that
 * does not parse, credentials in an s3:// URL. Each is BAD_URL (exit 2) before anything runs: one
 * error line and a hint, no credential in any output, nothing created in the working folder, the
 * temp folder or a real (s3rver) bucket.
 */
const KEY_ID = 'AKIDq7Vx3Zk';
const PASSWORD = 'Pa55w0rdZq9';
const ENV_SECRET = 'EnvSecretQ7zz';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('hostile store URLs are refused before anything runs', () => {
  let s3: S3Fixture;
  let root: string;
  let url: string;
  let client: S3Client;

  beforeAll(async () => {
    s3 = await startS3();
    root = mkdtempSync(join(tmpdir(), 'eventdb-hostile-store-url-'));
    mkdirSync(join(root, 'db'));
    mkdirSync(join(root, 'tmp'));
    url = `sqlite:${join(root, 'db', 'app.sqlite')}`;
    await seedItems(await resolveConfig({ flags: { url }, env: {} }), 20);
    client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  });
  afterAll(async () => {
    client?.destroy();
    await s3?.close();
    rmSync(root, { recursive: true, force: true });
  });

  async function bucketKeys(): Promise<string[]> {
    const r = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
    return (r.Contents ?? []).map((o) => o.Key!);
  }

  /** Store credentials that work on s3rver (so a URL that is wrongly accepted really uploads), plus a secret that must never show. */
  function s3Env(): Record<string, string> {
    return { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: 'us-east-1', EVENTDB_TMPDIR: join(root, 'tmp'), EVENTDB_TEST_API_KEY: ENV_SECRET };
  }

  function expectNoSecret(r: CliResult, secrets: string[]): void {
    const out = `${r.stdout}\n${r.stderr}`;
    for (const s of [...secrets, ENV_SECRET]) expect(out, `"${s}" leaked:\n${out}`).not.toContain(s);
  }

  /**
   * Runs `args` with the store given by `--store` (and, with `viaEnv`, by EVENTDB_STORE instead),
   * in text and --json, each from a fresh empty folder: BAD_URL, exit 2, the exact message and a
   * hint, no secret in the output, and nothing created anywhere.
   */
  async function expectRefused(store: string, message: string, opts: { secrets?: string[]; hint?: RegExp; env?: Record<string, string>; args?: string[]; viaEnv?: boolean } = {}): Promise<void> {
    const before = await bucketKeys();
    const ways: Array<[string[], Record<string, string>]> = [[['--store', store], {}]];
    if (opts.viaEnv) ways.push([[], { EVENTDB_STORE: store }]);
    for (const [storeArgs, storeEnv] of ways) {
      for (const json of [false, true]) {
        const cwd = mkdtempSync(join(root, 'cwd-'));
        const args = [...(opts.args ?? ['backup']), '--url', url, ...storeArgs, ...(json ? ['--json'] : [])];
        const r = await runCli(args, { cwd, env: { ...s3Env(), ...opts.env, ...storeEnv } });
        if (json) {
          expectJsonError(r, 2, 'BAD_URL', new RegExp(`^${escape(message)}$`));
          if (opts.hint) expect(r.json().error.hint).toMatch(opts.hint);
        } else {
          expectCleanError(r, 2, new RegExp(`^error: ${escape(message)}$`));
          if (opts.hint) expect(r.stderr).toMatch(new RegExp(`^hint: .*${opts.hint.source}`, 'm'));
        }
        expectNoSecret(r, opts.secrets ?? []);
        expect(readdirSync(cwd), `created in the working folder by ${args.join(' ')}`).toEqual([]);
        rmSync(cwd, { recursive: true });
      }
    }
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
    expect(await bucketKeys()).toEqual(before);
  }

  describe('file: URLs (RFC 8089: no host but localhost, no user info)', () => {
    it('user info with a password: BAD_URL, redacted the same way from --store and EVENTDB_STORE, no folder made', async () => {
      const target = join(root, 'x');
      const store = `file://${KEY_ID}:${PASSWORD}@host${target}`;
      await expectRefused(store, `store URL file://***@host${target}: credentials do not go in the URL`, { secrets: [KEY_ID, PASSWORD], hint: /file:\/\/\/abs\/path/, viaEnv: true });
      // backup list --json printed the password inside the store path.
      await expectRefused(store, `store URL file://***@host${target}: credentials do not go in the URL`, { secrets: [KEY_ID, PASSWORD], args: ['backup', 'list'], viaEnv: true });
      expect(existsSync(target)).toBe(false);
    });

    it('another host: BAD_URL, not a relative folder named after the host', async () => {
      const target = join(root, 'y');
      const store = `file://otherhost${target}`;
      await expectRefused(store, `store URL ${store} names a host: a file: URL takes a local path only (no host, or localhost)`, { hint: /file:\/\/localhost\/abs\/path/, viaEnv: true });
      await expectRefused(`file://otherhost:8080${target}`, `store URL file://otherhost:8080${target} names a host: a file: URL takes a local path only (no host, or localhost)`);
      await expectRefused('file://./backups', 'store URL file://./backups names a host: a file: URL takes a local path only (no host, or localhost)', { hint: /file:\.\/backups/ });
      expect(existsSync(target)).toBe(false);
    });

    it('an empty host, localhost and a relative file: path still work', async () => {
      for (const [store, where] of [
        [`file://localhost${join(root, 'ok-localhost')}`, join(root, 'ok-localhost')],
        [`file://LOCALHOST${join(root, 'ok-upper')}`, join(root, 'ok-upper')],
        [`file://${join(root, 'ok-empty')}`, join(root, 'ok-empty')],
        ['file:./ok-relative', join(root, 'db', 'ok-relative')],
      ] as const) {
        const r = await runCli(['backup', '--json', '--url', url, '--store', store], { cwd: join(root, 'db'), env: { EVENTDB_TMPDIR: join(root, 'tmp') } });
        expect(r.code, r.stderr).toBe(0);
        expect(r.json().backup.store).toBe(`file:${where}`);
        expect(existsSync(join(where, 'development', 'app'))).toBe(true);
      }
    });
  });

  describe('s3:// and r2:// URLs', () => {
    const prefixMessage = (store: string) => `store URL ${store}: the prefix has an empty, "." or ".." part`;

    it('a prefix with .. parts (also %2e%2e, .%2E) is refused, not normalised to another prefix', async () => {
      for (const path of ['a/../../x', 'a/%2e%2e/%2E%2e/x', 'a/.%2E/x', 'a/./x', '..', 'a/..']) {
        const store = `s3://${s3.bucket}/${path}?endpoint=${s3.endpoint}`;
        await expectRefused(store, prefixMessage(store), { hint: /without empty, "\." or "\.\." parts/ });
      }
    });

    it('a prefix with an empty part is refused up front, not after the whole backup ran', async () => {
      for (const path of ['a//b', '/a', 'a//']) {
        const store = `s3://${s3.bucket}/${path}?endpoint=${s3.endpoint}`;
        await expectRefused(store, prefixMessage(store));
      }
      const r2 = `r2://${s3.bucket}/a//b?endpoint=${s3.endpoint}`;
      await expectRefused(r2, prefixMessage(r2), { env: { R2_ACCESS_KEY_ID: s3.accessKeyId, R2_SECRET_ACCESS_KEY: s3.secretAccessKey } });
    });

    it('an endpoint that is not a valid URL (%zz in the port) is BAD_URL, not a retryable TypeError', async () => {
      const store = `s3://${s3.bucket}/a?endpoint=http://127.0.0.1:4599%zz`;
      await expectRefused(store, `store URL ${store}: endpoint is not an http(s) URL`, { secrets: [s3.secretAccessKey] });
      const encoded = `s3://${s3.bucket}/a?endpoint=${encodeURIComponent('http://127.0.0.1:4599%zz')}`;
      await expectRefused(encoded, `store URL ${encoded}: endpoint is not an http(s) URL`);
    });

    it('credentials in the URL are refused without being echoed, with a hint naming the environment variables', async () => {
      const store = `s3://${KEY_ID}:${PASSWORD}@${s3.bucket}/p?endpoint=${s3.endpoint}`;
      const message = `store URL s3://***@${s3.bucket}/p?endpoint=${s3.endpoint}: credentials do not go in the URL`;
      // Without keys in the environment (the URL's were ignored, then "no store credentials were found").
      const noKeys = { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' };
      await expectRefused(store, message, { secrets: [KEY_ID, PASSWORD], hint: /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/, env: noKeys, viaEnv: true });
      // With them: the URL's are still refused, not silently replaced.
      await expectRefused(store, message, { secrets: [KEY_ID, PASSWORD] });
      // A password holding a '/': the URL does not parse, and is still recognised as carrying credentials.
      const slashed = `s3://${KEY_ID}:${PASSWORD}/x@${s3.bucket}/p`;
      await expectRefused(slashed, `store URL s3://***@${s3.bucket}/p: credentials do not go in the URL`, { secrets: [KEY_ID, PASSWORD] });
      const r2 = `r2://${KEY_ID}:${PASSWORD}@bkt/x`;
      await expectRefused(r2, 'store URL r2://***@bkt/x: credentials do not go in the URL', { secrets: [KEY_ID, PASSWORD], hint: /R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY/ });
      const inEndpoint = `s3://${s3.bucket}/p?endpoint=http://${KEY_ID}:${PASSWORD}@127.0.0.1:1`;
      await expectRefused(inEndpoint, `store URL s3://${s3.bucket}/p?endpoint=***: credentials do not go in the endpoint`, { secrets: [KEY_ID, PASSWORD] });
    });

    it('a port on the bucket is refused (the endpoint takes it)', async () => {
      const store = `s3://${s3.bucket}:9000/p?endpoint=${s3.endpoint}`;
      await expectRefused(store, `store URL ${store}: a bucket has no port`, { hint: /\?endpoint=/ });
    });

    it('a well-formed s3:// URL still backs up into its prefix', async () => {
      const r = await runCli(['backup', '--json', '--url', url, '--store', `s3://${s3.bucket}/team/events/?endpoint=${s3.endpoint}`], { cwd: join(root, 'db'), env: s3Env() });
      expect(r.code, r.stderr).toBe(0);
      expect(r.json().backup.store).toBe(`s3://${s3.bucket}/team/events`);
      const keys = await bucketKeys();
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.every((k) => k.startsWith('team/events/development/app/'))).toBe(true);
    });
  });
});
