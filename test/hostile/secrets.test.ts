import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { baseEnv, BIN, runCli, type CliResult } from '../helpers/cli.js';
import { describeEngines, pgAdminUrl } from '../helpers/engines.js';

/** Every run's complete output: stdout (text or --json) and stderr (errors, --verbose traces). */
function everything(r: CliResult): string {
  return `${r.stdout}\n${r.stderr}`;
}

/** Fragments of a password that must not show: the pieces between its special characters. */
function expectNoSecret(r: CliResult, password: string): void {
  const out = everything(r);
  expect(out).not.toContain(password);
  for (const piece of password.split(/[^A-Za-z0-9]+/).filter((p) => p.length >= 4)) expect(out, `"${piece}" of the password leaked:\n${out}`).not.toContain(piece);
}

// Passwords as an operator might paste them: unencoded URL delimiters, spaces and quotes.
const PASSWORDS = ['Qx7hunter#Wz9two', 'Qx7hunter/Wz9two', 'Qx7hunter?Wz9two', 'Qx7hun@ter:Wz9t#wo/Yv?Kp8', 'Qx7hunter Wz9"two', 'Qx7hunter%zzWz9two'];

describe('item 4: a URL password is never printed, whatever characters it holds', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'eventdb-secrets-'));
  // Port 1 on localhost: nothing listens, so a URL that parses fails to connect (exit 3), one that does not parse is a usage error (exit 2).
  for (const pw of PASSWORDS) {
    it(`--url with password ${JSON.stringify(pw)}: not in text, --json or --verbose output`, async () => {
      const url = `postgres://app:${pw}@127.0.0.1:1/events`;
      for (const args of [['migrate', 'status', '--url', url, '--verbose'], ['info', '--url', url, '--json', '--verbose'], ['validate', '--url', url, '--json']]) {
        const r = await runCli(args, { cwd });
        expect([2, 3]).toContain(r.code);
        expect(r.stderr).toMatch(/^error: /m);
        expectNoSecret(r, pw);
      }
    });

    it(`DATABASE_URL and the config file with password ${JSON.stringify(pw)}: not printed either`, async () => {
      const url = `postgres://app:${pw}@127.0.0.1:1/events`;
      const env = await runCli(['migrate', 'up', '--json', '--verbose'], { cwd, env: { DATABASE_URL: url } });
      expect([2, 3]).toContain(env.code);
      expectNoSecret(env, pw);
      const dir = mkdtempSync(join(cwd, 'cfg-'));
      writeFileSync(join(dir, 'eventdb.config.json'), JSON.stringify({ url }));
      const file = await runCli(['info', '--json', '--verbose'], { cwd: dir });
      expect([2, 3]).toContain(file.code);
      expectNoSecret(file, pw);
    });
  }

  it('bad percent-encoding in the password is a usage error (exit 2, BAD_URL) with an encoding hint, not an internal URIError', async () => {
    const r = await runCli(['info', '--url', 'postgres://app:Qx7%zzWz9@127.0.0.1:1/events', '--json'], { cwd });
    expect(r.code).toBe(2);
    const j = r.json();
    expect(j.error.code).toBe('BAD_URL');
    expect(j.error.message).toBe('PostgreSQL URL postgres://app:***@127.0.0.1:1/events has bad percent-encoding in its password');
    expect(j.error.hint).toContain('% → %25');
    expect(r.stderr).not.toContain('URIError');
    expectNoSecret(r, 'Qx7%zzWz9');
  });

  it('a malformed URL names the way out: percent-encode special characters', async () => {
    const r = await runCli(['migrate', 'status', '--url', 'postgres://app:Qx7#Wz9@127.0.0.1/events'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: malformed PostgreSQL URL postgres://app:***@127.0.0.1/events');
    expect(r.stderr).toContain('# → %23');
  });

  it('a password in an unknown option (commander usage error) is redacted too', async () => {
    const r = await runCli(['migrate', 'status', '--urll=postgres://app:Qx7hunter#Wz9two@h/db'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--urll=postgres://app:***@h/db'");
    expectNoSecret(r, 'Qx7hunter#Wz9two');
  });
});

describe('item 4: PostgreSQL: a percent-encoded password with URL delimiters connects, and is never printed', () => {
  const role = `eventdb_sec_${process.pid}`;
  const pw = 'Qx7h#u/n?t@e:r Wz9';
  afterAll(async () => {
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: pgAdminUrl() });
    await c.connect();
    await c.query(`drop role if exists ${role}`);
    await c.end();
  });

  it('info --json shows the URL with *** and the connection works (exit 0)', async () => {
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: pgAdminUrl() });
    await c.connect();
    await c.query(`drop role if exists ${role}`);
    await c.query(`create role ${role} login password '${pw.replace(/'/g, "''")}'`);
    await c.end();
    const admin = new URL(pgAdminUrl());
    const url = `postgres://${role}:${encodeURIComponent(pw)}@${admin.host}/postgres`;
    const r = await runCli(['info', '--url', url, '--json', '--verbose'], {});
    expect(r.code, everything(r)).toBe(0);
    expect(r.json().url).toBe(`postgres://${role}:***@${admin.host}/postgres`);
    expectNoSecret(r, pw);
    expect(everything(r)).not.toContain(encodeURIComponent(pw));
  });
});

describeEngines(
  'item 5: --admin-token never reaches the lock-holder record, health checks, lock errors or /health',
  (fx) => {
    const TOKEN = 'Tk9adminTOKENzz81';
    const children: ChildProcess[] = [];
    afterAll(() => {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    });

    function slowMigration(): { dir: string; started: string } {
      const dir = join(fx.dir(), `m-${Math.random().toString(36).slice(2, 8)}`);
      mkdirSync(dir);
      const started = join(dir, 'started.flag');
      writeFileSync(
        join(dir, '0001_slow.ts'),
        `import { writeFileSync } from 'node:fs';\nexport async function up(db) {\n  writeFileSync(${JSON.stringify(started)}, 'x');\n  await new Promise((r) => setTimeout(r, 6000));\n  await db.schema.createTable('slow_t').addColumn('id', 'integer').execute();\n}\nexport async function down(db) { await db.schema.dropTable('slow_t').execute(); }\n`,
      );
      return { dir, started };
    }

    async function waitFor(file: string): Promise<void> {
      for (let i = 0; i < 300 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
      expect(existsSync(file)).toBe(true);
    }

    it('while `prepare --migrate --serve --admin-token …` holds the lock, no output anywhere holds the token', async () => {
      const { dir, started } = slowMigration();
      const env = { EVENTDB_MIGRATIONS_DIR: dir };
      const holder = spawn(process.execPath, [BIN, 'prepare', '--migrate', '--serve', '--port', '0', '--admin-token', TOKEN, '--url', fx.url(), '--check', 'lock'], {
        env: { ...baseEnv(), ...env },
        cwd: fx.dir(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(holder);
      let holderOut = '';
      holder.stdout!.on('data', (d: Buffer) => (holderOut += d.toString()));
      holder.stderr!.on('data', (d: Buffer) => (holderOut += d.toString()));
      await waitFor(started);

      // The lock-holder record beside the database: the command without the token, readable by its owner only.
      const dbPath = fx.url().replace(/^\w+:/, '');
      const records = readdirSync(join(dbPath, '..')).filter((n) => n.startsWith(`${dbPath.split('/').pop()}.eventdb-migrate`) && n.endsWith('.lock.json'));
      expect(records).toHaveLength(1);
      const recordPath = join(dbPath, '..', records[0]!);
      const record = JSON.parse(readFileSync(recordPath, 'utf8'));
      expect(record.command).toContain('prepare --migrate --serve');
      expect(record.command).toContain('--admin-token ***');
      expect(readFileSync(recordPath, 'utf8')).not.toContain(TOKEN);
      expect(statSync(recordPath).mode & 0o777).toBe(0o600);

      // health-check --check lock (text and JSON) names the holder's command, redacted.
      const check = await runCli(['health-check', '--check', 'lock', '--url', fx.url(), '--json'], { cwd: fx.dir() });
      expect(check.json().checks[0].details.holder.command).toContain('--admin-token ***');
      expect(everything(check)).not.toContain(TOKEN);
      const checkText = await runCli(['health-check', '--check', 'lock', '--url', fx.url()], { cwd: fx.dir() });
      expect(checkText.stdout).toContain('--admin-token ***');
      expect(everything(checkText)).not.toContain(TOKEN);

      // A second migrate up gives up on the lock (exit 4) and names the holder without the token.
      const busy = await runCli(['migrate', 'up', '--url', fx.url(), '--lock-timeout', '1', '--json'], { env, cwd: fx.dir() });
      expect(busy.code).toBe(4);
      // DuckDB admits one process, so its error names the pid holding the file; SQLite's names the lock holder's command.
      if (fx.engine === 'sqlite') expect(busy.json().error.message).toContain('--admin-token ***');
      expect(everything(busy)).not.toContain(TOKEN);

      // Another process's unauthenticated /health.
      const server = spawn(process.execPath, [BIN, 'health-check', '--serve', '--port', '0', '--check', 'lock', '--url', fx.url()], {
        env: { ...baseEnv(), ...env },
        cwd: fx.dir(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(server);
      const base = await new Promise<string>((resolve, reject) => {
        let err = '';
        server.stderr!.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /listening on (http:\/\/[^\s]+)/.exec(err);
          if (m) resolve(m[1]!);
        });
        server.on('exit', (c) => reject(new Error(`server exited ${c}: ${err}`)));
      });
      const body = await (await fetch(`${base}/health/full`)).text();
      expect(body).toContain('--admin-token ***');
      expect(body).not.toContain(TOKEN);
      server.kill('SIGTERM');

      // The holder's own /health once ready, and its own output.
      const ownBase = await new Promise<string>((resolve) => {
        const t = setInterval(() => {
          const m = /listening on (http:\/\/[^\s]+)/.exec(holderOut);
          if (m) {
            clearInterval(t);
            resolve(m[1]!);
          }
        }, 100);
      });
      const own = await (await fetch(`${ownBase}/health/full`)).text();
      expect(own).not.toContain(TOKEN);
      holder.kill('SIGTERM');
      await new Promise((r) => holder.on('exit', r));
      expect(holderOut).not.toContain(TOKEN);
    });
  },
  ['sqlite', 'duckdb'],
);

describe('item 15: init --url never writes a password into eventdb.config.json', () => {
  for (const [label, url, stripped] of [
    ['user info', 'postgres://app:Qx7hunter%23Wz9two@127.0.0.1:5432/events?sslmode=disable', 'postgres://app@127.0.0.1:5432/events?sslmode=disable'],
    ['?password=', 'postgres://127.0.0.1:5432/events?user=app&password=Qx7hunterWz9two&sslmode=disable', 'postgres://127.0.0.1:5432/events?user=app&sslmode=disable'],
  ] as const) {
    it(`a password in the ${label}: left out of the file (top level and the test section), DATABASE_URL named, never printed`, async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'eventdb-init-secret-'));
      const pw = label === 'user info' ? 'Qx7hunter%23Wz9two' : 'Qx7hunterWz9two';
      const r = await runCli(['init', '--url', url, '--json'], { cwd });
      expect(r.code, r.stderr).toBe(0);
      const j = r.json();
      expect(j.passwordsRemoved).toEqual(['url']);
      expect(j.passwordIn).toBe('DATABASE_URL');
      const text = readFileSync(join(cwd, 'eventdb.config.json'), 'utf8');
      expect(text).not.toContain('Qx7hunter');
      const cfg = JSON.parse(text);
      expect(cfg.url).toBe(stripped);
      expect(cfg.environments.test.url).toBe(stripped);
      expectNoSecret(r, pw);
      const human = await runCli(['init', '--url', url, '--force'], { cwd });
      expect(human.code).toBe(0);
      expect(human.stdout).toContain('note: the database password was not written to eventdb.config.json');
      expect(human.stdout).toContain('set DATABASE_URL to the full URL');
      expectNoSecret(human, pw);
      expect(readFileSync(join(cwd, 'eventdb.config.json'), 'utf8')).not.toContain('Qx7hunter');
    });
  }

  it('a URL without a password is written as given, with no note', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'eventdb-init-secret-'));
    const r = await runCli(['init', '--url', 'postgres://app@127.0.0.1:5432/events'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('note:');
    expect(JSON.parse(readFileSync(join(cwd, 'eventdb.config.json'), 'utf8')).url).toBe('postgres://app@127.0.0.1:5432/events');
  });
});
