import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { describeEngines, pgAdminUrl, withDatabase } from '../helpers/engines.js';

describeEngines('item 13: seed --file of a missing file is a usage error (exit 2) and opens no database', (fx) => {
  it('exit 2, SEED_FILE naming the file, nothing created or seeded', async () => {
    const cwd = mkdtempSync(join(fx.dir(), 'seed-'));
    const url = fx.engine === 'postgres' ? fx.url() : fx.url().replace(/(\.sqlite|\.duckdb)$/, '-never$1');
    const r = await runCli(['seed', '--file', './no-such-seed.ts', '--profile', 'minimal', '--url', url, '--json'], { cwd });
    expect(r.code, r.stderr).toBe(2);
    expect(r.json().error.code).toBe('SEED_FILE');
    expect(r.json().error.message).toBe('seed file ./no-such-seed.ts does not exist');
    expect(r.stderr).toContain('error: seed file ./no-such-seed.ts does not exist');
    if (fx.variant === 'sqlite' || fx.variant === 'duckdb') expect(existsSync(url.replace(/^\w+:/, ''))).toBe(false);
    // No table was created by the (minimal) profile that came with it.
    const status = await runCli(['migrate', 'status', '--url', url, '--json'], { cwd, env: { EVENTDB_MIGRATIONS_DIR: join(cwd, 'migrations') } });
    expect(JSON.stringify(status.json())).not.toContain('membership_tiers');
  });
});

describe('item 13: migrate create with a 300-character name', () => {
  it('is a usage error (exit 2), not an ENAMETOOLONG crash, and writes no file', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'eventdb-create-'));
    mkdirSync(join(cwd, 'migrations'));
    const r = await runCli(['migrate', 'create', 'a'.repeat(300), '--json'], { cwd });
    expect(r.code, r.stderr).toBe(2);
    expect(r.json().error.code).toBe('USAGE');
    expect(r.json().error.message).toBe('migration name is too long (300 characters; at most 120)');
    expect(r.stderr).not.toContain('ENAMETOOLONG');
    expect(readdirSync(join(cwd, 'migrations'))).toEqual([]);
    const ok = await runCli(['migrate', 'create', 'b'.repeat(120), '--engine', 'postgres'], { cwd });
    expect(ok.code, ok.stderr).toBe(0);
    expect(readdirSync(join(cwd, 'migrations'))).toEqual([`0001_${'b'.repeat(120)}.postgres.sql`]);
  });
});

describe('item 13: info and migrate up agree about a missing database', () => {
  it('PostgreSQL: info says to create it (createdb), and migrate up indeed refuses (exit 3)', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'eventdb-missing-'));
    const name = `eventdb_missing_${process.pid}`;
    const url = withDatabase(pgAdminUrl(), name);
    const info = await runCli(['info', '--url', url], { cwd });
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(new RegExp(`exists +no — create it \\(createdb ${name}\\)`));
    expect(info.stdout).not.toContain('created by');
    const j = (await runCli(['info', '--url', url, '--json'], { cwd })).json();
    expect(j.database.exists).toBe(false);
    expect(j.database.missing).toBe(`create it (createdb ${name}) or fix the database name in the URL`);
    const up = await runCli(['migrate', 'up', '--url', url, '--json'], { cwd });
    expect(up.code).toBe(3);
    expect(up.json().error.code).toBe('DB_NOT_FOUND');
  });

  for (const scheme of ['sqlite', 'duckdb', 'pglite'] as const) {
    it(`${scheme}: info says migrate up creates it, creates nothing itself, and migrate up does create it`, async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'eventdb-missing-'));
      mkdirSync(join(cwd, 'migrations'));
      writeFileSync(join(cwd, 'migrations', '0001_t.sql'), '-- eventdb:up\ncreate table t (id integer primary key);\n-- eventdb:down\ndrop table t;\n');
      const url = `${scheme}:./app.${scheme === 'pglite' ? 'pg' : scheme}`;
      const info = await runCli(['info', '--url', url, '--json'], { cwd });
      expect(info.code, info.stderr).toBe(0);
      expect(info.json().database).toMatchObject({ exists: false, missing: 'run `eventdb migrate up` to create it' });
      expect(readdirSync(cwd)).toEqual(['migrations']);
      const up = await runCli(['migrate', 'up', '--url', url], { cwd });
      expect(up.code, up.stderr).toBe(0);
      const after = await runCli(['info', '--url', url, '--json'], { cwd });
      expect(after.json().database.exists).toBe(true);
      expect(after.json().database.missing).toBeUndefined();
    });
  }
});
