import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { BIN, baseEnv, runCli } from '../helpers/cli.js';
import { fingerprint, seedItems } from '../backup/helpers.js';
import { expectCleanError, expectJsonError } from './helpers.js';

/**
 * Keys and the admin API are inputs too: a malformed age key is a key error naming where it came
 * from (never "damaged snapshot"), and the admin endpoints refuse wrong-typed fields (400), answer
 * 404 for an unknown snapshot and never let a control character into a tag.
 */
describe('hostile keys and admin requests', () => {
  let dir: string;
  let url: string;
  let recipient: string;
  let identity: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eventdb-hostile-keys-'));
    url = `sqlite:${join(dir, 'app.sqlite')}`;
    await seedItems(await resolveConfig({ flags: { url }, env: {} }), 15);
    const age = await import('age-encryption');
    identity = await age.generateIdentity();
    recipient = await age.identityToRecipient(identity);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a malformed age identity is a key error (exit 2) naming its file, without the key; the target is unchanged', async () => {
    const b = await runCli(['backup', '--json', '--url', url, '--encrypt-to', recipient], { cwd: dir });
    expect(b.code, b.stderr).toBe(0);
    const cut = `${identity.slice(0, -3)}QQQ`;
    const file = join(dir, 'bad-key.txt');
    writeFileSync(file, `# created: today\n${cut}\n`);
    const before = await fingerprint(await resolveConfig({ flags: { url }, env: {} }));
    const r = await runCli(['restore', '--latest', '--yes', '--url', url, '--identity', file], { cwd: dir });
    expectCleanError(r, 2, new RegExp(`^error: an age identity in the identity file ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not valid: `));
    expect(r.stderr).toMatch(/^hint: use the AGE-SECRET-KEY-1… line written by age-keygen/m);
    expect(r.stderr).not.toContain(cut.slice(16, 40));
    const v = await runCli(['backup', 'verify', '--latest', '--json', '--url', url], { cwd: dir, env: { EVENTDB_AGE_IDENTITY: cut } });
    expectJsonError(v, 2, 'BAD_KEY', /^an age identity in EVENTDB_AGE_IDENTITY is not valid/);
    expect(v.stdout + v.stderr).not.toContain(cut.slice(16, 40));
    expect(await fingerprint(await resolveConfig({ flags: { url }, env: {} }))).toEqual(before);
    // The right key still works.
    const ok = await runCli(['backup', 'verify', '--latest', '--json', '--url', url], { cwd: dir, env: { EVENTDB_AGE_IDENTITY: identity } });
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('a malformed recipient fails the backup at once as a key error, and the process exits', async () => {
    const r = await runCli(['backup', '--url', url, '--encrypt-to', 'age1qqqq'], { cwd: dir, timeoutMs: 20_000 });
    expect(r.signal).toBeNull();
    expectCleanError(r, 2, /^error: the age recipient "age1qqqq…" is not valid: /);
  });

  describe('admin API', () => {
    let child: ChildProcess;
    let base: string;
    const auth = { authorization: 'Bearer hostile-admin-token', 'content-type': 'application/json' };
    beforeAll(async () => {
      child = spawn(process.execPath, [BIN, 'health-check', '--serve', '--port', '0', '--json', '--url', url, '--check', 'connection', '--allow-http-restore'], {
        cwd: dir,
        env: { ...baseEnv(), EVENTDB_ADMIN_TOKEN: 'hostile-admin-token' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      base = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!).listening.url);
        });
        child.on('exit', (c) => reject(new Error(`exited ${c}`)));
      });
    });
    afterAll(() => {
      child.kill('SIGTERM');
    });

    it('binds to 127.0.0.1 by default', () => {
      expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    });

    it('a tag with control characters or of the wrong type is 400 and writes nothing', async () => {
      const list = async () => ((await (await fetch(`${base}/admin/backups`, { headers: auth })).json()) as any).snapshots.length;
      const n = await list();
      for (const tag of ['x\u001b[2Jy', 7, ['a']]) {
        const r = await fetch(`${base}/admin/backup`, { method: 'POST', headers: auth, body: JSON.stringify({ tag }) });
        expect(r.status).toBe(400);
        expect(((await r.json()) as any).error.code).toBe('USAGE');
      }
      expect(await list()).toBe(n);
      const ok = await fetch(`${base}/admin/backup`, { method: 'POST', headers: auth, body: JSON.stringify({ tag: 'fine' }) });
      expect(ok.status).toBe(200);
      expect(await list()).toBe(n + 1);
    });

    it('restore: a wrong-typed snapshot is 400 (never "the newest"), an unknown id is 404; nothing changes', async () => {
      const cfg = await resolveConfig({ flags: { url }, env: {} });
      await seedItems(cfg, 3, 500);
      const before = await fingerprint(cfg);
      for (const snapshot of [123, ['x'], { id: 'x' }, '', true]) {
        const r = await fetch(`${base}/admin/restore`, { method: 'POST', headers: auth, body: JSON.stringify({ snapshot }) });
        expect(r.status, JSON.stringify(snapshot)).toBe(400);
        expect(((await r.json()) as any).error.message).toMatch(/"snapshot" field must be a snapshot id/);
      }
      const bad = await fetch(`${base}/admin/restore`, { method: 'POST', headers: auth, body: JSON.stringify({ ifNewer: 'yes' }) });
      expect(bad.status).toBe(400);
      const unknown = await fetch(`${base}/admin/restore`, { method: 'POST', headers: auth, body: JSON.stringify({ snapshot: '19990101T000000Z-000000' }) });
      expect(unknown.status).toBe(404);
      expect(((await unknown.json()) as any).error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/^no snapshot "19990101T000000Z-000000" in /) });
      expect(await fingerprint(cfg)).toEqual(before);
    });
  });
});
