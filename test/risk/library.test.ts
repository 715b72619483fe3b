import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseMigrationRisk, lintMigrations } from '../../src/index.js';

const LIB = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'eventdb-risk-lib-'));
  writeFileSync(join(dir, '0001_idx.postgres.sql'), '-- eventdb:up\nCREATE INDEX users_email_idx ON users (email);\n');
  writeFileSync(join(dir, '0002_safe.postgres.sql'), '-- eventdb:up\nCREATE TABLE tiers (id bigint PRIMARY KEY);\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('risk analysis from the library API', () => {
  it('importing eventdb does not load the PostgreSQL parser; the first analysis does', () => {
    // A fresh process on the built library: which CommonJS modules (libpg-query is one) are loaded when.
    const script = `
      import { createRequire } from 'node:module';
      const loaded = () => Object.keys(createRequire(import.meta.url)('node:module')._cache).some((k) => k.includes('libpg-query'));
      const lib = await import(${JSON.stringify(LIB)});
      const before = loaded();
      const r = await lib.analyseMigrationRisk('DROP TABLE sessions;', { engine: 'postgres' });
      console.log(JSON.stringify({ before, after: loaded(), rules: r.findings.map((f) => f.rule) }));`;
    const p = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(p.stderr).toBe('');
    expect(JSON.parse(p.stdout)).toEqual({ before: false, after: true, rules: ['loss-drop-table'] });
  });

  it('analyseMigrationRisk reads an SQL migration text (sections, accepted rules) and uses live table sizes', async () => {
    const text = '-- eventdb:risk-accepted loss-drop-table "archived"\n-- eventdb:up\nCREATE INDEX users_email_idx ON users (email);\n-- eventdb:down\nDROP TABLE legacy;\n';
    const big = await analyseMigrationRisk(text, { engine: 'postgres' });
    expect(big.findings.map((f) => [f.rule, f.level, f.line, f.direction])).toEqual([['lock-index-build', 'high', 3, 'up'], ['down-loses-data', 'high', 5, 'down']]);
    expect(big.effectiveLevel).toBe('high');
    const small = await analyseMigrationRisk(text, { engine: 'postgres', tableSizes: new Map([['users', 10], ['legacy', 10]]) });
    expect(small.findings.map((f) => `${f.rule}:${f.level}`)).toEqual(['lock-index-build:low', 'down-loses-data:high']);
    const sqlite = await analyseMigrationRisk({ id: 'm', up: 'ALTER TABLE users DROP COLUMN nick;' }, { engine: 'sqlite' });
    expect(sqlite.findings.map((f) => f.rule)).toEqual(['loss-drop-column']);
  });

  it('lintMigrations lints files like `eventdb migrate lint`', async () => {
    const r = await lintMigrations({ paths: [dir], engine: 'postgres', failOn: 'high', cwd: dir });
    expect(r.files).toBe(2);
    expect(r.findings.map((f) => `${f.file}:${f.line} ${f.rule}:${f.level}`)).toEqual(['0001_idx.postgres.sql:2 lock-index-build:high']);
    expect(r.failed).toBe(true);
  });
});
