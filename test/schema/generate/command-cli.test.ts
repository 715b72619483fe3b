import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { int, makeProject, schemaOf, table, text } from './project.js';

const root = mkdtempSync(join(tmpdir(), 'eventdb-diff-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const BASE = '-- eventdb:up\nCREATE TABLE venues (id integer primary key, name text not null);\n-- eventdb:down\nDROP TABLE venues;\n';

async function project(tag: string) {
  const url = `sqlite:${join(root, `${tag}.sqlite`)}`;
  const p = await makeProject(root, url, tag);
  writeFileSync(join(p.migrations, '0001_base.sql'), BASE);
  const cli = (...args: string[]) => runCli(['--url', url, ...args], { cwd: p.dir, env: { EVENTDB_MIGRATIONS_DIR: p.migrations, EVENTDB_SCHEMA_DIR: p.schema } });
  return { p, cli };
}

describe('eventdb migrate diff (CLI, SQLite)', () => {
  it('writes the migration, up applies it, and then --check exits 0 with nothing to do', async () => {
    const { p, cli } = await project('write');
    p.declare(schemaOf([table('venues', [int('id', false), text('name', false), int('capacity')])], ['sqlite']));
    const w = await cli('migrate', 'diff', 'capacity', '--json');
    expect(w.code, w.stderr).toBe(0);
    const j = w.json<{ ok: boolean; changed: boolean; written: string[] }>();
    expect([j.ok, j.changed, j.written.length]).toEqual([true, true, 1]);
    expect(p.files()).toEqual(['0001_base.sql', '0002_capacity.sql']);
    const u = await cli('migrate', 'up');
    expect(u.code, u.stderr).toBe(0);
    const c = await cli('migrate', 'diff', 'again', '--check');
    expect(c.code, c.stderr + c.stdout).toBe(0);
    expect(c.stdout).toContain('nothing to do');
    expect(p.files()).toEqual(['0001_base.sql', '0002_capacity.sql']);
  });

  it('--check exits 1 on a difference and writes nothing; --json says what would be written', async () => {
    const { p, cli } = await project('check');
    p.declare(schemaOf([table('venues', [int('id', false), text('name', false), int('capacity')])], ['sqlite']));
    const c = await cli('migrate', 'diff', 'capacity', '--check', '--json');
    expect(c.code).toBe(1);
    const j = c.json<{ ok: boolean; changed: boolean; written: string[]; files: Array<{ name: string; up: string[] }> }>();
    expect([j.ok, j.changed, j.written]).toEqual([false, true, []]);
    expect(j.files[0]!.up.join(' ')).toMatch(/capacity/);
    expect(p.files()).toEqual(['0001_base.sql']);
  });

  it('a possible rename without a terminal: exit 2, the flag to use in the hint, nothing written', async () => {
    const { p, cli } = await project('rename');
    p.declare(schemaOf([table('venues', [int('id', false), text('title', false)])], ['sqlite']));
    const c = await cli('migrate', 'diff', 'rename');
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('error: venues.name is gone and venues.title is new');
    expect(c.stderr).toContain('hint: say which: --rename venues.name:title');
    expect(p.files()).toEqual(['0001_base.sql']);
    const ok = await cli('migrate', 'diff', 'rename', '--rename', 'venues.name:title');
    expect(ok.code, ok.stderr).toBe(0);
    expect(p.files()).toEqual(['0001_base.sql', '0002_rename.sql']);
  });

  it('a malformed --rename: exit 2 with a hint, nothing written', async () => {
    const { p, cli } = await project('badrename');
    p.declare(schemaOf([table('venues', [int('id', false), text('name', false)])], ['sqlite']));
    const c = await cli('migrate', 'diff', 'x', '--rename', 'venues:title');
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('error: --rename venues:title: expected table.old:new');
    expect(c.stderr).toContain('hint: for example --rename users.fullname:display_name');
    expect(p.files()).toEqual(['0001_base.sql']);
  });

  it('an existing migration that does not replay: the step\'s own hint, said to be about a scratch database; nothing written, no database made', async () => {
    const { p, cli } = await project('noreplay');
    writeFileSync(join(p.migrations, '0002_edit.sql'), "-- eventdb:up\nPRAGMA writable_schema = ON;\nUPDATE sqlite_master SET sql = replace(sql, 'name text', 'name text unique') WHERE name = 'venues';\n");
    p.declare(schemaOf([table('venues', [int('id', false), text('name', false), int('capacity')])], ['sqlite']));
    const c = await cli('migrate', 'diff', 'capacity', '--check');
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('error: the existing migrations do not replay on sqlite: migration 0002_edit failed');
    expect(c.stderr).toContain('table sqlite_master may not be modified');
    expect(c.stderr).toMatch(/hint: eventdb opens SQLite in defensive mode, .*rebuild the table instead.*; then run migrate diff again \(the replay ran in a scratch database, now removed; yours is untouched\)/);
    expect(c.stderr).not.toContain('stay applied');
    expect(c.stderr).not.toContain('eventdb_migration_log');
    expect(p.files()).toEqual(['0001_base.sql', '0002_edit.sql']);
    expect(existsSync(join(root, 'noreplay.sqlite'))).toBe(false);
  });
});
