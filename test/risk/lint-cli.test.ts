import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'eventdb-lint-'));
  writeFileSync(join(dir, '0001_tiers.sql'), '-- eventdb:up\nCREATE TABLE tiers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n-- eventdb:down\nDROP TABLE tiers;\n');
  writeFileSync(join(dir, '0002_email_idx.postgres.sql'), '-- eventdb:up\n\nCREATE INDEX users_email_idx ON users (email);\n-- eventdb:down\nDROP INDEX users_email_idx;\n');
  writeFileSync(join(dir, '0003_drop_legacy.sql'), '-- eventdb:risk-accepted loss-drop-table "archived to cold storage in 2025"\n-- eventdb:up\nDROP TABLE legacy_sessions;\n');
  writeFileSync(join(dir, '0004_add_ts.ts'), "export async function up(db: any, ctx: any): Promise<void> {\n  await db.schema.alterTable('users').renameColumn('name', 'full_name').execute();\n  await ctx.executeSQL('DELETE FROM sessions');\n}\n");
  writeFileSync(join(dir, 'safe.sql'), 'CREATE TABLE a (id INTEGER PRIMARY KEY);\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lint = (args: string[], env: Record<string, string> = {}) => runCli(['migrate', 'lint', ...args], { cwd: dir, env });

describe('eventdb migrate lint', () => {
  it('text: findings with file:line, rule and advice; exit 1 at the default --fail-on high', async () => {
    const r = await lint(['0002_email_idx.postgres.sql', '0003_drop_legacy.sql', '--engine', 'sqlite']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('0002_email_idx.postgres.sql:3  lock-index-build (high)');
    expect(r.stdout).toContain('fix: use `CREATE INDEX CONCURRENTLY users_email_idx ON users (email)`');
    expect(r.stdout).toContain('loss-drop-table (accepted: archived to cold storage in 2025)');
    expect(r.stdout).toMatch(/2 files, 3 statements: 1 high, 1 low \(1 accepted\) — fails --fail-on high/);
  });

  it('--fail-on decides the exit code', async () => {
    expect((await lint(['0002_email_idx.postgres.sql', '--fail-on', 'critical'])).code).toBe(0);
    expect((await lint(['0002_email_idx.postgres.sql', '--fail-on', 'high'])).code).toBe(1);
    expect((await lint(['0002_email_idx.postgres.sql', '--assume-small', '--fail-on', 'medium'])).code).toBe(0);
    expect((await lint(['0002_email_idx.postgres.sql', '--assume-small', '--fail-on', 'low'])).code).toBe(1);
    expect((await lint(['safe.sql', '--engine', 'postgres', '--fail-on', 'low'])).code).toBe(0);
  });

  it('json: one object, ok first, every finding with rule, level, migration, statement, line, message, advice', async () => {
    const r = await lint(['0002_email_idx.postgres.sql', '--json']);
    expect(r.code).toBe(1);
    expect(Object.keys(r.json())[0]).toBe('ok');
    const j = r.json<{ ok: boolean; level: string; findings: Array<Record<string, unknown>> }>();
    expect(j.ok).toBe(false);
    expect(j.level).toBe('high');
    expect(j.findings[0]).toMatchObject({ rule: 'lock-index-build', level: 'high', migration: '0002_email_idx', line: 3, statement: 'CREATE INDEX users_email_idx ON users (email)', direction: 'up' });
    expect(typeof j.findings[0]!.advice).toBe('string');
  });

  it('engine: variant suffix, else --engine, else the configured URL scheme (without connecting)', async () => {
    // Portable file with a PostgreSQL-only statement: fine on postgres, unsupported on SQLite.
    writeFileSync(join(dir, 'pg_only.sql'), 'ALTER TABLE users ALTER COLUMN age TYPE bigint;\n');
    const pg = await lint(['pg_only.sql', '--json'], { DATABASE_URL: 'postgres://app:s3cret@db.invalid:5432/events' });
    expect(pg.json().findings.map((f: { rule: string }) => f.rule)).toEqual(['rewrite-column-type']);
    expect(pg.stdout).not.toContain('s3cret');
    const sq = await lint(['pg_only.sql', '--json', '--engine', 'sqlite'], { DATABASE_URL: 'postgres://app@db.invalid/events' });
    expect(sq.json().findings.map((f: { rule: string }) => f.rule)).toEqual(['unsupported-statement']);
    const dflt = await lint(['pg_only.sql', '--json']);
    expect(dflt.json().migrations[0].engine).toBe('sqlite');
  });

  it('a folder: every migration, TS migrations analysed on the SQL they compile to', async () => {
    const r = await lint(['.', '--json', '--engine', 'postgres']);
    const j = r.json<{ migrations: Array<{ migration: string; findings: Array<{ rule: string; direction: string }> }> }>();
    const ts = j.migrations.find((m) => m.migration === '0004_add_ts')!;
    expect(ts.findings.map((f) => f.rule).sort()).toEqual(['compat-rename-column', 'loss-delete-without-where', 'txn-ddl-with-large-dml']);
    const tiers = j.migrations.find((m) => m.migration === '0001_tiers')!;
    expect(tiers.findings).toEqual([expect.objectContaining({ rule: 'down-loses-data', direction: 'down' })]);
  });

  it('github: workflow annotations ::error file=…,line=…::…', async () => {
    const r = await lint(['0002_email_idx.postgres.sql', '0001_tiers.sql', '--format', 'github', '--engine', 'sqlite']);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toContain('::error file=0002_email_idx.postgres.sql,line=3,title=lock-index-build (high)::CREATE INDEX blocks writes to "users" for the whole build ("users" assumed production-sized (no database; --assume-small to change)). Fix: use `CREATE INDEX CONCURRENTLY users_email_idx ON users (email)` in a migration marked `-- eventdb:no-transaction`');
    expect(lines.some((l) => /^::warning file=0001_tiers\.sql,line=4,title=down-loses-data \(medium\)::/.test(l))).toBe(true);
    expect(lines.every((l) => /^::(error|warning|notice) file=[^,]+,line=\d+,title=[^:]+::.+/.test(l))).toBe(true);
  });

  it('sarif: a valid SARIF 2.1.0 log', async () => {
    const r = await lint(['0002_email_idx.postgres.sql', '0003_drop_legacy.sql', '--format', 'sarif', '--engine', 'postgres']);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout);
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    expect(log.runs).toHaveLength(1);
    const run = log.runs[0];
    expect(run.tool.driver.name).toBe('eventdb');
    const ruleIds = run.tool.driver.rules.map((x: { id: string }) => x.id);
    expect(ruleIds).toContain('lock-index-build');
    for (const res of run.results) {
      expect(ruleIds[res.ruleIndex]).toBe(res.ruleId);
      expect(['error', 'warning', 'note']).toContain(res.level);
      expect(typeof res.message.text).toBe('string');
      const loc = res.locations[0].physicalLocation;
      expect(typeof loc.artifactLocation.uri).toBe('string');
      expect(Number.isInteger(loc.region.startLine) && loc.region.startLine >= 1).toBe(true);
    }
    const dropped = run.results.find((x: { ruleId: string }) => x.ruleId === 'loss-drop-table');
    expect(dropped.suppressions).toEqual([{ kind: 'inSource', justification: 'archived to cold storage in 2025' }]);
    expect(run.results.find((x: { ruleId: string }) => x.ruleId === 'lock-index-build').locations[0].physicalLocation).toEqual({ artifactLocation: { uri: '0002_email_idx.postgres.sql' }, region: { startLine: 3 } });
  });

  it('bad input: unknown level, format, missing file, malformed accept line — exit 2, one line, nothing written', async () => {
    const before = readFileSync(join(dir, '0001_tiers.sql'), 'utf8');
    const a = await lint(['0001_tiers.sql', '--fail-on', 'severe']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/^error: unknown --fail-on level "severe"\nhint: use one of: low, medium, high, critical\n$/);
    const b = await lint(['0001_tiers.sql', '--format', 'xml']);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('error: unknown --format "xml"');
    const c = await lint(['nope.sql']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('error: no such file or folder: nope.sql');
    writeFileSync(join(dir, 'bad_accept.sql'), '-- eventdb:risk-accepted no-such-rule "x"\nSELECT 1;\n');
    const d = await lint(['bad_accept.sql', '--json']);
    expect(d.code).toBe(2);
    expect(d.json().error).toMatchObject({ code: 'RISK_ACCEPT_INVALID', message: 'bad_accept.sql:1: unknown risk rule "no-such-rule"' });
    expect(d.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(join(dir, '0001_tiers.sql'), 'utf8')).toBe(before);
  });
});
