import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('eventdb health-check (CLI)', () => {
  let dir = '';
  let url = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eventdb-hc-cli-'));
    url = `sqlite:${join(dir, 'app.sqlite')}`;
    const r = await runCli(['info', '--url', url], { cwd: dir });
    expect(r.code).toBe(0);
    // create the file through the library so the checks have a database to open
    const { openDatabase } = await import('../../src/index.js');
    const conn = await openDatabase({ flags: { url }, env: {}, cwd: dir });
    await conn.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--json has the stable shape {ok, status, checks} and exit 0 with only warnings', async () => {
    const r = await runCli(['health-check', '--url', url, '--json', '--check', 'connection,lock,database,storage'], { cwd: dir });
    expect(r.code).toBe(0);
    const j = r.json();
    expect(Object.keys(j).slice(0, 3)).toEqual(['ok', 'status', 'checks']);
    expect(j).toMatchObject({ ok: true, status: 'warn', exitCode: 0 });
    for (const c of j.checks) expect(Object.keys(c).sort()).toEqual(expect.arrayContaining(['name', 'status', 'durationMs', 'message']));
    expect(j.checks.find((c: any) => c.name === 'storage').status).toBe('warn');
  });

  it('--strict and production turn warnings into exit 1', async () => {
    const strict = await runCli(['health-check', '--url', url, '--check', 'connection,storage', '--strict'], { cwd: dir });
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/\[warn\] storage/);
    expect(strict.stdout).toMatch(/warnings fail here/);
    const prod = await runCli(['health-check', '--url', url, '--check', 'connection,storage', '--env', 'production', '--json'], { cwd: dir });
    expect(prod.code).toBe(1);
    expect(prod.json()).toMatchObject({ ok: false, strict: true });
  });

  it('prints a table with markers', async () => {
    const r = await runCli(['health-check', '--url', url, '--check', 'connection,lock'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\[ok\] {3}connection +[\d.]+ ms {2}SQLite 3\.\d+/m);
    expect(r.stdout).toMatch(/^\[ok\] {3}lock/m);
    expect(r.stdout).toMatch(/healthy: 2 ok/);
  });

  it('unknown check names are a usage error listing the valid ones; nothing runs', async () => {
    const r = await runCli(['health-check', '--url', url, '--check', 'connection,bogus', '--json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.json().error).toEqual({ code: 'USAGE', message: 'unknown check: bogus', hint: 'valid checks: connection, migrations, schema, lock, backup, storage, database' });
    expect(r.stderr).toMatch(/^error: unknown check: bogus\nhint: valid checks: connection, migrations/);
    const f = await runCli(['health-check', '--url', url, '--format', 'xml'], { cwd: dir });
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/unknown --format "xml"/);
  });

  it('a missing database exits 3 and creates nothing', async () => {
    const missing = join(dir, 'nope.sqlite');
    const r = await runCli(['health-check', '--url', `sqlite:${missing}`, '--check', 'connection,database'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/\[FAIL\] connection .*does not exist/);
    expect((await import('node:fs')).existsSync(missing)).toBe(false);
  });

  it('--format github prints annotations; --format prometheus prints parseable metrics', async () => {
    const gh = await runCli(['health-check', '--url', url, '--check', 'connection,storage', '--format', 'github'], { cwd: dir });
    expect(gh.code).toBe(0);
    expect(gh.stdout).toMatch(/^::warning title=eventdb health%3A storage::backup folder .* does not exist yet/m);
    expect(gh.stdout).toMatch(/^ok connection: SQLite/m);
    const missing = await runCli(['health-check', '--url', `sqlite:${join(dir, 'gone.sqlite')}`, '--check', 'connection', '--format', 'github'], { cwd: dir });
    expect(missing.code).toBe(3);
    expect(missing.stdout).toMatch(/^::error title=eventdb health%3A connection::database file .*gone\.sqlite does not exist/m);
    const prom = await runCli(['health-check', '--url', url, '--check', 'connection,database', '--format', 'prometheus'], { cwd: dir });
    expect(prom.code).toBe(0);
    const lines = prom.stdout.trim().split('\n').filter((l) => !l.startsWith('#'));
    for (const l of lines) expect(l).toMatch(/^[a-z_]+(\{[^}]*\})? [-0-9.e+]+$/);
    expect(prom.stdout).toMatch(/^eventdb_health_ok\{engine="sqlite"\} 1$/m);
    expect(prom.stdout).toMatch(/^eventdb_database_size_bytes\{engine="sqlite"\} \d+$/m);
  });

  it('--timeout bounds the run against a host that never answers', async () => {
    const { startBlackHole } = await import('./helpers.js');
    const hole = await startBlackHole();
    try {
      const t = Date.now();
      const r = await runCli(['health-check', '--url', `postgres://app:hunter2pw@127.0.0.1:${hole.port}/db`, '--timeout', '1s', '--json'], { cwd: dir });
      expect(Date.now() - t).toBeLessThan(4000);
      expect(r.code).toBe(3);
      const j = r.json();
      expect(j.checks[0]).toMatchObject({ name: 'connection', status: 'fail' });
      expect(r.stdout).not.toContain('hunter2pw');
    } finally {
      await hole.close();
    }
  });
});
