import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/* What `migrate up` and `rollback` print about risk: the line lint names, and the plan's own numbering. */
let dir = '';
let migrations = '';
let n = 0;
let url = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'eventdb-gate-cli-'));
  migrations = join(dir, 'migrations');
  mkdirSync(migrations);
  writeFileSync(join(migrations, '0001_events.sql'), '-- eventdb:up\nCREATE TABLE events (id INTEGER PRIMARY KEY, title TEXT);\n-- eventdb:down\nDROP TABLE events;\n');
  writeFileSync(join(migrations, '0002_rename.sql'), '-- eventdb:up\n\nALTER TABLE events RENAME COLUMN title TO name;\n-- eventdb:down\nALTER TABLE events RENAME COLUMN name TO title;\n');
  writeFileSync(join(migrations, '0003_safe.sql'), '-- eventdb:up\nCREATE TABLE tiers (id INTEGER PRIMARY KEY);\n-- eventdb:down\nDROP TABLE tiers;\n');
  writeFileSync(join(migrations, '0004_clear.sql'), '-- eventdb:up\n-- a comment\n\nUPDATE events SET name = NULL WHERE id = 1;\nDELETE FROM events;\n-- eventdb:down\nSELECT 1;\n\nDELETE FROM tiers;\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const args = (...a: string[]) => [...a, '--url', url, '--migrations', migrations];
beforeEach(() => {
  url = `sqlite:${join(dir, `db${++n}.sqlite`)}`;
});

describe('risk findings of migrate up and rollback', () => {
  // The plan starts after 0001: a column of a table created earlier in the same plan is used by no
  // deployed code, and renaming it is no compat break (issue 19: no compat-rename-* for what the plan
  // itself creates). With 0001 applied before, the rename is one, and the plan is 0002, 0003, 0004.
  it('text: the steps with findings keep their number in the plan', async () => {
    expect((await runCli(args('migrate', 'up', '--to', '0001_events'))).code).toBe(0);
    const r = await runCli(args('migrate', 'up'));
    expect(r.code).toBe(0);
    const steps = r.stdout.split('\n').filter((l) => /^\s+\d+\. (up|down)/.test(l));
    expect(steps.map((l) => l.trim().split(/\s+/).slice(0, 3).join(' '))).toEqual(['1. up 0002_rename', '3. up 0004_clear']);
    expect(r.stdout).toContain('compat-rename-column');
    expect(r.stdout).toContain('loss-delete-without-where');
  });

  it('a fresh plan: renaming a column of a table an earlier step of the same plan creates is no compat break', async () => {
    const r = await runCli(args('migrate', 'up', '--json'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().findings.map((f: { migration: string; rule: string }) => `${f.migration}:${f.rule}`)).toEqual(['0004_clear:loss-delete-without-where']);
  });

  it('--json: every finding carries the line of its statement in the file, as lint reports it', async () => {
    expect((await runCli(args('migrate', 'up', '--to', '0001_events'))).code).toBe(0);
    const r = await runCli(args('migrate', 'up', '--json'));
    expect(r.code).toBe(0);
    const key = (f: { migration: string; rule: string; line: number }) => `${f.migration}:${f.rule}:${f.line}`;
    const got = r.json().findings.map(key);
    expect(got).toEqual(['0002_rename:compat-rename-column:3', '0004_clear:loss-delete-without-where:5']);
    const lint = await runCli(['migrate', 'lint', migrations, '--engine', 'sqlite', '--json']);
    const linted = lint.json().findings.filter((f: { direction: string }) => f.direction === 'up').map(key);
    expect(linted).toEqual(got);
  });

  it('rollback --json: findings of the down SQL carry their line', async () => {
    expect((await runCli(args('migrate', 'up'))).code).toBe(0);
    const r = await runCli(args('rollback', '--json', '--yes'));
    expect(r.code).toBe(0);
    const got = r.json().findings.map((f: { migration: string; rule: string; line: number }) => `${f.migration}:${f.rule}:${f.line}`);
    expect(got).toEqual(expect.arrayContaining(['0004_clear:down-loses-data:9', '0003_safe:down-loses-data:4', '0001_events:down-loses-data:4', '0002_rename:compat-rename-column:5']));
  });
});
