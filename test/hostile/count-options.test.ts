import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Settings, type S3Location } from '../../src/backup/stores/s3.js';
import { resolveConfig } from '../../src/config/index.js';
import { EventdbError } from '../../src/errors.js';
import { seedItems } from '../backup/helpers.js';
import { runCli } from '../helpers/cli.js';
import { expectCleanError, expectJsonError } from './helpers.js';
import { treeState } from './tree-state.js';

/**
 * Counts are plain decimal digits. `backup prune --keep-last 0x2` kept 2 (Number("0x2")), `1e2` kept
 * 100, ` 3`, `+3`, `3.0` were taken too: a typo became another retention, and with --yes deleted what
 * the written one keeps. Now each is USAGE (exit 2), one line and a hint, before the store is read;
 * the store URL's `?partSize=` / `?concurrency=` / `?maxAttempts=` and their environment variables
 * read the same grammar (CONFIG, exit 2).
 */
const BAD = ['0x2', '1e2', ' 3', '+3', '3.0', '-1', '3abc', '0b1', '99999999999999999999'];

describe('backup prune counts', () => {
  let dir: string;
  let url: string;
  let store: string;
  const cli = (args: string[]) => runCli([...args, '--url', url, '--store', `file://${store}`], { cwd: dir, env: { EVENTDB_TMPDIR: join(dir, 'tmp') } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eventdb-hostile-counts-'));
    mkdirSync(join(dir, 'tmp'));
    url = `sqlite:${join(dir, 'app.sqlite')}`;
    store = join(dir, 'store');
    await seedItems(await resolveConfig({ flags: { url }, env: {} }), 5);
    for (let i = 0; i < 4; i++) expect((await cli(['backup'])).code).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const flag of ['--keep-last', '--keep-daily', '--keep-weekly']) {
    it(`${flag} refuses ${BAD.map((b) => JSON.stringify(b)).join(', ')} with --yes: USAGE, exit 2, no snapshot deleted`, async () => {
      const before = treeState(store);
      for (const value of BAD) {
        const message = `${flag} ${JSON.stringify(value.length > 20 ? `${value.slice(0, 19)}…` : value)} is not a whole number ≥ 0`;
        const escaped = message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        const r = await cli(['backup', 'prune', `${flag}=${value}`, '--yes']);
        expectCleanError(r, 2, new RegExp(`^error: ${escaped}$`));
        expect(r.stderr).toContain(`hint: write it in plain decimal digits, e.g. ${flag} 3`);
        expectJsonError(await cli(['backup', 'prune', `${flag}=${value}`, '--yes', '--json']), 2, 'USAGE', new RegExp(`^${escaped}$`));
        expect(treeState(store), `${flag}=${value}`).toEqual(before);
      }
    });
  }

  it('plain digits still work (a dry run keeps what it says)', async () => {
    const r = await cli(['backup', 'prune', '--keep-last', '2', '--keep-daily', '01', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().prune.keep).toHaveLength(2);
    expect(r.json().prune.remove).toHaveLength(2);
  });
});

describe('store upload counts (?partSize=, ?concurrency=, ?maxAttempts= and their variables)', () => {
  const loc = (params: Record<string, string>): S3Location => ({ kind: 's3', bucket: 'b', prefix: '', params });
  const refused = (fn: () => unknown): EventdbError => {
    try {
      fn();
    } catch (e) {
      return e as EventdbError;
    }
    throw new Error('accepted');
  };

  it('refuses what is not plain decimal digits, naming where it came from', () => {
    for (const value of ['0x10', '1e1', ' 8', '+8', '8.0', '8MB']) {
      const e = refused(() => s3Settings(loc({ partSize: value }), {}));
      expect(e).toBeInstanceOf(EventdbError);
      expect(e.code).toBe('CONFIG');
      expect(e.exitCode).toBe(2);
      expect(e.message).toBe(`the store URL's partSize ${JSON.stringify(value)} is not a whole number ≥ 5`);
      expect(e.hint).toBe('write it in plain decimal digits, e.g. ?partSize=16');
      const c = refused(() => s3Settings(loc({}), { EVENTDB_S3_CONCURRENCY: value }));
      expect(c.message).toBe(`EVENTDB_S3_CONCURRENCY ${JSON.stringify(value)} is not a whole number ≥ 1`);
      expect(c.hint).toBe('write it in plain decimal digits, e.g. EVENTDB_S3_CONCURRENCY=4');
      expect(refused(() => s3Settings(loc({ maxAttempts: value }), {})).code).toBe('CONFIG');
    }
    expect(refused(() => s3Settings(loc({ partSize: '4' }), {})).message).toBe(`the store URL's partSize "4" is not a whole number ≥ 5`);
  });

  it('plain digits still work', () => {
    const s = s3Settings(loc({ partSize: '8', concurrency: '2' }), { EVENTDB_S3_MAX_ATTEMPTS: '3' });
    expect(s.partSize).toBe(8 * 1024 * 1024);
    expect(s.concurrency).toBe(2);
    expect(s.client.maxAttempts).toBe(3);
  });
});
