import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildChinook } from '../conformance/helpers.js';
import { runCli } from '../helpers/cli.js';

/*
 * `DROP TABLE IF EXISTS t` (PostgreSQL also `DROP INDEX IF EXISTS i`) of a name that no statement before
 * it names, in a lint of a whole migrations folder, is a no-op on every database that history built: low,
 * saying so — not critical as an assumed production-sized table. A name an earlier migration made keeps
 * its level; so does every drop when the run cannot know the history (files given one by one, a folder
 * whose name order is not its run order, a migration that depends on a later one).
 */
type Finding = { rule: string; level: string; migration: string; statement: string; message: string; direction: string };
type Lint = { ok: boolean; level: string | null; findings: Finding[] };

let root = '';
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'eventdb-drop-absent-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

const lint = async (paths: string[], engine: string) => {
  const r = await runCli(['migrate', 'lint', ...paths, '--engine', engine, '--json'], { cwd: root });
  return { code: r.code, out: r.json<Lint>() };
};
const drops = (l: Lint) => l.findings.filter((f) => f.rule === 'loss-drop-table' || f.rule === 'down-loses-data' || f.rule === 'lock-drop-index').map((f) => `${f.migration} ${f.statement} → ${f.level}`);

const HISTORY = {
  '0001_init.sql': '-- eventdb:up\nDROP TABLE IF EXISTS ghost;\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n-- eventdb:down\nDROP TABLE users;\n',
  '0002_drop.sql': '-- eventdb:up\nDROP TABLE IF EXISTS users;\nDROP TABLE IF EXISTS never_made;\n',
};

describe('lint of a whole folder: DROP … IF EXISTS of a name no earlier statement names', () => {
  for (const engine of ['sqlite', 'postgres', 'duckdb']) {
    it(`[${engine}] is low and says it is a no-op; a table an earlier migration created stays critical`, async () => {
      const dir = folder(`hist-${engine}`, HISTORY);
      const { code, out } = await lint([dir], engine);
      expect(drops(out)).toEqual([
        '0001_init DROP TABLE IF EXISTS ghost → low',
        '0001_init DROP TABLE users → medium', // the down of the migration that created it
        '0002_drop DROP TABLE IF EXISTS users → critical',
        '0002_drop DROP TABLE IF EXISTS never_made → low',
      ]);
      const ghost = out.findings.find((f) => f.statement.includes('ghost'))!;
      expect(ghost.message).toContain('no statement of the migrations before it names "ghost"');
      expect(ghost.message).toContain('no-op');
      expect(code).toBe(1); // users is still a real drop
    });
  }

  it('[postgres] DROP INDEX IF EXISTS of an index no statement names is low; one an earlier migration made stays medium', async () => {
    const dir = folder('idx', {
      '0001_idx.sql': '-- eventdb:up\nCREATE TABLE users (id bigint PRIMARY KEY, email text);\nCREATE INDEX users_email_idx ON users (email);\n',
      '0002_drop_idx.sql': '-- eventdb:up\nDROP INDEX IF EXISTS users_email_idx;\nDROP INDEX IF EXISTS ghost_idx;\n',
    });
    const { code, out } = await lint([dir], 'postgres');
    expect(drops(out)).toEqual(['0002_drop_idx DROP INDEX IF EXISTS users_email_idx → medium', '0002_drop_idx DROP INDEX IF EXISTS ghost_idx → low']);
    expect(out.findings.find((f) => f.statement.includes('ghost_idx'))!.message).toContain('no-op');
    expect(code).toBe(0);
  });

  it('a name an earlier statement only mentions (dynamic SQL in a DO block) is not taken as absent', async () => {
    const dir = folder('dynamic', {
      '0001_dyn.sql': "-- eventdb:up\nDO $$ BEGIN EXECUTE 'CREATE TABLE made_' || 'at_runtime (id int)'; EXECUTE 'CREATE TABLE ' || 'audit_log (id int)'; END $$;\n",
      '0002_drop.sql': '-- eventdb:up\nDROP TABLE IF EXISTS audit_log;\n',
    });
    expect(drops((await lint([dir], 'postgres')).out)).toEqual(['0002_drop DROP TABLE IF EXISTS audit_log → critical']);
  });

  it('the vendored Chinook SQLite script: its DROP TABLE IF EXISTS before the CREATEs are low', async () => {
    const dir = join(root, 'chinook');
    buildChinook('sqlite', dir);
    const { out } = await lint([dir], 'sqlite');
    const ifExists = out.findings.filter((f) => f.direction === 'up' && /^DROP TABLE IF EXISTS/i.test(f.statement));
    expect(ifExists).toHaveLength(11);
    expect(new Set(ifExists.map((f) => `${f.rule} ${f.level}`))).toEqual(new Set(['loss-drop-table low']));
  });
});

describe('lint that cannot know the history keeps the drop critical', () => {
  it('a file given alone (earlier migrations not read)', async () => {
    const dir = folder('alone', HISTORY);
    const { code, out } = await lint([join(dir, '0002_drop.sql')], 'sqlite');
    expect(drops(out)).toEqual(['0002_drop DROP TABLE IF EXISTS users → critical', '0002_drop DROP TABLE IF EXISTS never_made → critical']);
    expect(code).toBe(1);
  });

  it('a folder whose name order is not its run order (9_x runs before 10_x)', async () => {
    const dir = folder('unpadded', {
      '9_create.sql': '-- eventdb:up\nCREATE TABLE sessions (id INTEGER PRIMARY KEY);\n',
      '10_drop.sql': '-- eventdb:up\nDROP TABLE IF EXISTS sessions;\n',
    });
    expect(drops((await lint([dir], 'sqlite')).out)).toEqual(['10_drop DROP TABLE IF EXISTS sessions → critical']);
  });

  it('a migration that depends on one sorting after it', async () => {
    const dir = folder('forward-dep', {
      '0001_drop.sql': '-- eventdb:depends-on 0002_create\n-- eventdb:up\nDROP TABLE IF EXISTS sessions;\n',
      '0002_create.sql': '-- eventdb:up\nCREATE TABLE sessions (id INTEGER PRIMARY KEY);\n',
    });
    expect(drops((await lint([dir], 'sqlite')).out)).toEqual(['0001_drop DROP TABLE IF EXISTS sessions → critical']);
  });
});
