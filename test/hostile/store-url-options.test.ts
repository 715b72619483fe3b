import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStoreUrl, STORES } from '../../src/backup/stores/index.js';
import { resolveConfig } from '../../src/config/index.js';
import { EventdbError } from '../../src/errors.js';
import { seedItems } from '../backup/helpers.js';
import { runCli } from '../helpers/cli.js';
import { startS3, type S3Fixture } from '../helpers/s3.js';
import { expectCleanError, expectJsonError } from './helpers.js';

/**
 * A store URL option eventdb does not know (`?endpiont=` for `?endpoint=`, `file:///x?foo=1`) was
 * silently ignored: the typo's default was used (another endpoint), or the `?…` became part of the
 * folder's name. Now it is BAD_URL (exit 2) naming the option — never its value, which may be a key —
 * and listing the options that store takes, before anything opens or is created.
 */
function refusal(url: string): EventdbError {
  try {
    parseStoreUrl(url, '/work');
  } catch (e) {
    return e as EventdbError;
  }
  throw new Error(`${url} was accepted`);
}

describe('store URL options', () => {
  it('the registry lists each store\'s options; the known ones still parse', () => {
    expect(STORES.file.options).toEqual([]);
    expect([...STORES.s3.options].sort()).toEqual(['checksums', 'concurrency', 'endpoint', 'maxAttempts', 'partSize', 'pathStyle', 'region']);
    expect([...STORES.r2.options].sort()).toEqual(['checksums', 'concurrency', 'endpoint', 'maxAttempts', 'partSize']);
    const all = 's3://b/p?endpoint=http://127.0.0.1:9000&region=eu-west-1&pathStyle=true&checksums=when_required&partSize=8&concurrency=2&maxAttempts=3';
    expect(parseStoreUrl(all, '/work').params).toEqual({ endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1', pathStyle: 'true', checksums: 'when_required', partSize: '8', concurrency: '2', maxAttempts: '3' });
    // A bare path is a path: a "?" in it is part of the folder's name.
    expect(parseStoreUrl('./back?ups', '/work').path).toBe('/work/back?ups');
  });

  it('an unknown option is BAD_URL naming it and listing the known ones, without its value', () => {
    const typo = refusal('s3://b/p?endpiont=http://127.0.0.1:9000');
    expect(typo).toMatchObject({ code: 'BAD_URL', exitCode: 2, message: 'store URL s3://b/p: unknown option "endpiont"' });
    expect(typo.hint).toBe('known options of s3: URLs: endpoint, checksums, partSize, concurrency, maxAttempts, region, pathStyle (README "Stores")');
    const key = refusal('s3://b/p?endpoint=http://127.0.0.1:9000&secretAccessKey=Sup3rS3cr3tZ');
    expect(key.message).toBe('store URL s3://b/p: unknown option "secretAccessKey"');
    expect(`${key.message} ${key.hint}`).not.toContain('Sup3rS3cr3tZ');
    expect(key.hint).toMatch(/keys go in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    expect(refusal('r2://b/p?region=auto')).toMatchObject({ code: 'BAD_URL', message: 'store URL r2://b/p: unknown option "region"' });
    expect(refusal('s3://b/p?Endpoint=http://x').message).toBe('store URL s3://b/p: unknown option "Endpoint"');
    expect(refusal('s3://b/p?region=a&region=b').message).toBe('store URL s3://b/p: option "region" is given twice');
    const file = refusal('file:///srv/backups?foo=1');
    expect(file).toMatchObject({ code: 'BAD_URL', message: 'store URL file:///srv/backups: unknown option "foo"' });
    expect(file.hint).toMatch(/^a file: URL takes no options/);
    expect(refusal('file:./backups?x').message).toBe('store URL file:./backups: unknown option "x"');
  });

  describe('from the command line', () => {
    let s3: S3Fixture;
    let root: string;
    let url: string;
    let client: S3Client;
    const keys = async () => ((await client.send(new ListObjectsV2Command({ Bucket: s3.bucket }))).Contents ?? []).map((o) => o.Key!);

    beforeAll(async () => {
      s3 = await startS3();
      root = mkdtempSync(join(tmpdir(), 'eventdb-hostile-url-options-'));
      mkdirSync(join(root, 'tmp'));
      url = `sqlite:${join(root, 'app.sqlite')}`;
      await seedItems(await resolveConfig({ flags: { url }, env: {} }), 5);
      client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    });
    afterAll(async () => {
      client?.destroy();
      await s3?.close();
      rmSync(root, { recursive: true, force: true });
    });

    it('backup, list and restore refuse a typo\'d option before anything opens: nothing uploaded or created', async () => {
      // S3_ENDPOINT points at the server, so a URL whose typo is ignored really uploads there.
      const env = { S3_ENDPOINT: s3.endpoint, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: 'us-east-1', EVENTDB_TMPDIR: join(root, 'tmp') };
      const cases: Array<[string, string]> = [
        [`s3://${s3.bucket}/p?endpiont=${s3.endpoint}`, `store URL s3://${s3.bucket}/p: unknown option "endpiont"`],
        [`s3://${s3.bucket}/p?patSize=5`, `store URL s3://${s3.bucket}/p: unknown option "patSize"`],
        [`file://${join(root, 'store')}?foo=1`, `store URL file://${join(root, 'store')}: unknown option "foo"`],
      ];
      for (const [store, message] of cases) {
        for (const args of [['backup'], ['backup', 'list'], ['restore', '--latest', '--yes']]) {
          const cwd = mkdtempSync(join(root, 'cwd-'));
          const r = await runCli([...args, '--url', url, '--store', store], { cwd, env });
          expectCleanError(r, 2, new RegExp(`^error: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
          expect(r.stderr).toMatch(/^hint: (known options of s3: URLs|a file: URL takes no options)/m);
          expectJsonError(await runCli([...args, '--url', url, '--store', store, '--json'], { cwd, env }), 2, 'BAD_URL', /unknown option/);
          expect(readdirSync(cwd)).toEqual([]);
          rmSync(cwd, { recursive: true });
        }
      }
      expect(await keys()).toEqual([]);
      expect(existsSync(join(root, 'store'))).toBe(false);
      expect(existsSync(join(root, 'store?foo=1'))).toBe(false);
      expect(readdirSync(join(root, 'tmp'))).toEqual([]);
    });
  });
});
