import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import { EventdbError } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { describeEngines } from '../helpers/engines.js';

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
let work = '';
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'eventdb-cli-'));
});

describeEngines('eventdb info', (fx) => {
  it('reports engine, version, redacted URL, sources and capabilities as JSON', async () => {
    if (fx.engine !== 'postgres') (await openDatabase(await fx.config())).close();
    const r = await runCli(['info', '--json'], { env: { EVENTDB_DATABASE_URL: fx.url() }, cwd: fx.dir() });
    expect(r.code).toBe(0);
    const j = r.json();
    expect(j.ok).toBe(true);
    expect(j.engine).toBe(fx.engine);
    expect(j.database.exists).toBe(true);
    expect(j.database.isDefault).toBe(false);
    expect(j.serverVersion).toMatch({ postgres: /^PostgreSQL /, sqlite: /^SQLite 3/, duckdb: /^DuckDB / }[fx.engine]);
    expect(j.settings.database.source).toBe('env:EVENTDB_DATABASE_URL');
    expect(j.capabilities.transactionalDdl).toBe(true);
  });

  it('accepts global options after the command as well as before', async () => {
    const after = await runCli(['info', '--url', fx.url(), '--json'], { cwd: fx.dir() });
    const before = await runCli(['--url', fx.url(), '--json', 'info'], { cwd: fx.dir() });
    expect(after.code).toBe(0);
    expect(before.code).toBe(0);
    expect(after.json().settings.database.source).toBe('flag');
    expect(before.json().engine).toBe(after.json().engine);
  });
});

describe('eventdb info on the embedded default', () => {
  it('uses ./eventdb.sqlite, says it is the default, and does not create it', async () => {
    const cwd = mkdtempSync(join(work, 'default-'));
    const r = await runCli(['info'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('sqlite:./eventdb.sqlite');
    expect(r.stdout).toContain('default: embedded SQLite file');
    expect(r.stdout).toMatch(/exists\s+no/);
    expect(existsSync(join(cwd, 'eventdb.sqlite'))).toBe(false);
    const j = (await runCli(['info', '--json'], { cwd })).json();
    expect(j.database).toMatchObject({ isDefault: true, exists: false, path: join(cwd, 'eventdb.sqlite') });
  });

  it('honours DATABASE_PROVIDER with a bare DATABASE_URL path, and a config file', async () => {
    const cwd = mkdtempSync(join(work, 'prov-'));
    const r = await runCli(['info', '--json'], { cwd, env: { DATABASE_PROVIDER: 'duckdb', DATABASE_URL: './data/app' } });
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ engine: 'duckdb', database: { path: join(cwd, 'data/app') } });
    writeFileSync(join(cwd, 'eventdb.config.json'), JSON.stringify({ url: 'sqlite:./from-file.db', environments: { staging: { url: 'duckdb:./stage.duckdb' } } }));
    const f = (await runCli(['info', '--json'], { cwd })).json();
    expect(f.settings.database.source).toBe(`file:${join(cwd, 'eventdb.config.json')}`);
    expect(f.configFile).toBe(join(cwd, 'eventdb.config.json'));
    const s = (await runCli(['info', '--json', '--env', 'staging'], { cwd })).json();
    expect(s.engine).toBe('duckdb');
    expect(s.environment).toBe('staging');
  });
});

describe('bad input: one-line error, hint, exit code, nothing changed', () => {
  it('unknown command → exit 2 with the nearest name', async () => {
    const r = await runCli(['inf']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: unknown command 'inf'\nhint: did you mean info? See eventdb --help\n");
  });

  it('unknown flag → exit 2 with the nearest name', async () => {
    const r = await runCli(['info', '--jsn']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: unknown option '--jsn'");
    expect(r.stderr).toContain('hint: did you mean --json?');
  });

  it('malformed URL → exit 2 naming the part, password redacted', async () => {
    const r = await runCli(['info', '--url', 'postgres://app:hunter2@db:70000/events']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: PostgreSQL URL postgres:\/\/app:\*\*\*@db:70000\/events has an invalid port|^error: malformed PostgreSQL URL/);
    expect(r.stderr).toMatch(/\nhint: .+\n$/);
    expect(r.stderr + r.stdout).not.toContain('hunter2');
  });

  it('unknown engine suffix → exit 2', async () => {
    const r = await runCli(['info', '--url', './data.parquet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown suffix ".parquet"');
    expect(r.stderr).toContain('hint: use a URL with a scheme');
  });

  it('connection refused → exit 3 naming host:port, password redacted, JSON error too', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as { port: number }).port;
    await new Promise((r) => s.close(r)); // nothing listens there now
    const r = await runCli(['info', '--json'], { env: { DATABASE_URL: `postgres://app:s3cretpw@127.0.0.1:${port}/events` } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`error: cannot connect to PostgreSQL at 127.0.0.1:${port}: connection refused`);
    expect(r.json()).toMatchObject({ ok: false, error: { code: 'CONNECT' } });
    expect(r.stdout + r.stderr).not.toContain('s3cretpw');
  });

  describe('a host that accepts and never answers', () => {
    let server: Server;
    const sockets: Socket[] = [];
    let port = 0;
    beforeAll(async () => {
      server = createServer((sock) => sockets.push(sock)); // swallow everything
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as { port: number }).port;
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    });
    it('fails with exit 3 within the connect timeout', async () => {
      const t0 = Date.now();
      const r = await runCli(['info', '--verbose'], { env: { DATABASE_URL: `postgres://app:s3cretpw@127.0.0.1:${port}/events`, EVENTDB_CONNECT_TIMEOUT: '1' } });
      const took = Date.now() - t0;
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`cannot connect to PostgreSQL at 127.0.0.1:${port}: no answer within 1.0 s`);
      expect(took).toBeLessThan(4000);
      expect(r.stderr).not.toContain('s3cretpw'); // not even in the --verbose trace
    });
  });

  it('a directory as the database → exit 3', async () => {
    const dir = mkdtempSync(join(work, 'dir-'));
    mkdirSync(join(dir, 'db.sqlite'));
    const r = await runCli(['info', '--url', 'sqlite:./db.sqlite'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`error: ${join(dir, 'db.sqlite')} is a directory, not a SQLite database file`);
  });

  it.each([
    ['sqlite', 'notes.sqlite', 'SQLite'],
    ['duckdb', 'notes.duckdb', 'DuckDB'],
  ])('a file that is not a %s database → exit 3, file byte-for-byte unchanged', async (_e, name, label) => {
    const dir = mkdtempSync(join(work, 'notdb-'));
    const p = join(dir, name);
    writeFileSync(p, 'these are my notes, not a database\n'.repeat(200));
    const before = sha(p);
    const r = await runCli(['info'], { cwd: dir, env: { DATABASE_URL: `./${name}` } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`error: ${p} is not a ${label} database`);
    expect(sha(p)).toBe(before);
    const e = await openDatabase({ flags: { url: p }, env: {} }).catch((x: unknown) => x);
    expect((e as EventdbError).code).toBe('NOT_A_DATABASE');
    expect(sha(p)).toBe(before);
  });

  it('a read-only database file: readable by info, refused for writing (exit 3), unchanged', async () => {
    const dir = mkdtempSync(join(work, 'ro-'));
    const p = join(dir, 'ro.sqlite');
    const conn = await openDatabase({ flags: { url: p }, env: {} });
    await conn.close();
    chmodSync(p, 0o444);
    const before = sha(p);
    const info = await runCli(['info', '--json', '--url', p]);
    expect(info.code).toBe(0);
    expect(info.json().database.exists).toBe(true);
    const e = await openDatabase({ flags: { url: p }, env: {} }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EventdbError);
    expect((e as EventdbError).code).toBe('READ_ONLY');
    expect((e as EventdbError).exitCode).toBe(3);
    expect((e as EventdbError).message).toBe(`database file ${p} is read-only`);
    expect(sha(p)).toBe(before);
  });

  it('a config file with a syntax error → exit 2 with file and line', async () => {
    const dir = mkdtempSync(join(work, 'cfg-'));
    writeFileSync(join(dir, 'eventdb.config.json'), '{\n  "url": "sqlite:./x.db"\n  "store": "file:./b"\n}\n');
    const r = await runCli(['info'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: config file ${join(dir, 'eventdb.config.json')}:3:`);
    expect(r.stderr).toContain('hint: fix the JSON syntax');
    expect(r.stderr).not.toContain('    at '); // no stack without --verbose
  });

  it('--help and --version work and load no driver', async () => {
    const v = await runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    // `--version` alone skips the CLI; with another argument the CLI prints it: the same line.
    for (const args of [['-V'], ['--version', '--no-color'], ['-V', '--json']]) {
      const w = await runCli(args);
      expect(w.code, args.join(' ')).toBe(0);
      expect(w.stdout, args.join(' ')).toBe(v.stdout);
      expect(w.stderr, args.join(' ')).toBe('');
    }
    const h = await runCli(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('info');
    const trace = join(mkdtempSync(join(work, 'trace-')), 'modules.txt');
    const hook = new URL('../fixtures/import-trace.mjs', import.meta.url).pathname;
    for (const args of [['--help'], ['--version'], ['migrate', '--help']]) {
      writeFileSync(trace, '');
      const probe = await runCli(args, { env: { NODE_OPTIONS: `--import=${hook}`, EVENTDB_TRACE_FILE: trace } });
      expect(probe.code).toBe(0);
      const loaded = readFileSync(trace, 'utf8');
      // the trace works (`--version` alone prints the version without loading the CLI, #18)
      expect(loaded).toContain(args[0] === '--version' ? 'dist/version.js' : 'dist/cli/main.js');
      for (const heavy of ['/pg/', 'better-sqlite3', '@duckdb', '@aws-sdk', '@electric-sql', 'libpg-query', 'node_modules/kysely']) {
        expect(loaded, `${args.join(' ')} loaded ${heavy}`).not.toContain(heavy);
      }
      // Kysely is bundled into the CLI's chunks: none of the loaded files may hold it either.
      const files = [...new Set(loaded.split('\n').filter((u) => u.startsWith('file://')))];
      for (const f of files) expect(readFileSync(new URL(f), 'utf8'), `${args.join(' ')} loaded Kysely via ${f}`).not.toMatch(/class _?Kysely extends/);
    }
  });
});
