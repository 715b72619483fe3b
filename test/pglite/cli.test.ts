import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { libraryVersion } from '../../src/dialects/pglite/version.js';
import { ROOT, runCli } from '../helpers/cli.js';

const HOLD = fileURLToPath(new URL('./fixtures/hold-dir.mjs', import.meta.url));
const MIGRATIONS = join(ROOT, 'migrations');
let root = '';
let dir = '';
let url = '';
const children: ChildProcess[] = [];
const v = libraryVersion();
const VERSION = `PostgreSQL ${v.postgres} (PGlite ${v.pglite})`;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'eventdb-pglite-cli-'));
  dir = join(root, 'data', 'pg');
  url = `pglite:${dir}`;
});
afterAll(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

const cli = (args: string[], env: Record<string, string> = {}) => runCli([...args, '--url', url], { cwd: root, env, timeoutMs: 120_000 });

describe('eventdb on PGlite, end to end', () => {
  it('info before the directory exists: PGlite and PostgreSQL versions of the library, nothing created', async () => {
    const r = await cli(['info', '--json']);
    expect(r.code).toBe(0);
    const j = r.json();
    expect(j).toMatchObject({ ok: true, engine: 'postgres', driver: 'pglite', serverVersion: `${VERSION} (library)`, database: { exists: false, memory: false } });
    expect(existsSync(join(root, 'data'))).toBe(false);
    const status = await cli(['migrate', 'status', '--migrations', MIGRATIONS, '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect((status.json().migrations as Array<{ state: string }>).every((m) => m.state === 'pending')).toBe(true);
    expect(existsSync(join(root, 'data'))).toBe(false); // a read-only command does not create the directory
  });

  it('migrate up runs the platform migrations (PL/pgSQL functions, triggers); status, validate, seed, health-check and info work', async () => {
    const up = await cli(['migrate', 'up', '--migrations', MIGRATIONS, '--json']);
    expect(up.code, up.stderr).toBe(0);
    const applied = up.json().applied as Array<{ id: string } | string>;
    const ids = applied.map((m) => (typeof m === 'string' ? m : m.id));
    expect(applied.length).toBeGreaterThanOrEqual(4);
    const status = await cli(['migrate', 'status', '--migrations', MIGRATIONS, '--json']);
    expect(status.code, status.stderr).toBe(0);
    const rows = status.json().migrations as Array<{ id: string; state: string }>;
    expect(rows.map((m) => m.id)).toEqual(ids);
    expect(new Set(rows.map((m) => m.state))).toEqual(new Set(['applied']));

    const validate = await cli(['validate', '--json'], {});
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
    expect(validate.json().ok).toBe(true);

    const seed = await cli(['seed', '--profile', 'demo', '--json']);
    expect(seed.code, seed.stderr).toBe(0);
    expect(seed.json().seed.totalRows).toBeGreaterThan(100);

    const health = await cli(['health-check', '--json'], { EVENTDB_MIGRATIONS_DIR: MIGRATIONS });
    expect(health.json().ok, health.stdout).toBe(true);
    expect(health.code).toBe(0);

    const info = await cli(['info', '--json']);
    expect(info.json()).toMatchObject({ ok: true, driver: 'pglite', serverVersion: VERSION, database: { exists: true } });
    const human = await cli(['info']);
    expect(human.stdout).toMatch(new RegExp(`engine\\s+postgres \\(pglite\\)`));
    expect(human.stdout).toContain(VERSION);
  }, 240_000); // a new data directory plus seven eventdb processes, each booting PGlite

  it('backup and restore through the CLI', async () => {
    const store = `file:${join(root, 'backups')}`;
    const b = await cli(['backup', '--store', store, '--json']);
    expect(b.code, b.stderr).toBe(0);
    const tables = b.json().backup.tables as Record<string, number>;
    expect(tables.users).toBeGreaterThan(0);
    const to = `pglite:${join(root, 'copy')}`;
    // --force: the backup module does not yet recognise engine-variant migration files (0010_x.postgres.sql) as the head 0010_x
    const r = await runCli(['restore', '--latest', '--store', store, '--url', url, '--to', to, '--yes', '--force', '--json'], { cwd: root, env: { EVENTDB_MIGRATIONS_DIR: MIGRATIONS }, timeoutMs: 120_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const restored = r.json();
    expect(restored.restore?.tables ?? restored.tables, r.stdout).toEqual(tables);
  }, 180_000);

  it('a second process gets exit 4 naming the holder, while info still answers at once', async () => {
    const child = spawn(process.execPath, [HOLD, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('open') && resolve());
      child.on('exit', (code) => reject(new Error(`holder exited ${code}`)));
    });
    const before = readFileSync(join(dir, 'PG_VERSION'), 'utf8');
    const r = await cli(['migrate', 'up', '--migrations', MIGRATIONS, '--lock-timeout', '1']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(new RegExp(`^error: PGlite data directory ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is open in pid ${child.pid} on `, 'm'));
    expect(r.stderr).toMatch(/^hint: PGlite allows one process at a time/m);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const t0 = Date.now();
    const info = await cli(['info', '--json']);
    expect(info.json()).toMatchObject({ ok: true, serverVersion: VERSION, database: { exists: true } });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(readFileSync(join(dir, 'PG_VERSION'), 'utf8')).toBe(before);
  });

  it('init offers PGlite: --engine pglite writes a pglite: URL and an in-memory PGlite test environment', async () => {
    const cwd = mkdtempSync(join(root, 'init-'));
    const r = await runCli(['init', '--engine', 'pglite', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(cwd, 'eventdb.config.json'), 'utf8'));
    expect(config.url).toBe('pglite:./eventdb.pglite');
    expect(config.environments.test.url).toBe('pglite::memory:');
  });
});
