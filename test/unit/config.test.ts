import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { EventdbError } from '../../src/errors.js';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'eventdb-cfg-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function rejects(p: Promise<unknown>): Promise<EventdbError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof EventdbError) return e;
    throw e;
  }
  throw new Error('expected rejection');
}

describe('resolveConfig', () => {
  it('defaults to the embedded SQLite file and says so', async () => {
    const cwd = project({});
    const c = await resolveConfig({ env: {}, cwd });
    expect(c.database.engine).toBe('sqlite');
    expect(c.database.path).toBe(join(cwd, 'eventdb.sqlite'));
    expect(c.isDefaultDatabase).toBe(true);
    expect(c.environment).toBe('development');
    expect(c.connectTimeoutMs).toBe(5000);
    expect(c.sources.database).toBe('default');
  });

  it('applies flags > env > file > defaults, recording each source', async () => {
    const cwd = project({ 'eventdb.config.json': JSON.stringify({ url: 'sqlite:./file.db', pool: { max: 7 }, connectTimeout: 9 }) });
    const fromFile = await resolveConfig({ env: {}, cwd });
    expect(fromFile.database.path).toBe(join(cwd, 'file.db'));
    expect(fromFile.sources.database).toBe(`file:${join(cwd, 'eventdb.config.json')}`);
    expect(fromFile.pool.max).toBe(7);
    expect(fromFile.connectTimeoutMs).toBe(9000);
    const fromEnv = await resolveConfig({ env: { DATABASE_URL: 'sqlite:./env.db', DB_POOL_MAX: '3', EVENTDB_CONNECT_TIMEOUT: '2' }, cwd });
    expect(fromEnv.database.path).toBe(join(cwd, 'env.db'));
    expect(fromEnv.sources.database).toBe('env:DATABASE_URL');
    expect(fromEnv.pool.max).toBe(3);
    expect(fromEnv.sources['pool.max']).toBe('env:DB_POOL_MAX');
    expect(fromEnv.connectTimeoutMs).toBe(2000);
    const eventdbWins = await resolveConfig({ env: { DATABASE_URL: 'sqlite:./env.db', EVENTDB_DATABASE_URL: 'duckdb:./e.duckdb' }, cwd });
    expect(eventdbWins.database.engine).toBe('duckdb');
    const flag = await resolveConfig({ flags: { url: 'sqlite:./flag.db' }, env: { EVENTDB_DATABASE_URL: 'duckdb:./e.duckdb' }, cwd });
    expect(flag.database.path).toBe(join(cwd, 'flag.db'));
    expect(flag.sources.database).toBe('flag');
  });

  it('finds the config file by walking up, and applies the environment section', async () => {
    const cwd = project({
      'eventdb.config.json': JSON.stringify({ url: 'sqlite:./dev.db', environments: { production: { url: 'duckdb:./prod.duckdb', statementTimeout: 30 } } }),
      'sub/deeper/.keep': '',
    });
    const deep = join(cwd, 'sub', 'deeper');
    const dev = await resolveConfig({ env: {}, cwd: deep });
    expect(dev.configFile).toBe(join(cwd, 'eventdb.config.json'));
    const prod = await resolveConfig({ env: { NODE_ENV: 'production' }, cwd: deep });
    expect(prod.environment).toBe('production');
    expect(prod.sources.environment).toBe('env:NODE_ENV');
    expect(prod.database.engine).toBe('duckdb');
    expect(prod.statementTimeoutMs).toBe(30_000);
    const flagEnv = await resolveConfig({ flags: { env: 'test' }, env: { NODE_ENV: 'production', EVENTDB_ENV: 'staging' }, cwd });
    expect(flagEnv.environment).toBe('test');
  });

  it('loads eventdb.config.mjs and .ts', async () => {
    const mjs = project({ 'eventdb.config.mjs': 'export default { url: "duckdb:./m.duckdb" };' });
    expect((await resolveConfig({ env: {}, cwd: mjs })).database.engine).toBe('duckdb');
    const ts = project({ 'eventdb.config.ts': 'const url: string = "sqlite:./t.sqlite";\nexport default { url };' });
    expect((await resolveConfig({ env: {}, cwd: ts })).database.path).toBe(join(ts, 't.sqlite'));
  });

  it('reports a config syntax error with file and line (exit 2)', async () => {
    const cwd = project({ 'eventdb.config.json': '{\n  "url": "sqlite:./x.db",\n}\n' });
    const e = await rejects(resolveConfig({ env: {}, cwd }));
    expect(e.code).toBe('CONFIG_SYNTAX');
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(`${join(cwd, 'eventdb.config.json')}:3:`);
  });

  it('honours DATABASE_PROVIDER with a bare DATABASE_URL path', async () => {
    const cwd = project({});
    const c = await resolveConfig({ env: { DATABASE_PROVIDER: 'sqlite', DATABASE_URL: './data/app.db' }, cwd });
    expect(c.database).toMatchObject({ engine: 'sqlite', path: join(cwd, 'data/app.db') });
    const pgNoUrl = await rejects(resolveConfig({ env: { DATABASE_PROVIDER: 'postgres' }, cwd }));
    expect(pgNoUrl.code).toBe('CONFIG');
    expect(pgNoUrl.hint).toContain('DATABASE_URL');
  });

  it('rejects bad values with the origin named', async () => {
    const cwd = project({});
    const e = await rejects(resolveConfig({ env: { EVENTDB_POOL_MAX: 'lots' }, cwd }));
    expect(e.message).toContain('env:EVENTDB_POOL_MAX');
    const env = await rejects(resolveConfig({ env: { EVENTDB_ENV: 'prodd' }, cwd }));
    expect(env.message).toContain('unknown environment "prodd"');
  });
});
