import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { describeEngines } from '../helpers/engines.js';

function project(files: Record<string, string>): string {
  const cwd = mkdtempSync(join(tmpdir(), 'eventdb-hostile-config-'));
  mkdirSync(join(cwd, 'migrations'));
  writeFileSync(join(cwd, 'migrations', '0001_t.sql'), '-- eventdb:up\ncreate table t (id integer primary key);\n-- eventdb:down\ndrop table t;\n');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(cwd, name), text);
  return cwd;
}

/** A config mistake: exit 2, code CONFIG, the message names the file and the key, and nothing was created. */
async function expectConfigError(files: Record<string, string>, message: string, hint?: string): Promise<void> {
  const cwd = project(files);
  const before = readdirSync(cwd).sort();
  const r = await runCli(['migrate', 'up', '--json'], { cwd });
  expect(r.code, r.stderr).toBe(2);
  const e = r.json().error;
  expect(e.code).toBe('CONFIG');
  const file = join(cwd, Object.keys(files)[0]!);
  expect(e.message).toBe(`config file ${file}: ${message}`);
  if (hint) expect(e.hint).toContain(hint);
  expect(r.stderr).toContain(`error: config file ${file}: ${message}`);
  expect(readdirSync(cwd).sort()).toEqual(before); // no ./eventdb.sqlite fallback was created
  expect(existsSync(join(cwd, 'eventdb.sqlite'))).toBe(false);
}

describe('item 9: config values of the wrong type and unknown keys are usage errors naming the key and the file', () => {
  it('"url": ["…"] (an array)', () => expectConfigError({ 'eventdb.config.json': '{"url": ["sqlite:./app.sqlite"]}' }, '"url" must be a string, got an array'));
  it('"url": 42', () => expectConfigError({ 'eventdb.config.json': '{"url": 42}' }, '"url" must be a string, got the number 42'));
  it('"migrationsDir": 7', () => expectConfigError({ 'eventdb.config.json': '{"url": "sqlite:./app.sqlite", "migrationsDir": 7}' }, '"migrationsDir" must be a string, got the number 7'));
  it('"databaseUrl" (unknown) suggests "url"', () => expectConfigError({ 'eventdb.config.json': '{"databaseUrl": "sqlite:./app.sqlite"}' }, 'unknown key "databaseUrl"', 'did you mean "url"?'));
  it('a typo suggests the nearest key: "migrationDir" → "migrationsDir"', () => expectConfigError({ 'eventdb.config.json': '{"url": "sqlite:./app.sqlite", "migrationDir": "m"}' }, 'unknown key "migrationDir"', 'did you mean "migrationsDir"?'));
  it('inside an environment section', () =>
    expectConfigError({ 'eventdb.config.json': '{"url": "sqlite:./app.sqlite", "environments": {"development": {"databaseUrl": "sqlite:./other.sqlite"}}}' }, 'unknown key "environments.development.databaseUrl"', 'did you mean "environments.development.url"?'));
  it('a wrong type inside an environment section', () =>
    expectConfigError({ 'eventdb.config.json': '{"environments": {"development": {"url": {"host": "x"}}}}' }, '"environments.development.url" must be a string, got an object'));
  it('an environment section under an unknown name ("prod") suggests "production"', () =>
    expectConfigError({ 'eventdb.config.json': '{"url": "sqlite:./app.sqlite", "environments": {"prod": {"url": "sqlite:./p.sqlite"}}}' }, 'unknown environment "prod" in "environments"', 'did you mean "production"?'));
  it('an unknown pool key and a pool of the wrong type', async () => {
    await expectConfigError({ 'eventdb.config.json': '{"url": "sqlite:./app.sqlite", "pool": {"maximum": 5}}' }, 'unknown key "pool.maximum"');
    await expectConfigError({ 'eventdb.config.json': '{"url": "sqlite:./app.sqlite", "pool": 5}' }, '"pool" must be an object, got the number 5');
  });
  it('"autoMigrate": "yes" must be a boolean', () => expectConfigError({ 'eventdb.config.json': '{"url": "sqlite:./app.sqlite", "autoMigrate": "yes"}' }, '"autoMigrate" must be true or false, got a string'));
  it('the same checks hold for a TypeScript config file', () =>
    expectConfigError({ 'eventdb.config.ts': 'export default { databaseUrl: "sqlite:./app.sqlite" };\n' }, 'unknown key "databaseUrl"', 'did you mean "url"?'));
  it('a wrong-typed value is not echoed (it may be a secret)', async () => {
    const cwd = project({ 'eventdb.config.json': '{"store": ["s3://AKIAxx:Qx7hunterWz9two@bucket/p"]}' });
    const r = await runCli(['migrate', 'up'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"store" must be a string, got an array');
    expect(r.stderr).not.toContain('Qx7hunterWz9two');
  });
  it('a valid config with every documented key still works', async () => {
    const cwd = project({
      'eventdb.config.json': JSON.stringify({
        $schema: './schema.json',
        url: 'sqlite:./app.sqlite',
        store: 'file:./backups',
        pool: { min: 0, max: 10, idleTimeout: 10000, acquireTimeout: '10s' },
        connectTimeout: 5,
        statementTimeout: '30s',
        migrationsDir: 'migrations',
        schemaDir: 'schema',
        seedsDir: 'seeds',
        autoMigrate: false,
        environments: { test: { url: 'sqlite::memory:' }, production: {} },
      }),
    });
    const r = await runCli(['migrate', 'up', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(cwd, 'app.sqlite'))).toBe(true);
  });
});

describeEngines('item 9: a config mistake never falls back to another database', (fx) => {
  it('a misspelt key beside a valid url: exit 2, the configured database untouched', async () => {
    const cwd = mkdtempSync(join(fx.dir(), 'cfg-'));
    mkdirSync(join(cwd, 'migrations'));
    writeFileSync(join(cwd, 'migrations', '0001_t.sql'), '-- eventdb:up\ncreate table t (id integer primary key);\n-- eventdb:down\ndrop table t;\n');
    writeFileSync(join(cwd, 'eventdb.config.json'), JSON.stringify({ url: fx.url(), migrationDirectory: 'migrations' }));
    const r = await runCli(['migrate', 'up', '--json'], { cwd });
    expect(r.code).toBe(2);
    expect(r.json().error.message).toContain('unknown key "migrationDirectory"');
    expect(r.json().error.hint).toContain('did you mean "migrationsDir"?');
    // Nothing applied: status with a valid config reports the one migration as pending.
    writeFileSync(join(cwd, 'eventdb.config.json'), JSON.stringify({ url: fx.url(), migrationsDir: 'migrations' }));
    const status = await runCli(['migrate', 'status', '--json'], { cwd });
    expect(status.code, status.stderr).toBe(0);
    expect(status.json().pending).toBe(1);
    expect(existsSync(join(cwd, 'eventdb.sqlite'))).toBe(false);
  });
});
