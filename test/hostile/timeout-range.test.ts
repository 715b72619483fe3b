import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createPgDatabase } from '../helpers/engines.js';
import { expectCleanError, expectJsonError } from './helpers.js';

/*
 * A timeout setting (connectTimeout, statementTimeout, pool.idleTimeout, pool.acquireTimeout — environment
 * variable or config key) becomes a timer or a driver's timeout, which hold at most 2,147,483,647 ms: a
 * longer one failed the SQLite open ("Option "timeout" cannot be greater than 2147483647", exit 3), fired
 * at once (TimeoutOverflowWarning), or was refused by PostgreSQL at connect (shown as "no answer", exit 3).
 * It is a configuration error now: exit 2, CONFIG, one line naming the setting, nothing opened or created.
 */
const MIGRATION = '-- eventdb:up\ncreate table t (id integer primary key);\n';
const HUGE = '99999999999';

let root = '';
let pgDb: Awaited<ReturnType<typeof createPgDatabase>>;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'eventdb-timeouts-'));
  pgDb = await createPgDatabase('eventdb_timeouts');
});
afterAll(async () => {
  await pgDb?.drop();
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
function project(config?: object): string {
  const cwd = join(root, `p${++n}`);
  mkdirSync(join(cwd, 'migrations'), { recursive: true });
  writeFileSync(join(cwd, 'migrations', '0001_t.sql'), MIGRATION);
  if (config) writeFileSync(join(cwd, 'eventdb.config.json'), JSON.stringify(config));
  return cwd;
}

const ENV = ['EVENTDB_CONNECT_TIMEOUT', 'EVENTDB_STATEMENT_TIMEOUT', 'EVENTDB_POOL_IDLE_TIMEOUT', 'DB_POOL_ACQUIRE_TIMEOUT'];

describe('timeout settings above what a timer holds', () => {
  for (const name of ENV) {
    it(`${name}=${HUGE}: migrate up exits 2 (CONFIG) naming it; no SQLite file is made`, async () => {
      const cwd = project();
      const r = await runCli(['migrate', 'up'], { cwd, env: { [name]: HUGE } });
      expectCleanError(r, 2, new RegExp(`^error: duration "${HUGE}" for env:${name} is too long: at most 2147483647 ms`));
      expect(r.stderr).not.toContain('TimeoutOverflowWarning');
      expectJsonError(await runCli(['migrate', 'up', '--json'], { cwd, env: { [name]: HUGE } }), 2, 'CONFIG', /is too long/);
      expect(existsSync(join(cwd, 'eventdb.sqlite'))).toBe(false);
    });
  }

  it('with a unit (25d) and from the config file (never echoing the value): the same refusal', async () => {
    const env = await runCli(['migrate', 'status', '--json'], { cwd: project(), env: { EVENTDB_CONNECT_TIMEOUT: '25d' } });
    expectJsonError(env, 2, 'CONFIG', /^duration "25d" for env:EVENTDB_CONNECT_TIMEOUT is too long/);
    for (const config of [{ connectTimeout: 3_000_000 }, { statementTimeout: '30d' }, { pool: { idleTimeout: 1e12 } }, { environments: { development: { connectTimeout: 3_000_000 } } }]) {
      const cwd = project(config);
      const r = await runCli(['migrate', 'up', '--json'], { cwd });
      expectJsonError(r, 2, 'CONFIG', /^duration for file:.*eventdb\.config\.json \((connectTimeout|statementTimeout|pool\.idleTimeout)\) is too long/);
      expect(r.stdout).not.toMatch(/3000000|30d|1000000000000/);
      expect(existsSync(join(cwd, 'eventdb.sqlite'))).toBe(false);
    }
  });

  it('PostgreSQL: a statement timeout the server would refuse is a usage error (exit 2), not "cannot connect" (exit 3); nothing is applied', async () => {
    const cwd = project();
    const r = await runCli(['migrate', 'up', '--url', pgDb.url, '--json'], { cwd, env: { EVENTDB_STATEMENT_TIMEOUT: HUGE } });
    expectJsonError(r, 2, 'CONFIG', /env:EVENTDB_STATEMENT_TIMEOUT is too long/);
    const status = await runCli(['migrate', 'status', '--url', pgDb.url, '--json'], { cwd });
    expect(status.code, status.stderr).toBe(0);
    expect(status.json()).toMatchObject({ applied: 0, pending: 1 });
  });

  it('the longest value a timer holds (2147483647ms, 24d) is accepted', async () => {
    const cwd = project();
    for (const [k, v] of [['EVENTDB_CONNECT_TIMEOUT', '2147483647ms'], ['EVENTDB_STATEMENT_TIMEOUT', '24d'], ['EVENTDB_POOL_IDLE_TIMEOUT', '2147483647']]) {
      const r = await runCli(['migrate', 'up', '--url', pgDb.url, '--json'], { cwd, env: { [k!]: v } });
      expect(r.code, `${k}=${v}: ${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stderr).not.toContain('TimeoutOverflowWarning');
    }
    const sqlite = await runCli(['migrate', 'up', '--json'], { cwd, env: { EVENTDB_CONNECT_TIMEOUT: '2147483647ms' } });
    expect(sqlite.code, sqlite.stderr).toBe(0);
  });
});

describe('--timeout flags above what a timer holds', () => {
  it('backup --every 25d / --final-timeout 25d: a usage error before any backup (it used to fire every millisecond)', async () => {
    const cwd = project();
    for (const args of [['--every', '25d'], ['--every', '1h', '--final-timeout', '25d']]) {
      const r = await runCli(['backup', ...args, '--store', `file:${join(cwd, 'store')}`, '--json'], { cwd });
      expectJsonError(r, 2, 'USAGE', new RegExp(`^duration "25d" for ${args.at(-2)} is too long`));
      expect(existsSync(join(cwd, 'store'))).toBe(false);
    }
  });

  for (const cmd of ['health-check', 'prepare']) {
    it(`${cmd} --timeout 25d: a usage error (exit 2), not "cannot connect" (exit 3); no SQLite file is made`, async () => {
      const cwd = project();
      const r = await runCli([cmd, '--timeout', '25d', '--json'], { cwd });
      expectJsonError(r, 2, 'USAGE', /^duration "25d" for --timeout is too long: at most 2147483647 ms/);
      expect(existsSync(join(cwd, 'eventdb.sqlite'))).toBe(false);
    });
  }
});
