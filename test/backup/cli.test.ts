import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/embedded-pg.js';
import { fileState, seedItems } from './helpers.js';

describe('backup and restore commands (CLI output)', () => {
  let dir: string;
  let url: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eventdb-bkcli-'));
    url = `sqlite:${join(dir, 'app.sqlite')}`;
    await seedItems(await resolveConfig({ flags: { url }, env: {} }), 25);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('backup prints id, size, time and rate; --json has ok first and the backup object', async () => {
    const h = await runCli(['backup', '--url', url, '--tag', 'nightly'], { cwd: dir });
    expect(h.code, h.stderr).toBe(0);
    expect(h.stdout).toMatch(/^\[ok\] +snapshot \d{8}T\d{6}Z-[0-9a-f]{6} {2}sqlite "app" {2}[\d.]+ (B|KB|MB) stored \([\d.]+ (B|KB|MB) raw\) in [\d.]+ s, [\d.]+ (B|KB|MB)\/s, (zstd|gzip)$/m);
    expect(h.stdout).toMatch(/file:.*\/backups\/development\/app\/\d{8}T\d{6}Z-[0-9a-f]{6}\/ {2}\(SQLite online backup API; 1 tables, migration head none\)/);
    const j = await runCli(['backup', '--json', '--url', url], { cwd: dir });
    expect(j.code, j.stderr).toBe(0);
    expect(Object.keys(j.json())).toEqual(['ok', 'backup']);
    expect(j.json().backup).toMatchObject({ engine: 'sqlite', database: 'app', tables: { items: 25 }, encrypted: false, migrationHead: null });
    const l = await runCli(['backup', 'list', '--json', '--url', url], { cwd: dir });
    const list = l.json();
    expect(Object.keys(list)).toEqual(['ok', 'store', 'prefix', 'snapshots', 'otherFiles', 'incomplete', 'damaged']);
    expect(list.otherFiles).toEqual([]);
    expect(list.damaged).toEqual([]);
    expect(list.snapshots.map((s: { id: string }) => s.id)).toEqual([j.json().backup.id, expect.any(String)]);
    expect(list.snapshots[1].tag).toBe('nightly');
  });

  it('restore --if-newer on an up-to-date file says so and exits 0 without touching it', async () => {
    const before = fileState(join(dir, 'app.sqlite'));
    await new Promise((r) => setTimeout(r, 20));
    await seedItems(await resolveConfig({ flags: { url }, env: {} }), 1, 500);
    const after = fileState(join(dir, 'app.sqlite'));
    expect(after).not.toBe(before);
    const r = await runCli(['restore', '--latest', '--if-newer', '--url', url], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/not restored: the target's data \(.*\) is newer than snapshot/);
    expect(fileState(join(dir, 'app.sqlite'))).toBe(after);
  });

  it('a missing database file, an unreachable store and a bad --every are clear errors', async () => {
    const missing = await runCli(['backup', '--url', `sqlite:${join(dir, 'nope.sqlite')}`], { cwd: dir });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^error: database file .*nope\.sqlite does not exist$/m);
    const port = await freePort();
    const down = await runCli(['backup', 'list', '--url', url, '--store', `s3://b/p?endpoint=http://127.0.0.1:${port}`], { cwd: dir, env: { AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 'secret-value-123', AWS_REGION: 'us-east-1', EVENTDB_S3_MAX_ATTEMPTS: '1' } });
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/^error: cannot list s3:\/\/b\/p: .*ECONNREFUSED/m);
    expect(down.stderr).not.toContain('secret-value-123');
    const every = await runCli(['backup', '--every', 'soon', '--url', url], { cwd: dir });
    expect(every.code).toBe(2);
    expect(every.stderr).toMatch(/^error: invalid duration "soon" for --every$/m);
    const none = await runCli(['restore', '--url', url], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: name one snapshot: an ID, --latest or --at TIME$/m);
  });

  it('--compress chooses the codec (printed and in --json); an unknown codec exits 2 and writes nothing', async () => {
    const g = await runCli(['backup', '--url', url, '--compress', 'gzip', '--store', `file:${join(dir, 'gz')}`], { cwd: dir });
    expect(g.code, g.stderr).toBe(0);
    expect(g.stdout).toMatch(/\/s, gzip$/m);
    const n = await runCli(['backup', '--json', '--url', url, '--compress', 'none', '--store', `file:${join(dir, 'raw')}`], { cwd: dir });
    expect(n.code, n.stderr).toBe(0);
    expect(n.json().backup.compression).toBe('none');
    const bad = await runCli(['backup', '--url', url, '--compress', 'lz4', '--store', `file:${join(dir, 'lz4')}`], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --compress "lz4" is not a compression$/m);
    expect(bad.stderr).toMatch(/^hint: use zstd, gzip or none$/m);
    expect(existsSync(join(dir, 'lz4'))).toBe(false);
  });
});
