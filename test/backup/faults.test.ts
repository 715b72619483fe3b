import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { BIN, baseEnv, runCli } from '../helpers/cli.js';
import { createPgDatabase } from '../helpers/engines.js';
import { startS3, type S3Fixture } from '../helpers/s3.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { dataObject, dropPgDatabases, execSql, fileState, fingerprint, pgDatabases, seedItems } from './helpers.js';
import { pgAdminUrl } from '../helpers/engines.js';

type Engine = 'sqlite' | 'duckdb' | 'postgres';

let s3: S3Fixture;
let proxy: FaultProxy;
let dir: string;
let pgDb: Awaited<ReturnType<typeof createPgDatabase>>;
const urls: Record<Engine, string> = { sqlite: '', duckdb: '', postgres: '' };

beforeAll(async () => {
  s3 = await startS3();
  proxy = await startFaultProxy(s3.endpoint);
  dir = mkdtempSync(join(tmpdir(), 'eventdb-faults-'));
  pgDb = await createPgDatabase('eventdb_bkf');
  urls.sqlite = `sqlite:${join(dir, 'app.sqlite')}`;
  urls.duckdb = `duckdb:${join(dir, 'app.duckdb')}`;
  urls.postgres = pgDb.url;
  for (const e of ['sqlite', 'duckdb', 'postgres'] as const) await seedItems(await resolveConfig({ flags: { url: urls[e] }, env: {} }), 300);
});
afterAll(async () => {
  await proxy.close();
  await s3.close();
  const extra = (await pgDatabases(pgAdminUrl(), pgDb.name)).filter((d) => d !== pgDb.name);
  await dropPgDatabases(pgAdminUrl(), extra);
  await pgDb.drop();
  rmSync(dir, { recursive: true, force: true });
});

let prefixN = 0;
/** A fresh store prefix per test, reached through the fault proxy. */
function s3env(extra: Record<string, string> = {}) {
  const store = `s3://${s3.bucket}/faults-${++prefixN}`;
  return { store, env: { EVENTDB_STORE: store, S3_ENDPOINT: proxy.endpoint, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: 'us-east-1', EVENTDB_S3_MAX_ATTEMPTS: '3', ...extra } };
}

async function listed(engine: Engine, env: Record<string, string>): Promise<{ snapshots: Array<{ id: string }>; incomplete: Array<{ id: string }> }> {
  proxy.setFault(undefined);
  const r = await runCli(['backup', 'list', '--json', '--url', urls[engine]], { env, cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return r.json();
}

describe.each(['sqlite', 'duckdb', 'postgres'] as const)('store faults during backup [%s]', (engine) => {
  it('500s from the store are retried and the backup succeeds', async () => {
    const { env } = s3env();
    proxy.setFault({ kind: 'status', status: 500, times: 2, match: 'upload' });
    const injected = proxy.injected;
    const r = await runCli(['backup', '--json', '--url', urls[engine]], { env, cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(proxy.injected - injected).toBe(2);
    const id = r.json().backup.id;
    expect((await listed(engine, env)).snapshots.map((s) => s.id)).toEqual([id]);
    const v = await runCli(['backup', 'verify', id, '--url', urls[engine]], { env, cwd: dir });
    expect(v.code, v.stderr).toBe(0);
  });

  it('a connection dropped on every attempt fails the backup with exit 1 and no snapshot', async () => {
    const { env } = s3env();
    proxy.setFault({ kind: 'drop', afterBytes: 100, times: 1000, match: 'upload' });
    const r = await runCli(['backup', '--url', urls[engine]], { env, cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot upload .*data\..* to s3:\/\//m);
    expect(r.stderr).toMatch(/^hint: /m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect((await listed(engine, env)).snapshots).toEqual([]);
  });

  it('kill -9 during the upload leaves no snapshot listed', async () => {
    const { env } = s3env();
    proxy.setFault({ kind: 'hold', match: 'upload' });
    const arrived = proxy.waitFor('upload');
    const child = spawn(process.execPath, [BIN, 'backup', '--url', urls[engine]], { cwd: dir, env: { ...baseEnv(), ...env }, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, sig) => r(sig)));
    await arrived;
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const l = await listed(engine, env);
    expect(l.snapshots).toEqual([]);
  });
});

describe('store faults (engine independent)', () => {
  it('a connection dropped mid-upload once is retried', async () => {
    const { env } = s3env();
    proxy.setFault({ kind: 'drop', afterBytes: 1000, times: 1, match: 'upload' });
    const injected = proxy.injected;
    const r = await runCli(['backup', '--json', '--url', urls.sqlite], { env, cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(proxy.injected - injected).toBe(1);
    expect((await listed('sqlite', env)).snapshots).toHaveLength(1);
  });

  it('wrong store credentials exit 3 and never print the secret; the SDK Node warning never shows', async () => {
    // s3rver checks the access key id (it does not verify SigV4 signatures): a wrong key pair.
    const { env } = s3env({ AWS_ACCESS_KEY_ID: 'AKIAWRONG', AWS_SECRET_ACCESS_KEY: 'wrong-Secret-9f8e7d' });
    proxy.setFault(undefined);
    const r = await runCli(['backup', '--json', '--url', urls.sqlite], { env, cwd: dir });
    expect(r.code).toBe(3);
    expect(r.json().error.code).toBe('AUTH');
    expect(r.json().error.message).toMatch(/rejected the credentials \(InvalidAccessKeyId\)/);
    expect(r.stdout + r.stderr).not.toContain('wrong-Secret-9f8e7d');
    const l = await runCli(['backup', 'list', '--url', urls.sqlite], { env, cwd: dir });
    expect(l.code).toBe(3);
    expect(l.stderr).toMatch(/^error: cannot list s3:\/\/.*rejected the credentials/m);
    expect(l.stdout + l.stderr).not.toContain('wrong-Secret-9f8e7d');
    // A successful S3 run prints nothing but its result: no NodeDeprecationWarning from the AWS SDK.
    const ok = await runCli(['backup', 'list', '--url', urls.sqlite], { env: s3env().env, cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).not.toMatch(/Warning|AWS SDK/);
  });
});

describe.each(['sqlite', 'duckdb', 'postgres'] as const)('restore faults [%s]', (engine) => {
  it('a corrupted object: verify and restore exit 1, the target unchanged', async () => {
    const store = join(dir, `store-corrupt-${engine}`);
    const env = { EVENTDB_STORE: `file:${store}` };
    const b = await runCli(['backup', '--url', urls[engine]], { env, cwd: dir });
    expect(b.code, b.stderr).toBe(0);
    const obj = dataObject(store);
    const buf = readFileSync(obj);
    buf.writeUInt8(buf.readUInt8(buf.length - 40) ^ 0x55, buf.length - 40);
    writeFileSync(obj, buf);
    const cfg = await resolveConfig({ flags: { url: urls[engine] }, env: {} });
    const before = engine === 'postgres' ? JSON.stringify([await fingerprint(cfg), await pgDatabases(pgAdminUrl(), pgDb.name)]) : fileState(cfg.database.path!);
    const v = await runCli(['backup', 'verify', '--latest', '--url', urls[engine]], { env, cwd: dir });
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/^error: data\..* (does not match the manifest|is damaged)/m);
    const r = await runCli(['restore', '--latest', '--json', '--url', urls[engine]], { env, cwd: dir });
    expect(r.code).toBe(1);
    expect(r.json().error.code).toBe('CORRUPT_SNAPSHOT');
    const after = engine === 'postgres' ? JSON.stringify([await fingerprint(cfg), await pgDatabases(pgAdminUrl(), pgDb.name)]) : fileState(cfg.database.path!);
    expect(after).toBe(before);
  });

  it('a full disk during restore: exit 1, DISK_FULL, the target unchanged (PostgreSQL: needs no temp space)', async () => {
    // The snapshot comes from a database larger than the free space where the restore writes.
    const src = engine === 'postgres' ? urls.postgres : `${engine}:${join(dir, `big-${engine}.${engine}`)}`;
    const srcCfg = await resolveConfig({ flags: { url: src }, env: {} });
    if (engine !== 'postgres') await seedItems(srcCfg, 30000);
    else await seedItems(srcCfg, 30000, 100000);
    const store = join(dir, `store-full-${engine}`);
    const b = await runCli(['backup', '--url', src, '--store', `file:${store}`], { cwd: dir });
    expect(b.code, b.stderr).toBe(0);
    const mnt = join(dir, `tmpfs-${engine}`);
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=600k', 'tmpfs', mnt]);
    try {
      let target = urls[engine];
      let env: Record<string, string> = {};
      let before: string;
      if (engine === 'postgres') {
        env = { EVENTDB_TMPDIR: mnt };
        const cfg = await resolveConfig({ flags: { url: target }, env: {} });
        before = JSON.stringify([await fingerprint(cfg), await pgDatabases(pgAdminUrl(), pgDb.name)]);
      } else {
        target = `${engine}:${join(mnt, `small.${engine}`)}`;
        await seedItems(await resolveConfig({ flags: { url: target }, env: {} }), 10);
        before = fileState(join(mnt, `small.${engine}`));
      }
      if (engine === 'postgres') {
        // PostgreSQL restores stream from the store into the new database: no local temp space at all,
        // so a nearly full temp disk does not matter (the server's own disk is PostgreSQL's to report).
        const ok = await runCli(['restore', '--latest', '--json', '--no-keep', '--url', src, '--to', target, '--store', `file:${store}`], { env, cwd: dir });
        expect(ok.code, ok.stderr).toBe(0);
        expect(ok.json().restore.restored).toBe(true);
        const cfg = await resolveConfig({ flags: { url: target }, env: {} });
        expect(JSON.stringify([await fingerprint(cfg), await pgDatabases(pgAdminUrl(), pgDb.name)])).toBe(before);
        expect(readdirSync(mnt)).toEqual([]);
        await execSql(srcCfg, 'delete from items where id >= 100000');
        return;
      }
      const r = await runCli(['restore', '--latest', '--json', '--url', src, '--to', target, '--store', `file:${store}`], { env, cwd: dir });
      expect(r.code, r.stderr).toBe(1);
      expect(r.json().error.code, r.stderr).toBe('DISK_FULL');
      expect(r.json().error.message).toMatch(/no space left/);
      expect(fileState(join(mnt, `small.${engine}`))).toBe(before);
      expect(readdirSync(mnt).filter((f) => f.startsWith('.') || f.includes('pre-restore'))).toEqual([]);
    } finally {
      execFileSync('umount', ['-l', mnt]);
    }
  });
});

describe('restore safety gates and backup --every (CLI)', () => {
  it('production restore without --yes and without a terminal exits 5 and changes nothing', async () => {
    const store = join(dir, 'store-prod');
    const env = { EVENTDB_STORE: `file:${store}`, EVENTDB_ENV: 'production' };
    const b = await runCli(['backup', '--url', urls.sqlite], { env, cwd: dir });
    expect(b.code, b.stderr).toBe(0);
    const before = fileState(join(dir, 'app.sqlite'));
    const r = await runCli(['restore', '--latest', '--url', urls.sqlite], { env, cwd: dir });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^error: refusing to restore a snapshot over .* on production without confirmation/m);
    expect(r.stderr).toMatch(/^hint: re-run with --yes/m);
    expect(fileState(join(dir, 'app.sqlite'))).toBe(before);
    const ok = await runCli(['restore', '--latest', '--yes', '--no-keep', '--url', urls.sqlite], { env, cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/restored snapshot .* into sqlite:/);
  });

  it('backup --every takes a final backup on SIGTERM and exits 0', async () => {
    const store = join(dir, 'store-every');
    const child = spawn(process.execPath, [BIN, 'backup', '--every', '1h', '--url', urls.sqlite], { cwd: dir, env: { ...baseEnv(), EVENTDB_STORE: `file:${store}` }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const first = new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => ((stdout += d.toString()), /snapshot \S+/.test(stdout) && resolve())));
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    await first;
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/SIGTERM received: taking a final backup/);
    expect(stdout.match(/\[ok\] +snapshot /g)).toHaveLength(2);
    const l = await runCli(['backup', 'list', '--json', '--url', urls.sqlite], { env: { EVENTDB_STORE: `file:${store}` }, cwd: dir });
    expect(l.json().snapshots).toHaveLength(2);
    expect(existsSync(store)).toBe(true);
  });
});
