import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/*
 * When the risk gate refuses (`--env production`), the refusal shows what it refused for: the plan and
 * its findings in text (before the error), and `plan` and `findings` beside `ok: false` and `error`
 * under --json. Exit 5, nothing applied.
 */
let dir = '';
let migrations = '';
let file = '';
const args = (...a: string[]) => [...a, '--env', 'production', '--url', `sqlite:${file}`, '--migrations', migrations];
const history = () => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT * FROM eventdb_migrations ORDER BY id').all();
  } finally {
    db.close();
  }
};
const tables = () => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all();
  } finally {
    db.close();
  }
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eventdb-gate-refusal-'));
  migrations = join(dir, 'migrations');
  file = join(dir, 'db.sqlite');
  mkdirSync(migrations);
  writeFileSync(join(migrations, '0001_events.sql'), '-- eventdb:up\nCREATE TABLE events (id INTEGER PRIMARY KEY, title TEXT);\n-- eventdb:down\nDROP TABLE events;\n');
  writeFileSync(join(migrations, '0002_tiers.sql'), '-- eventdb:up\nCREATE TABLE tiers (id INTEGER PRIMARY KEY);\n-- eventdb:down\nDROP TABLE tiers;\n');
  writeFileSync(join(migrations, '0003_rename.sql'), '-- eventdb:up\nALTER TABLE events RENAME COLUMN title TO name;\n-- eventdb:down\nALTER TABLE events RENAME COLUMN name TO title;\n');
  const r = await runCli(['migrate', 'up', '--to', '0002_tiers', '--url', `sqlite:${file}`, '--migrations', migrations], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  const db = new Database(file);
  db.exec("INSERT INTO events (title) VALUES ('launch'); INSERT INTO tiers (id) VALUES (1);");
  db.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a refusal by the risk gate lists the findings it refused for', () => {
  it('migrate up (text): the steps with findings and their findings, then the error; exit 5; nothing applied', async () => {
    const before = { h: history(), t: tables() };
    const r = await runCli(args('migrate', 'up'), { cwd: dir });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^error: risk gate: 0003_rename \(high\)/m);
    expect(r.stdout).toMatch(/refused on sqlite: 1 migration planned, 1 risk finding; nothing was run/);
    expect(r.stdout).toMatch(/^\s+1\. up\s+0003_rename\s+\(0003_rename\.sql\)$/m);
    expect(r.stdout).toMatch(/risk high compat-rename-column: renaming "events"\."title" to "name"/);
    expect(r.stdout).not.toContain('ALTER TABLE'); // the SQL only with --dry-run
    expect({ h: history(), t: tables() }).toEqual(before);
  });

  it('migrate up --dry-run (text): the plan as a dry run shows it, every statement with its findings', async () => {
    const r = await runCli(args('migrate', 'up', '--dry-run'), { cwd: dir });
    expect(r.code).toBe(5);
    expect(r.stdout).toMatch(/1\. up\s+0003_rename[^\n]*\n\s+ALTER TABLE events RENAME COLUMN title TO name;\n\s+risk high compat-rename-column/);
    expect(r.stderr).toMatch(/^error: risk gate/m);
  });

  it('migrate up --json: one object, ok false first, the plan and findings beside the error', async () => {
    const before = history();
    const r = await runCli(args('migrate', 'up', '--json'), { cwd: dir });
    expect(r.code).toBe(5);
    const j = r.json();
    expect(Object.keys(j)[0]).toBe('ok');
    expect(j.ok).toBe(false);
    expect(j.error).toMatchObject({ code: 'RISK_GATE', message: expect.stringMatching(/^risk gate: 0003_rename \(high\)/), hint: expect.stringContaining('review the findings') });
    expect(j.findings.map((f: { migration: string; rule: string; level: string; line: number }) => `${f.migration}:${f.rule}:${f.level}:${f.line}`)).toEqual(['0003_rename:compat-rename-column:high:2']);
    expect(j.plan.map((s: { id: string; findings: unknown[] }) => [s.id, s.findings.length])).toEqual([['0003_rename', 1]]);
    expect(history()).toEqual(before);
  });

  it('rollback (text and --json): the down plan with its data-loss findings; exit 5; nothing rolled back', async () => {
    const before = { h: history(), t: tables() };
    const t = await runCli(args('rollback', '--yes'), { cwd: dir });
    expect(t.code).toBe(5);
    expect(t.stdout).toMatch(/refused on sqlite: 2 migrations planned/);
    expect(t.stdout).toMatch(/down-loses-data/);
    expect(t.stdout).toMatch(/^\s+\d\. down 0002_tiers/m);
    expect(t.stderr).toMatch(/^error: risk gate/m);
    const r = await runCli(args('rollback', '--yes', '--json'), { cwd: dir });
    expect(r.code).toBe(5);
    const j = r.json();
    expect(j.ok).toBe(false);
    expect(j.error.code).toBe('RISK_GATE');
    expect(j.plan.map((s: { id: string; direction: string }) => `${s.direction} ${s.id}`)).toEqual(['down 0002_tiers', 'down 0001_events']);
    expect(j.findings.filter((f: { rule: string }) => f.rule === 'down-loses-data').map((f: { migration: string }) => f.migration).sort()).toEqual(['0001_events', '0002_tiers']);
    expect({ h: history(), t: tables() }).toEqual(before);
  });
});
