import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { runHealthChecks } from '../../src/health/index.js';
import { openDatabase } from '../../src/index.js';
import { migrateUp } from '../../src/migrations/up.js';
import { describeEngines } from '../helpers/engines.js';
import { freePort } from '../helpers/embedded-pg.js';
import { holdLock, startBlackHole, TABLE_DDL } from './helpers.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

const check = (r: { checks: Array<{ name: string }> }, name: string) => r.checks.find((c) => c.name === name) as { name: string; status: string; message: string; durationMs: number; details?: any };

describeEngines('health checks', (fx) => {
  async function createTable(): Promise<void> {
    const conn = await openDatabase(await fx.config());
    await sql.raw(TABLE_DDL[fx.engine]!).execute(conn.db);
    await conn.close();
  }

  function migrationsDir(name: string, files: Record<string, string>): string {
    const dir = join(fx.dir(), name);
    mkdirSync(dir, { recursive: true });
    for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
    return dir;
  }

  it('connection, lock and database are ok on a healthy database', async () => {
    await createTable();
    const r = await runHealthChecks(await fx.config(), { checks: ['connection', 'lock', 'database'] });
    expect(r.checks.map((c) => [c.name, c.status])).toEqual([['connection', 'ok'], ['lock', 'ok'], ['database', 'ok']]);
    expect(r).toMatchObject({ ok: true, status: 'ok', exitCode: 0, engine: fx.engine });
    const conn = check(r, 'connection');
    expect(conn.details.serverVersion).toMatch({ postgres: /^PostgreSQL/, sqlite: /^SQLite/, duckdb: /^DuckDB/ }[fx.engine]);
    expect(conn.details.latencyMs).toBeGreaterThanOrEqual(0);
    expect(check(r, 'database').details.sizeBytes).toBeGreaterThan(0);
    if (fx.engine === 'postgres') expect(check(r, 'database').details.connections.max).toBeGreaterThan(0);
  });

  it('a missing database file or database cannot connect: exit 3, nothing created', async () => {
    const url = fx.engine === 'postgres' ? fx.url().replace(/\/[^/?]+(\?|$)/, '/eventdb_no_such_db$1') : `${fx.engine}:${join(fx.dir(), `missing.${fx.engine}`)}`;
    const config = await resolveConfig({ flags: { url }, env: {}, cwd: fx.dir() });
    const r = await runHealthChecks(config, { checks: ['connection', 'lock', 'storage'] });
    expect(r.exitCode).toBe(3);
    expect(r.ok).toBe(false);
    expect(check(r, 'connection').status).toBe('fail');
    expect(check(r, 'connection').message).toMatch(/does not exist/);
    // PostgreSQL's lock lives in the server; a file engine's lock file is read without the database.
    if (fx.engine === 'postgres') expect(check(r, 'lock')).toMatchObject({ status: 'skipped', message: 'not run: cannot connect to the database' });
    else expect(check(r, 'lock')).toMatchObject({ status: 'ok', message: 'migration lock is free' });
    expect(check(r, 'storage').status).toBe('warn'); // still ran
    if (fx.engine !== 'postgres') expect((await import('node:fs')).existsSync(config.database.path!)).toBe(false);
  });

  it('lock: held briefly by another process warns; held past the threshold fails', async () => {
    await createTable();
    await holdLock(fx.url(), 30, children);
    const config = await fx.config();
    const warn = await runHealthChecks(config, { checks: ['lock'] });
    expect(check(warn, 'lock').status).toBe('warn');
    expect(check(warn, 'lock').message).toMatch(/migration lock held by .*a migration is running/);
    expect(warn.exitCode).toBe(0);
    expect((await runHealthChecks(config, { checks: ['lock'], strict: true })).exitCode).toBe(1);
    await new Promise((r) => setTimeout(r, 1100));
    const fail = await runHealthChecks(config, { checks: ['lock'], lockThresholdMs: 1000 });
    expect(check(fail, 'lock').status).toBe('fail');
    expect(check(fail, 'lock').message).toMatch(/stuck deploy/);
    expect(fail.exitCode).toBe(1);
    expect(check(fail, 'lock').details.holder.pid).toBeGreaterThan(0);
  });

  it('migrations: none pending ok; pending warns (fails in production); changed checksum and failed attempts fail', async () => {
    const up = (id: string, table: string) => `-- eventdb:up\n${TABLE_DDL[fx.engine]!.replace('venues', table)};\n-- eventdb:down\ndrop table ${table};\n`;
    const dir = migrationsDir('mig', { '0001_a.sql': up('0001_a', 'a_table') });
    const config = await fx.config({ EVENTDB_MIGRATIONS_DIR: dir });
    const conn = await openDatabase(config);
    await migrateUp(conn, config, {});
    await conn.close();
    const ok = await runHealthChecks(config, { checks: ['migrations'] });
    expect(check(ok, 'migrations')).toMatchObject({ status: 'ok', message: '1 applied, none pending' });

    writeFileSync(join(dir, '0002_b.sql'), up('0002_b', 'b_table'));
    const pending = await runHealthChecks(config, { checks: ['migrations'] });
    expect(check(pending, 'migrations')).toMatchObject({ status: 'warn', message: '1 pending: 0002_b' });
    expect(pending.exitCode).toBe(0);
    const prod = await runHealthChecks({ ...config, environment: 'production' }, { checks: ['migrations'] });
    expect(check(prod, 'migrations').status).toBe('fail');
    expect(prod.exitCode).toBe(1);

    writeFileSync(join(dir, '0001_a.sql'), up('0001_a', 'a_table').replace('name text', 'title text'));
    const changed = await runHealthChecks(config, { checks: ['migrations'] });
    expect(check(changed, 'migrations').status).toBe('fail');
    expect(check(changed, 'migrations').message).toMatch(/0001_a.*checksum changed|checksum changed.*0001_a/);
    expect(check(changed, 'migrations').details.changed).toEqual(['0001_a']);
  });

  it('migrations: a failed attempt in the log fails', async () => {
    const dir = migrationsDir('migfail', { '0001_bad.sql': '-- eventdb:up\ncreate table broken (id integer primary key, nope nosuchtype (;\n' });
    const config = await fx.config({ EVENTDB_MIGRATIONS_DIR: dir });
    const conn = await openDatabase(config);
    await expect(migrateUp(conn, config, {})).rejects.toThrow();
    await conn.close();
    const r = await runHealthChecks(config, { checks: ['migrations'] });
    expect(check(r, 'migrations').status).toBe('fail');
    expect(check(r, 'migrations').message).toMatch(/1 failed attempt in the migration log/);
    expect(check(r, 'migrations').details.failedAttempts[0].id).toBe('0001_bad');
  });

  it('database --deep adds the engine integrity or index report', async () => {
    await createTable();
    if (fx.engine === 'postgres') {
      const conn = await openDatabase(await fx.config());
      await sql`create index venues_name_idx on venues (name)`.execute(conn.db);
      await conn.close();
    }
    const r = await runHealthChecks(await fx.config(), { checks: ['database'], deep: true });
    const d = check(r, 'database');
    expect(d.status).toBe('ok');
    if (fx.engine === 'postgres') expect(d.details.neverScannedIndexes.map((i: any) => i.index)).toContain('venues_name_idx');
    if (fx.engine === 'sqlite') expect(d.details.quickCheck).toEqual(['ok']);
    if (fx.engine === 'duckdb') expect(d.details.tablesScanned).toBe(1);
  });

  it('database warns: WAL over the limit (files), pool larger than the server allows (PostgreSQL)', async () => {
    await createTable();
    if (fx.engine === 'postgres') {
      const config = await fx.config({ EVENTDB_POOL_MAX: '100000' });
      const r = await runHealthChecks(config, { checks: ['database'] });
      expect(check(r, 'database').status).toBe('warn');
      expect(check(r, 'database').message).toMatch(/pool max 100000 exceeds/);
      return;
    }
    const conn = await openDatabase(await fx.config());
    try {
      await sql`insert into venues (id, name) values (1, 'a'), (2, 'b')`.execute(conn.db);
      const r = await runHealthChecks(await fx.config(), { checks: ['database'], walWarnBytes: 1, connection: conn });
      expect(check(r, 'database').status).toBe('warn');
      expect(check(r, 'database').message).toMatch(/WAL is .* \(over 1 B\)/);
      expect((await runHealthChecks(await fx.config(), { checks: ['database'], walWarnBytes: 1, connection: conn, strict: true })).exitCode).toBe(1);
    } finally {
      await conn.close();
    }
  });

  if (fx.engine === 'postgres') {
    it('an unreachable host that swallows packets fails the connection check in time; other checks still run', async () => {
      const hole = await startBlackHole();
      try {
        const url = `postgres://postgres@127.0.0.1:${hole.port}/x`;
        const config = await resolveConfig({ flags: { url }, env: {}, cwd: fx.dir() });
        const t = Date.now();
        const r = await runHealthChecks(config, { timeoutMs: 1500 });
        const took = Date.now() - t;
        expect(took).toBeLessThan(2500);
        expect(r.exitCode).toBe(3);
        expect(check(r, 'connection').status).toBe('fail');
        expect(check(r, 'connection').message).toMatch(/no answer from postgres:\/\/postgres@127\.0\.0\.1:\d+\/x within 900 ms|timeout|timed out/i);
        expect(check(r, 'storage').status).toBe('warn');
        expect(check(r, 'database').status).toBe('skipped');
      } finally {
        await hole.close();
      }
    });

    it('a refused connection fails fast with exit 3', async () => {
      const port = await freePort();
      const config = await resolveConfig({ flags: { url: `postgres://postgres@127.0.0.1:${port}/x` }, env: {}, cwd: fx.dir() });
      const t = Date.now();
      const r = await runHealthChecks(config, { checks: ['connection', 'database'] });
      expect(Date.now() - t).toBeLessThan(3000);
      expect(r.exitCode).toBe(3);
      expect(check(r, 'connection').message).toMatch(/refused|cannot connect|not reachable|ECONNREFUSED/i);
    });

    it('a check stuck behind a lock fails at its deadline while the others report', async () => {
      await createTable();
      const setup = await openDatabase(await fx.config());
      await sql`create index venues_name_idx on venues (name)`.execute(setup.db);
      await setup.close();
      const pg = (await import('pg')).default;
      const blocker = new pg.Client({ connectionString: fx.url() });
      await blocker.connect();
      // An uncommitted DROP INDEX holds an ACCESS EXCLUSIVE lock on the index: sizing it waits.
      await blocker.query('begin; drop index venues_name_idx');
      try {
        const t = Date.now();
        const r = await runHealthChecks(await fx.config(), { checks: ['connection', 'lock', 'database'], timeoutMs: 1500, deep: true });
        expect(Date.now() - t).toBeLessThan(2500);
        expect(check(r, 'connection').status).toBe('ok');
        expect(check(r, 'lock').status).toBe('ok');
        expect(check(r, 'database').status).toBe('fail');
        expect(check(r, 'database').message).toMatch(/timed out|statement timeout|canceling statement/i);
        expect(r.exitCode).toBe(1);
      } finally {
        await blocker.query('rollback');
        await blocker.end();
      }
    });
  }
}, ['postgres', 'sqlite', 'duckdb']); // not pglite: its lock tests need a second process or session on the database, which PGlite (one process) refuses at open
