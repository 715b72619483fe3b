import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';

// Issue 16: every duration flag, environment variable and config key reads the same grammar. Before,
// `auto-fix --lock-timeout 30s` failed ("must be a number of seconds") and `migrate up --lock-timeout 2h`
// failed while `prepare --lock-timeout 2h` was accepted.
describe('one duration grammar on every command', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'eventdb-durations-'));
  const db = join(cwd, 'app.sqlite');
  const url = `sqlite:${db}`;
  const env = { EVENTDB_MIGRATIONS_DIR: join(ROOT, 'migrations'), EVENTDB_SCHEMA_DIR: join(ROOT, 'schema') };

  it('accepts 2h, 30s and 1.5m on migrate up, auto-fix and rollback', async () => {
    const up = await runCli(['migrate', 'up', '--url', url, '--lock-timeout', '2h', '--json'], { cwd, env });
    expect(up.code, up.stderr).toBe(0);
    expect(up.json().applied.length).toBeGreaterThan(0);
    const fix = await runCli(['auto-fix', '--url', url, '--lock-timeout', '30s', '--json'], { cwd, env });
    expect(fix.code, fix.stderr).toBe(0);
    const down = await runCli(['rollback', '--url', url, '--lock-timeout', '1.5m', '--dry-run', '--json'], { cwd, env });
    expect(down.code, down.stderr).toBe(0);
  });

  it('refuses a malformed duration with the same message on each command, exit 2, and opens nothing', async () => {
    const fresh = join(cwd, 'never.sqlite');
    const cases: string[][] = [
      ['migrate', 'up', '--lock-timeout', 'soon'],
      ['auto-fix', '--lock-timeout', 'soon'],
      ['rollback', '--lock-timeout', 'soon'],
      ['prepare', '--lock-timeout', 'soon'],
      ['restore', '--latest', '--lock-timeout', 'soon'],
      ['backup', '--every', 'soon'],
    ];
    for (const args of cases) {
      const flag = args[args.length - 2]!;
      const r = await runCli([...args, '--url', `sqlite:${fresh}`, '--json'], { cwd });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.json().error).toEqual({ code: 'USAGE', message: `invalid duration "soon" for ${flag}`, hint: 'use a number of seconds, or a value like 500ms, 30s, 5m, 2h, 1d' });
      expect(existsSync(fresh), args.join(' ')).toBe(false);
    }
  });

  it('reads durations in environment variables with the same grammar (a plain number keeps its documented unit)', async () => {
    const ok = await runCli(['info', '--url', url, '--json'], { cwd, env: { EVENTDB_CONNECT_TIMEOUT: '2m', EVENTDB_POOL_IDLE_TIMEOUT: '15000' } });
    expect(ok.code, ok.stderr).toBe(0);
    const bad = await runCli(['info', '--url', url, '--json'], { cwd, env: { EVENTDB_CONNECT_TIMEOUT: 'later' } });
    expect(bad.code).toBe(2);
    expect(bad.json().error).toMatchObject({ code: 'CONFIG', message: 'invalid duration "later" for env:EVENTDB_CONNECT_TIMEOUT' });
  });
});
