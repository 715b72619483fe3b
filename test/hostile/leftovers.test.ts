import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';
import type { ResolvedConfig } from '../../src/config/index.js';
import { BIN, baseEnv, runCli } from '../helpers/cli.js';
import { describeEngines, pgAdminUrl } from '../helpers/engines.js';
import { dropPgDatabases, execSql, fingerprint, pgDatabases } from '../backup/helpers.js';

/**
 * What failed and killed runs leave behind, and who removes it. A failure cleans up at once; a run
 * killed with `kill -9` cannot, so the next run removes what only a dead run can have left: hidden
 * `.<file>.restore-*` download folders and `<db>_restore_<time>` databases (under the target's
 * restore lock, so no running restore owns them), and `eventdb-<kind>-<pid>-*` temp folders whose
 * process is gone.
 */

/** Runs the CLI and kills it with SIGKILL as soon as `seen()` is true; fails if it ends first. */
async function killWhen(args: string[], cwd: string, env: Record<string, string>, seen: () => Promise<boolean> | boolean): Promise<void> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const ended = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  let done = false;
  void ended.then(() => (done = true));
  while (!done) {
    if (await seen()) {
      child.kill('SIGKILL');
      await ended;
      return;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`the command ended before the point to kill it at: ${stderr}`);
}

async function bigTable(cfg: ResolvedConfig, variant: string): Promise<void> {
  // ~24 MB that gzip cannot shrink, so downloads and loads take long enough to be interrupted.
  if (variant === 'sqlite') {
    await execSql(cfg, 'create table items (id integer primary key, name text not null, amount real)');
    await execSql(cfg, 'with recursive s(x) as (select 1 union all select x + 1 from s where x < 12000) insert into items select x, hex(randomblob(1000)), x from s');
  }
  else if (variant === 'duckdb') await execSql(cfg, "create table items (id integer primary key, name varchar not null, amount double); insert into items select x, md5(x::varchar) || md5((x*7)::varchar) || repeat(md5((x*3)::varchar), 60), x from range(1, 12001) t(x)");
  else await execSql(cfg, "create table items (id integer primary key, name text not null, amount double precision); insert into items select g, (select string_agg(md5((g * 1000 + i)::text), '') from generate_series(1, 60) i), g from generate_series(1, 12000) g");
}

describeEngines('leftovers of failed and killed runs', (fx) => {
  it('kill -9 during a backup leaves a temp folder that the next backup removes; a failed backup leaves none', async () => {
    const cfg = await fx.config();
    await bigTable(cfg, fx.variant);
    const tmp = join(fx.dir(), `tmp-backup-${Date.now()}`);
    mkdirSync(tmp);
    const env = { EVENTDB_TMPDIR: tmp, EVENTDB_PG_DUMP: 'never' };
    await killWhen(['backup', '--url', fx.url()], fx.dir(), env, () => readdirSync(tmp).some((d) => d.startsWith('eventdb-backup-')));
    const left = readdirSync(tmp);
    expect(left).toEqual([expect.stringMatching(/^eventdb-backup-\d+-\w{6}$/)]);
    const b = await runCli(['backup', '--json', '--url', fx.url()], { cwd: fx.dir(), env });
    expect(b.code, b.stderr).toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
    // A backup that fails to connect: no temp folder at all.
    const missing = fx.variant === 'postgres' ? `${fx.url().replace(/\/[^/]+$/, '')}/no_such_db_h15` : fx.url();
    if (fx.variant === 'postgres') {
      const f = await runCli(['backup', '--url', missing], { cwd: fx.dir(), env });
      expect(f.code).toBe(3);
      expect(f.stderr).toMatch(/^error: .*no_such_db_h15/m);
      expect(readdirSync(tmp)).toEqual([]);
    }
  }, 120_000);

  if (fx.variant === 'pglite') {
    it('kill -9 during a PGlite restore leaves its temp folder; the next restore removes it; the target is whole', async () => {
      const cfg = await fx.config();
      await bigTable(cfg, fx.variant);
      const before = await fingerprint(cfg);
      const tmp = join(fx.dir(), `tmp-restore-${Date.now()}`);
      mkdirSync(tmp);
      const b = await runCli(['backup', '--json', '--url', fx.url()], { cwd: fx.dir() });
      expect(b.code, b.stderr).toBe(0);
      const leftovers = () => readdirSync(tmp).filter((d) => existsSync(join(tmp, d, 'data')) && statSync(join(tmp, d, 'data')).size > 1_000_000);
      await killWhen(['restore', '--latest', '--yes', '--url', fx.url()], fx.dir(), { EVENTDB_TMPDIR: tmp }, () => leftovers().length > 0);
      expect(readdirSync(tmp)).toEqual([expect.stringMatching(/^eventdb-restore-\d+-\w{6}$/)]);
      expect(await fingerprint(cfg)).toEqual(before);
      const r = await runCli(['restore', '--latest', '--yes', '--json', '--no-keep', '--url', fx.url()], { cwd: fx.dir(), env: { EVENTDB_TMPDIR: tmp }, timeoutMs: 170_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(readdirSync(tmp)).toEqual([]);
      expect(await fingerprint(cfg)).toEqual(before);
    }, 240_000);
    return;
  }

  it('kill -9 during a restore: the next restore removes what it left and says so; the target is whole', async () => {
    const cfg = await fx.config();
    await bigTable(cfg, fx.variant);
    const before = await fingerprint(cfg);
    const b = await runCli(['backup', '--json', '--url', fx.url()], { cwd: fx.dir(), env: { EVENTDB_PG_DUMP: 'never' } });
    expect(b.code, b.stderr).toBe(0);
    const dbName = fx.variant === 'postgres' ? new URL(fx.url()).pathname.slice(1).slice(0, 30) : '';
    const leftovers = async (): Promise<string[]> => {
      if (fx.variant === 'postgres') return pgDatabases(pgAdminUrl(), `${dbName}_restore_`);
      const path = cfg.database.path!;
      return readdirSync(dirname(path)).filter((f) => {
        const data = join(dirname(path), f, 'data');
        return f.startsWith(`.${path.split('/').pop()}.restore-`) && existsSync(data) && statSync(data).size > 1_000_000;
      });
    };
    await killWhen(['restore', '--latest', '--yes', '--url', fx.url()], fx.dir(), {}, async () => (await leftovers()).length > 0);
    const left = await leftovers();
    expect(left).toHaveLength(1);
    expect(await fingerprint(cfg)).toEqual(before); // a killed restore never touched the target
    const r = await runCli(['restore', '--latest', '--yes', '--json', '--no-keep', '--url', fx.url()], { cwd: fx.dir(), timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().restore.notes.join('\n')).toMatch(/^removed 1 (folder|database)\(s\) left by an interrupted restore: /m);
    expect(await leftovers()).toEqual([]);
    expect(await fingerprint(cfg)).toEqual(before);
    if (fx.variant === 'postgres') await dropPgDatabases(pgAdminUrl(), left);
  }, 180_000);
}, ['sqlite', 'duckdb', 'postgres', 'pglite']);
