import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import { describeEngines } from '../helpers/engines.js';
import { BIN, baseEnv, runCli } from '../helpers/cli.js';
import { historyIds, sqlMig, userTables, writeMigrations } from '../migrations/helpers.js';

const HOLD = fileURLToPath(new URL('../fixtures/hold-lock.mjs', import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

async function dbState(url: string, engine: string) {
  const conn = await openDatabase({ flags: { url }, env: {} });
  try {
    return { tables: await userTables(conn.db, engine), history: await historyIds(conn.db) };
  } finally {
    await conn.close();
  }
}

const FIVE: Record<string, string> = {
  '0001_runs.sql': sqlMig("create table runs (id text not null);\ninsert into runs values ('0001');", 'drop table runs;'),
};
for (const n of ['0002', '0003', '0004', '0005']) FIVE[`${n}_m.sql`] = sqlMig(`create table t${n} (x integer);\ninsert into runs values ('${n}');`, `drop table t${n};`);

describeEngines(
  'migrate CLI',
  (fx) => {
    it('status --json has the documented shape; up applies; exit codes', async () => {
      const dir = writeMigrations(fx.dir(), FIVE);
      const args = ['--url', fx.url(), '--migrations', dir];
      const s1 = await runCli(['migrate', 'status', ...args, '--json']);
      expect(s1.code).toBe(0);
      const j1 = s1.json();
      expect(Object.keys(j1)[0]).toBe('ok');
      expect(j1.pending).toBe(5);
      expect(j1.migrations[0]).toMatchObject({ id: '0001_runs', state: 'pending', appliedAt: null });
      const up = await runCli(['migrate', 'up', ...args, '--step', '2']);
      expect(up.code).toBe(0);
      expect(up.stdout).toContain('applied 2 migrations');
      const s2 = (await runCli(['migrate', 'status', ...args, '--json'])).json();
      expect(s2.pending).toBe(3);
      expect(s2.migrations.slice(0, 2).map((m: { state: string }) => m.state)).toEqual(['applied', 'applied']);
      expect(s2.migrations[0].checksum).toMatch(/^[0-9a-f]{64}$/);
    });

    it('a syntax error exits 1 naming the file, the statement and the engine error; nothing of it is applied', async () => {
      const dir = writeMigrations(fx.dir(), { ...FIVE, '0006_bad.sql': sqlMig('create table half (x integer);\ncreate tabel oops (x integer);') });
      const r = await runCli(['migrate', 'up', '--url', fx.url(), '--migrations', dir]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: migration 0006_bad failed \(.*0006_bad\.sql\): .*(syntax error|tabel).* in statement: create tabel oops \(x integer\)\n/m);
      expect(r.stderr).toContain('hint: ');
      expect(r.stderr).not.toMatch(/\n\s+at /);
      const st = await dbState(fx.url(), fx.engine);
      expect(st.tables).not.toContain('half');
      expect(st.history).toHaveLength(5);
    });

    it('a missing migrations folder exits 2 with `eventdb init` as the hint', async () => {
      const r = await runCli(['migrate', 'up', '--url', fx.url(), '--migrations', join(fx.dir(), 'absent'), '--json']);
      expect(r.code).toBe(2);
      expect(r.json()).toMatchObject({ ok: false, error: { code: 'NO_MIGRATIONS_DIR' } });
      expect(r.stderr).toContain('eventdb init');
    });

    it('rollback --env production without a terminal or --yes exits 5 and changes nothing', async () => {
      const dir = writeMigrations(fx.dir(), FIVE);
      expect((await runCli(['migrate', 'up', '--url', fx.url(), '--migrations', dir])).code).toBe(0);
      const r = await runCli(['rollback', '--env', 'production', '--url', fx.url(), '--migrations', dir]);
      expect(r.code).toBe(5);
      expect(r.stderr).toContain('--yes');
      expect((await dbState(fx.url(), fx.engine)).history).toHaveLength(5);
      const ok = await runCli(['migrate', 'down', '--env', 'production', '--yes', '--force', '--url', fx.url(), '--migrations', dir, '--json']);
      expect(ok.code).toBe(0);
      expect(ok.json().rolledBack.map((s: { id: string }) => s.id)).toEqual(['0005_m', '0004_m', '0003_m', '0002_m', '0001_runs']);
      expect((await dbState(fx.url(), fx.engine)).tables).toEqual([]);
    });

    it('six processes at once apply every migration exactly once', async () => {
      const dir = writeMigrations(fx.dir(), FIVE);
      const runs = await Promise.all(Array.from({ length: 6 }, () => runCli(['migrate', 'up', '--url', fx.url(), '--migrations', dir, '--json'], { timeoutMs: 90_000 })));
      expect(runs.map((r) => r.code), runs.map((r) => r.stderr).join('\n')).toEqual([0, 0, 0, 0, 0, 0]);
      const appliedCounts = runs.map((r) => r.json().applied.length).sort();
      expect(appliedCounts).toEqual([0, 0, 0, 0, 0, 5]);
      const conn = await openDatabase({ flags: { url: fx.url() }, env: {} });
      try {
        const rows = (await sql<{ id: string }>`select id from runs order by id`.execute(conn.db)).rows.map((r) => r.id);
        expect(rows).toEqual(['0001', '0002', '0003', '0004', '0005']);
        expect(await historyIds(conn.db)).toHaveLength(5);
      } finally {
        await conn.close();
      }
    });

    it('on lock timeout exits 4 and changes nothing', async () => {
      const dir = writeMigrations(fx.dir(), FIVE);
      const holder = spawn(process.execPath, [HOLD, fx.url(), '30'], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(holder);
      await new Promise<void>((resolve, reject) => {
        holder.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
        holder.on('exit', (c) => reject(new Error(`holder exited ${c}`)));
      });
      const r = await runCli(['migrate', 'up', '--url', fx.url(), '--migrations', dir, '--lock-timeout', '0.5']);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/^error: .*(held by|open in another process)/m);
      holder.kill('SIGKILL');
      await new Promise((res) => holder.once('close', res));
      expect(await dbState(fx.url(), fx.engine)).toEqual({ tables: [], history: [] });
    });

    it('kill -9 in the middle of a migration leaves the database as before it, the lock free, and the next up completes', async () => {
      const mark = join(fx.dir(), `mark-${Date.now()}`);
      const dir = writeMigrations(fx.dir(), {
        '0001_first.sql': sqlMig('create table first (x integer);', 'drop table first;'),
        // The first call is the capture rehearsal `up` does for TS migrations; the second is the real run.
        '0002_slow.ts': `import { writeFileSync } from 'node:fs';
let calls = 0;
export async function up(db) {
  calls++;
  await db.schema.createTable('slow').addColumn('x', 'integer').execute();
  await db.insertInto('slow').values({ x: 1 }).execute();
  if (process.env.SLOW_MARK && calls === 2) {
    writeFileSync(process.env.SLOW_MARK, 'inside');
    await new Promise((r) => setTimeout(r, 60_000));
  }
}
export async function down(db) { await db.schema.dropTable('slow').execute(); }
`,
      });
      const child = spawn(process.execPath, [BIN, 'migrate', 'up', '--url', fx.url(), '--migrations', dir], { env: { ...baseEnv(), SLOW_MARK: mark }, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      const t0 = Date.now();
      while (!existsSync(mark)) {
        if (Date.now() - t0 > 30_000) throw new Error('the slow migration never started');
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGKILL');
      await new Promise((res) => child.once('close', res));
      expect(await dbState(fx.url(), fx.engine)).toEqual({ tables: ['first'], history: ['0001_first'] });
      const next = await runCli(['migrate', 'up', '--url', fx.url(), '--migrations', dir, '--lock-timeout', '5']);
      expect(next.stderr).toBe('');
      expect(next.code).toBe(0);
      expect(await dbState(fx.url(), fx.engine)).toEqual({ tables: ['first', 'slow'], history: ['0001_first', '0002_slow'] });
    });

    it('--dry-run through the CLI prints each statement and changes nothing', async () => {
      const dir = writeMigrations(fx.dir(), FIVE);
      const r = await runCli(['migrate', 'up', '--dry-run', '--url', fx.url(), '--migrations', dir]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('create table t0002 (x integer);');
      expect(r.stdout).toMatch(/rehearsal: ran 5 migrations in a transaction and rolled back/);
      expect(await dbState(fx.url(), fx.engine)).toEqual({ tables: [], history: [] });
    });
  },
  ['postgres', 'sqlite', 'duckdb'], // not pglite: six processes migrating one database at once is impossible on PGlite (one process per directory); test/pglite/cli.test.ts covers its migrate CLI
);

/** Runs the CLI with its stdout read by a reader that goes away: at once, or after the first line. */
function runWithClosedStdout(args: string[], after: 'start' | 'first-line'): Promise<{ code: number | null; firstLine: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let stderr = '';
    if (after === 'start') child.stdout!.destroy();
    else {
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) child.stdout!.destroy();
      });
    }
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, firstLine: out.split('\n')[0]!, stderr }));
  });
}

// The output layer is the same on every engine: a server and a file engine.
describeEngines(
  'a closed stdout',
  (fx) => {
    it('`migrate up | head -1` and `rollback | head -1`: a closed stdout is not an error (exit 0, no stack trace, all applied)', async () => {
      const dir = writeMigrations(fx.dir(), FIVE);
      const base = ['--url', fx.url(), '--migrations', dir];
      const up = await runWithClosedStdout(['migrate', 'up', ...base, '--step', '2'], 'first-line');
      expect(up.firstLine).toMatch(/0001_runs/);
      expect(up.stderr).toBe('');
      expect(up.code).toBe(0);
      const rest = await runWithClosedStdout(['migrate', 'up', ...base], 'start');
      expect(rest.stderr).toBe('');
      expect(rest.code).toBe(0);
      expect((await dbState(fx.url(), fx.engine)).history).toHaveLength(5);
      const down = await runWithClosedStdout(['rollback', '2', ...base], 'start');
      expect(down.stderr).toBe('');
      expect(down.code).toBe(0);
      const status = await runWithClosedStdout(['migrate', 'status', ...base], 'first-line');
      expect(status.stderr).toBe('');
      expect(status.code).toBe(0);
      expect((await dbState(fx.url(), fx.engine)).history).toHaveLength(3);
    });
  },
  ['postgres', 'sqlite'],
);

describeEngines('migrate CLI output', (fx) => {
  it('a later failure prints each applied migration once, and cuts a 20 KB failing statement', async () => {
    const blob = 'x'.repeat(20_000);
    const dir = writeMigrations(fx.dir(), {
      '0001_ok.sql': sqlMig('create table guests (id integer primary key, note text);', 'drop table guests;'),
      '0002_bad.sql': sqlMig(`insert into guests (id, note) values (1, 'ok');\ninsert into no_such_table (note) values ('${blob}');`),
    });
    const r = await runCli(['migrate', 'up', '--url', fx.url(), '--migrations', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout.match(/0001_ok/g)).toHaveLength(1);
    expect(r.stdout).toMatch(/statement: insert into no_such_table \(note\) values \('x{900,1000} … \(\d+ more characters\)/);
    expect(r.stdout.length + r.stderr.length).toBeLessThan(4000);
    expect((await dbState(fx.url(), fx.engine)).history).toEqual(['0001_ok']);
    const j = await runCli(['migrate', 'up', '--url', fx.url(), '--migrations', dir, '--json']);
    expect(j.code).toBe(1);
    expect(j.json().failed.statement.length).toBeLessThan(1100);
    expect(j.stdout.length).toBeLessThan(4000);
  });

  it('up accepts a multi-line /* */ comment before -- eventdb:up', async () => {
    const dir = writeMigrations(fx.dir(), { '0001_c.sql': '/*\n * Guests.\n * Written by hand.\n */\n-- eventdb:up\ncreate table guests (id integer primary key);\n' });
    const r = await runCli(['migrate', 'up', '--url', fx.url(), '--migrations', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await dbState(fx.url(), fx.engine)).toEqual({ tables: ['guests'], history: ['0001_c'] });
  });

  it('rollback prints its risk findings in text and takes a snapshot first with --backup-before', async () => {
    const dir = writeMigrations(fx.dir(), {
      '0001_guests.sql': sqlMig("create table guests (id integer primary key, name text);\ninsert into guests values (1, 'ada'), (2, 'bo');", 'drop table guests;'),
    });
    const base = ['--url', fx.url(), '--migrations', dir];
    expect((await runCli(['migrate', 'up', ...base])).code).toBe(0);
    const store = join(fx.dir(), `store-${Date.now()}`);
    const r = await runCli(['rollback', ...base, '--backup-before', '--store', `file:${store}`], { cwd: fx.dir() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/snapshot \S+ taken before rolling back \(0001_guests is high or critical risk\)/);
    expect(r.stdout).toMatch(/rolled back 1 migration/);
    expect(r.stdout).toMatch(/risk (high|critical) [a-z-]+: DROP TABLE guests deletes all its rows .*--backup-before/);
    expect(await dbState(fx.url(), fx.engine)).toEqual({ tables: [], history: [] });
    const list = await runCli(['backup', 'list', '--url', fx.url(), '--store', `file:${store}`, '--json'], { cwd: fx.dir() });
    expect(list.json().snapshots).toHaveLength(1);
  });
});
