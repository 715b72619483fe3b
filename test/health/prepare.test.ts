import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createBackup } from '../../src/backup/index.js';
import { prepare } from '../../src/index.js';
import { baseEnv, BIN, runCli } from '../helpers/cli.js';
import { describeEngines } from '../helpers/engines.js';

describeEngines('eventdb prepare', (fx) => {
  function migrations(name: string): string {
    const dir = join(fx.dir(), name);
    mkdirSync(dir, { recursive: true });
    const ddl = fx.engine === 'sqlite' ? 'create table things (id integer primary key, name text)' : 'create table things (id bigint primary key, name text)';
    writeFileSync(join(dir, '0001_things.sql'), `-- eventdb:up\n${ddl};\n-- eventdb:down\ndrop table things;\n`);
    return dir;
  }

  it('--migrate applies pending migrations, then runs the health checks: exit 0 with every step timed', async () => {
    const dir = migrations('m1');
    const r = await runCli(['prepare', '--url', fx.url(), '--migrate', '--json', '--check', 'connection,lock,database'], { env: { EVENTDB_MIGRATIONS_DIR: dir }, cwd: fx.dir() });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const j = r.json();
    expect(j.ok).toBe(true);
    expect(j.steps.map((s: any) => [s.name, s.status])).toEqual([['config', 'ok'], ['restore', 'skipped'], ['connect', 'ok'], ['migrations', 'ok'], ['health', 'ok']]);
    expect(j.steps[3].message).toBe('applied 1 migration: 0001_things');
    for (const s of j.steps) expect(typeof s.durationMs).toBe('number');
    const again = await runCli(['prepare', '--url', fx.url(), '--check', 'lock'], { env: { EVENTDB_MIGRATIONS_DIR: dir }, cwd: fx.dir() });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/\[ok\] {3}migrations +\d+ ms {2}1 applied, none pending/);
    expect(again.stdout).toMatch(/ready in \d+ ms/);
  });

  it('--serve: once ready it stays up as the health server; SIGTERM stops it with exit 0', async () => {
    const dir = migrations('m-serve');
    const child = spawn(process.execPath, [BIN, 'prepare', '--migrate', '--serve', '--port', '0', '--url', fx.url(), '--check', 'connection,migrations,lock'], {
      env: { ...baseEnv(), EVENTDB_MIGRATIONS_DIR: dir },
      cwd: fx.dir(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /listening on (http:\/\/[^\s]+)/.exec(stderr);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (c) => reject(new Error(`exited ${c}: ${stderr}`)));
    });
    expect(stdout).toMatch(/ready in \d+ ms/);
    expect(stdout).toContain('applied 1 migration: 0001_things');
    const res = await fetch(`${url}/health/full`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.checks.map((c: any) => [c.name, c.status])).toEqual([['connection', 'ok'], ['migrations', 'ok'], ['lock', 'ok']]);
    child.kill('SIGTERM');
    expect(await new Promise<number | null>((r) => child.on('exit', (c) => r(c)))).toBe(0);
  });

  it('--admin-token without --serve is a usage error (exit 2), nothing applied', async () => {
    const dir = migrations('m-admin');
    const r = await runCli(['prepare', '--migrate', '--admin-token', 'x', '--url', fx.url()], { env: { EVENTDB_MIGRATIONS_DIR: dir }, cwd: fx.dir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: --admin-token and --allow-http-restore need --serve');
    const status = await runCli(['migrate', 'status', '--json', '--url', fx.url()], { env: { EVENTDB_MIGRATIONS_DIR: dir }, cwd: fx.dir() });
    expect(status.code).toBe(0);
    expect(status.json().pending).toBe(1);
  });

  it('pending without --migrate warns in development and fails in production; nothing is applied', async () => {
    const dir = migrations('m2');
    const input = { flags: { url: fx.url(), migrations: dir }, env: {}, cwd: fx.dir() };
    const dev = await prepare(input, { health: { checks: ['lock'] } });
    if (fx.engine !== 'postgres') {
      // a prepare that does not migrate never creates a database file
      expect(dev.exitCode).toBe(3);
      expect(dev.steps.find((s) => s.name === 'connect')!.message).toMatch(/does not exist/);
      expect(existsSync(fx.url().replace(/^\w+:/, ''))).toBe(false);
      return;
    }
    expect(dev.steps.find((s) => s.name === 'migrations')).toMatchObject({ status: 'warn', message: '1 pending (0001_things); pass --migrate to apply' });
    expect(dev.exitCode).toBe(0);
    const prod = await prepare({ ...input, flags: { ...input.flags, env: 'production' } }, { health: { checks: ['lock'] } });
    expect(prod.exitCode).toBe(1);
    expect(prod.steps.map((s) => s.status)).toEqual(['ok', 'skipped', 'ok', 'fail', 'skipped']);
    expect(prod.steps[4]!.message).toBe('not run: an earlier step failed');
  });

  it('in production a changed checksum refuses to start (exit 5) and --migrate does not apply anything', async () => {
    const dir = migrations('m3');
    const input = { flags: { url: fx.url(), migrations: dir }, env: {}, cwd: fx.dir() };
    expect((await prepare(input, { migrate: true, health: { checks: ['lock'] } })).exitCode).toBe(0);
    writeFileSync(join(dir, '0001_things.sql'), `-- eventdb:up\ncreate table things (id bigint primary key, name text, extra text);\n-- eventdb:down\ndrop table things;\n`);
    writeFileSync(join(dir, '0002_more.sql'), `-- eventdb:up\ncreate table more_things (id bigint primary key);\n`);
    const r = await prepare({ ...input, flags: { ...input.flags, env: 'production' } }, { migrate: true, health: { checks: ['lock'] } });
    expect(r.exitCode).toBe(5);
    const m = r.steps.find((s) => s.name === 'migrations')!;
    expect(m.status).toBe('fail');
    expect(m.message).toBe('refusing to start: applied migration changed since applied (checksum): 0001_things');
    const { openDatabase } = await import('../../src/index.js');
    const { migrationStatus } = await import('../../src/migrations/status.js');
    const { resolveConfig } = await import('../../src/config/index.js');
    const config = await resolveConfig(input);
    const conn = await openDatabase(config);
    try {
      const st = await migrationStatus(conn, config);
      expect(st.migrations.map((m) => [m.id, m.state])).toEqual([['0001_things', 'changed'], ['0002_more', 'pending']]);
    } finally {
      await conn.close();
    }
  });

  if (fx.engine === 'sqlite') {
    it('--restore-if-newer brings back a missing database file from the store', async () => {
      const dir = migrations('m4');
      const input = { flags: { url: fx.url(), migrations: dir, store: `file:${join(fx.dir(), 'snaps')}` }, env: {}, cwd: fx.dir() };
      expect((await prepare(input, { migrate: true, health: { checks: ['lock'] } })).exitCode).toBe(0);
      const { resolveConfig } = await import('../../src/config/index.js');
      await createBackup(await resolveConfig(input));
      const path = fx.url().replace(/^sqlite:/, '');
      rmSync(path);
      rmSync(`${path}-wal`, { force: true });
      rmSync(`${path}-shm`, { force: true });
      const r = await prepare(input, { restoreIfNewer: true, health: { checks: ['lock', 'database'] } });
      expect(r.steps.find((s) => s.name === 'restore')!.message).toMatch(/^restored snapshot \S+/);
      expect(r.exitCode).toBe(0);
      expect(existsSync(path)).toBe(true);
      expect(r.steps.find((s) => s.name === 'migrations')!.message).toBe('1 applied, none pending');
    });
  }
}, ['postgres', 'sqlite', 'duckdb']);
