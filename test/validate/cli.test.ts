import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import { BIN, ROOT, baseEnv, runCli } from '../helpers/cli.js';
import { describeEngines } from '../helpers/engines.js';
import { exec, fullDdl, smallSchema, tableNames, writeSchemaDir } from './fixture.js';

const children: Array<ReturnType<typeof spawn>> = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** Fixture project folders: the small schema and a migrations folder that makes it. */
function project(dir: string, engine: string, name: string): Record<string, string> {
  const root = join(dir, name);
  const schemaDir = writeSchemaDir(root);
  const migrations = join(root, 'migrations');
  mkdirSync(migrations, { recursive: true });
  const ddl = fullDdl(engine);
  writeFileSync(join(migrations, '0001_tiers.sql'), `-- eventdb:up\n${ddl.slice(0, 2).join(';\n')};\n-- eventdb:down\ndrop table tiers;\n`);
  writeFileSync(join(migrations, '0002_rest.sql'), `-- eventdb:up\n${ddl.slice(2).join(';\n')};\n-- eventdb:down\ndrop table notes; drop table events; drop table venues;\n`);
  return { EVENTDB_SCHEMA_DIR: schemaDir, EVENTDB_MIGRATIONS_DIR: migrations };
}

function start(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  const waitFor = (re: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        if (re.test(stderr)) {
          clearInterval(t);
          resolve();
        }
      }, 20);
      void done.then(() => {
        clearInterval(t);
        if (re.test(stderr)) resolve();
        else reject(new Error(`exited before ${re}: ${stderr}`));
      });
    });
  return { child, done, waitFor };
}

/*
 * PGlite is slow here for a reason: every CLI call starts PGlite in a new process (about 1.6 s for
 * `validate --no-drift` under load), and every drift check initialises a second, in-memory PGlite
 * for the scratch replay (initdb: `validate` with drift took 6.6 s against 1.6 s without). The
 * migrations-group test makes nine CLI calls, three of them with drift, plus two in-process opens:
 * 37 s measured at load average 9 (2 cores), near the 60 s default. Its PGlite variant gets more.
 */
const PGLITE_DRIFT_TIMEOUT_MS = 180_000;

describeEngines('eventdb validate / auto-fix (CLI)', (fx) => {
  const env = (name: string, extra: Record<string, string> = {}): Record<string, string> => ({ ...project(fx.dir(), fx.engine, name), EVENTDB_DATABASE_URL: fx.url(), ...extra });

  it('migrations group: pending, changed checksum, missing file; then migrate up makes validate pass (exit 0) with drift', async () => {
    const e = env('mig');
    const { migrateUp } = await import('../../src/migrations/index.js');
    const conn = await openDatabase(await fx.config(e));
    try {
      await migrateUp(conn, await fx.config(e), { to: '0001_tiers' });
    } finally {
      await conn.close();
    }
    let r = await runCli(['validate', '--json', '--no-drift'], { env: e });
    expect(r.code).toBe(1);
    const j = r.json();
    expect(Object.keys(j)).toEqual(['ok', 'findings', 'summary']);
    expect(j.ok).toBe(false);
    expect(j.findings.filter((f: any) => f.check === 'migrations').map((f: any) => `${f.level}:${f.kind}:${f.object}`)).toEqual(['warning:pending-migration:migration 0002_rest']);

    writeFileSync(join(e.EVENTDB_MIGRATIONS_DIR!, '0001_tiers.sql'), `-- eventdb:up\ncreate table tiers (code text primary key);\n-- eventdb:down\ndrop table tiers;\n`);
    r = await runCli(['validate', '--json', '--no-drift'], { env: e });
    expect(r.json().findings.filter((f: any) => f.check === 'migrations').map((f: any) => f.kind).sort()).toEqual(['changed-checksum', 'pending-migration']);

    // back to the original file, apply the rest: everything passes, drift included (replayed into a scratch database)
    project(fx.dir(), fx.engine, 'mig');
    const up = await runCli(['migrate', 'up'], { env: e });
    expect(up.code, up.stderr).toBe(0);
    r = await runCli(['validate'], { env: e });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^migrations\n {2}\[ok\] {3}2 migrations applied, none pending, checksums match/m);
    expect(r.stdout).toMatch(/^drift\n {2}\[ok\] {3}no drift/m);
    expect(r.stdout).toMatch(/^summary: OK — 0 errors, 0 warnings/m);
    expect(r.stdout).not.toMatch(/✅|⚠️|❌/);

    // a hand-made index is drift (warning): fails in production (strict), passes in development
    const c2 = await openDatabase(await fx.config(e));
    try {
      await exec(c2, ['create index events_title_idx on events (title)']);
    } finally {
      await c2.close();
    }
    r = await runCli(['validate', '--format', 'github'], { env: { ...e, EVENTDB_ENV: 'production' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error title=eventdb validate%3A drift index events_title_idx::index events_title_idx on events \(title\) exists but no migration creates it/m);
    expect(r.stdout).toMatch(/^::notice title=eventdb validate%3A schema index events_title_idx::/m);
    r = await runCli(['validate', '--format', 'github'], { env: e });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^::warning title=eventdb validate%3A drift index events_title_idx::/m);

    // a removed applied file is "missing"
    const { rmSync } = await import('node:fs');
    rmSync(join(e.EVENTDB_MIGRATIONS_DIR!, '0002_rest.sql'));
    r = await runCli(['validate', '--json', '--no-drift'], { env: e });
    expect(r.json().findings.filter((f: any) => f.check === 'migrations').map((f: any) => `${f.level}:${f.kind}:${f.object}`)).toEqual(['error:missing-file:migration 0002_rest']);
  }, fx.variant === 'pglite' ? PGLITE_DRIFT_TIMEOUT_MS : undefined);

  it('a failed attempt in the migration log is reported', async () => {
    const e = env('failed');
    writeFileSync(join(e.EVENTDB_MIGRATIONS_DIR!, '0003_broken.sql'), `-- eventdb:up\ncreate table broken (x integer);\ninsert into no_such_table values (1);\n-- eventdb:down\ndrop table broken;\n`);
    const up = await runCli(['migrate', 'up'], { env: e });
    expect(up.code).toBe(1);
    const r = await runCli(['validate', '--json', '--no-drift'], { env: e });
    expect(r.code).toBe(1);
    const f = r.json().findings.filter((x: any) => x.check === 'migrations');
    expect(f.map((x: any) => `${x.level}:${x.kind}:${x.object}`).sort()).toEqual(['error:failed-attempt:migration 0003_broken', 'warning:pending-migration:migration 0003_broken']);
  });

  it('auto-fix shows the plan and SQL and changes nothing; --apply fixes; production needs --yes (exit 5, nothing changed)', async () => {
    const e = { ...env('fix'), EVENTDB_MIGRATIONS_DIR: join(fx.dir(), 'no-migrations-here') };
    const c = await openDatabase(await fx.config(e));
    try {
      await exec(c, fullDdl(fx.engine).filter((s) => !/^create (table|index) (notes|events)/.test(s)));
    } finally {
      await c.close();
    }
    let r = await runCli(['auto-fix'], { env: e });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^auto-fix plan: 2 fixes to apply, 0 refused as risky, 0 need a migration/m);
    expect(r.stdout).toMatch(/^ {8}create table "events" \(/m);
    expect(r.stdout).toMatch(/nothing applied: run `eventdb auto-fix --apply`/);

    r = await runCli(['auto-fix', '--apply', '--json'], { env: { ...e, EVENTDB_ENV: 'production' } });
    expect(r.code).toBe(5);
    expect(r.json().error.code).toBe('PRODUCTION_REFUSED');
    expect(r.stderr).toMatch(/hint: re-run with --yes/);

    const c2 = await openDatabase(await fx.config(e));
    try {
      expect(await tableNames(c2)).toEqual(['tiers', 'venues']);
    } finally {
      await c2.close();
    }
    r = await runCli(['auto-fix', '--apply', '--yes', '--json', '--no-drift'], { env: { ...e, EVENTDB_ENV: 'production' } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const j = r.json();
    expect(j.counts).toMatchObject({ applied: 2, failed: 0 });
    expect(j.validation.ok).toBe(true);
    expect(r.stderr).toMatch(/applying 1\/2: create table events/);
  });

  it('a fix interrupted by kill -9 leaves no half-made table; the next run completes it', async () => {
    const e = { ...env('kill'), EVENTDB_MIGRATIONS_DIR: join(fx.dir(), 'none') };
    const c = await openDatabase(await fx.config(e));
    try {
      await exec(c, fullDdl(fx.engine).filter((s) => !/^create (table|index) (events)/.test(s)));
    } finally {
      await c.close();
    }
    const p = start(['auto-fix', '--apply', '--no-drift'], { ...e, EVENTDB_FAULT_PAUSE_IN_FIX_MS: '30000' });
    await p.waitFor(/applying 1\/1: create table events/);
    await new Promise((r) => setTimeout(r, 400));
    p.child.kill('SIGKILL');
    expect((await p.done).signal).toBe('SIGKILL');
    const c2 = await openDatabase(await fx.config(e));
    try {
      const names = await tableNames(c2);
      expect(names).not.toContain('events');
      expect((await c2.introspect()).indexes.map((i) => i.name)).not.toContain('events_venue_idx');
    } finally {
      await c2.close();
    }
    const r = await runCli(['auto-fix', '--apply', '--json', '--no-drift'], { env: e });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json().counts.applied).toBe(1);
  });

  it('two concurrent auto-fix --apply: one waits on the lock, the fix is made once', async () => {
    const e = { ...env('conc'), EVENTDB_MIGRATIONS_DIR: join(fx.dir(), 'none') };
    const c = await openDatabase(await fx.config(e));
    try {
      await exec(c, fullDdl(fx.engine).filter((s) => !/^create (table|index) (events)/.test(s)));
    } finally {
      await c.close();
    }
    const a = start(['auto-fix', '--apply', '--json', '--no-drift'], { ...e, EVENTDB_FAULT_PAUSE_IN_FIX_MS: '1500' });
    await a.waitFor(/applying 1\/1/);
    const t0 = Date.now();
    const b = start(['auto-fix', '--apply', '--json', '--no-drift'], e);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    expect(Date.now() - t0).toBeGreaterThan(900); // b waited for a
    expect(JSON.parse(ra.stdout).counts.applied).toBe(1);
    expect(JSON.parse(rb.stdout).counts.applied).toBe(0);
    expect(rb.stderr).not.toMatch(/applying/);
    const c2 = await openDatabase(await fx.config(e));
    try {
      const log = await sql<{ n: number }>`select count(*) as n from eventdb_autofix_log`.execute(c2.db);
      expect(Number(log.rows[0]!.n)).toBe(1);
    } finally {
      await c2.close();
    }
  });
}, ['postgres', 'pglite', 'sqlite', 'duckdb']);

describeEngines('eventdb validate: bad input (CLI)', (fx) => {
  it('a schema file with an error exits 2 naming the file and the path inside it; nothing changes', async () => {
    const bad = smallSchema() as any;
    bad.tables[1].columns[2].family = 'integr';
    const dir = writeSchemaDir(join(fx.dir(), 'bad'), bad);
    const r = await runCli(['validate', '--no-drift'], { env: { EVENTDB_DATABASE_URL: fx.url(), EVENTDB_SCHEMA_DIR: dir } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(join(dir, 'schema.json'));
    expect(r.stderr).toContain('tables[1].columns[2].family');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const a = await runCli(['auto-fix', '--apply', '--no-drift'], { env: { EVENTDB_DATABASE_URL: fx.url(), EVENTDB_SCHEMA_DIR: dir } });
    expect(a.code).toBe(2);
    const c = await openDatabase(await fx.config());
    try {
      expect(await tableNames(c)).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it('a schema for another engine is refused with exit 2', async () => {
    const other = fx.engine === 'sqlite' ? 'duckdb' : 'sqlite';
    const dir = writeSchemaDir(join(fx.dir(), 'other'), { ...smallSchema(), engines: [other] });
    const r = await runCli(['validate', '--json'], { env: { EVENTDB_DATABASE_URL: fx.url(), EVENTDB_SCHEMA_DIR: dir } });
    expect(r.code).toBe(2);
    expect(r.json().error).toMatchObject({ code: 'UNSUPPORTED_ENGINE', message: `the expected schema does not support ${fx.engine} (it is written for ${other})` });
  });
}, ['sqlite', 'duckdb']);

it('an unreachable database exits 3 with a one-line error and no password', async () => {
  const r = await runCli(['validate'], { env: { EVENTDB_DATABASE_URL: 'postgres://app:s3cret@127.0.0.1:1/events', EVENTDB_CONNECT_TIMEOUT: '2' } });
  expect(r.code).toBe(3);
  expect(r.stderr).toMatch(/^error: .+\nhint: .+\n$/);
  expect(r.stderr + r.stdout).not.toContain('s3cret');
  const a = await runCli(['auto-fix', '--apply', '--json'], { env: { EVENTDB_DATABASE_URL: 'postgres://app:s3cret@127.0.0.1:1/events', EVENTDB_CONNECT_TIMEOUT: '2' } });
  expect(a.code).toBe(3);
  expect(a.json().ok).toBe(false);
});

it('a migration that fails in the drift replay: the finding\'s advice is about the scratch database, and the database is untouched', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eventdb-validate-replay-'));
  try {
    const migrations = join(dir, 'migrations');
    mkdirSync(migrations);
    writeFileSync(join(migrations, '0001_a.sql'), '-- eventdb:up\ncreate table a (x integer);\n');
    writeFileSync(join(migrations, '0002_b.sql'), '-- eventdb:up\ncreate table b (x integer);\ninsert into no_such_table values (1);\n');
    const file = join(dir, 'app.sqlite');
    const db = new Database(file);
    db.exec('create table a (x integer)');
    db.close();
    const r = await runCli(['validate', '--json'], { env: { EVENTDB_DATABASE_URL: `sqlite:${file}`, EVENTDB_MIGRATIONS_DIR: migrations, EVENTDB_SCHEMA_DIR: join(dir, 'schema') } });
    expect(r.code).toBe(1);
    const f = r.json().findings.find((x: any) => x.kind === 'drift-failed');
    expect(f.message).toMatch(/^drift check failed: migration 0002_b failed .*no such table: no_such_table/);
    expect(f.fix.description).toBe('fix the migration (`eventdb migrate up --dry-run` shows it) (the replay ran in a scratch database, now removed; yours is untouched), or use --no-drift');
    const after = new Database(file, { readonly: true });
    expect(after.prepare("select name from sqlite_master where type = 'table' order by 1").all().map((t: any) => t.name)).toEqual(['a']);
    after.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
