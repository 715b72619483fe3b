/**
 * `migrate diff` asks on a terminal whether a possible rename is a rename (issue 17). The CLI runs on a
 * pseudo-terminal of its own (pty-answer.py, python3's pty module), so this runs in CI too, where the
 * test process has no terminal and no stdin: the child gets the terminal, answers are typed into it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, baseEnv } from '../../helpers/cli.js';
import { int, makeProject, type Project, schemaOf, table, text, up } from './project.js';

const DRIVER = fileURLToPath(new URL('./pty-answer.py', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'eventdb-diff-prompt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const BASE = '-- eventdb:up\nCREATE TABLE venues (id integer primary key, name text not null);\n-- eventdb:down\nDROP TABLE venues;\n';
const UP_AND_DOWN = /-- eventdb:up\n([\s\S]*?)-- eventdb:down\n([\s\S]*)$/;
/** The column prompt, as confirm() draws it. */
const ASKS_COLUMN = /venues\.name is gone and venues\.title is new: rename name to title \(keeps the data\)\? \(Y\/n\)/;

interface Terminal {
  code: number | null;
  signal: number | null;
  output: string;
  answered: number;
}

/** `eventdb migrate diff …` on a pseudo-terminal, typing each `send` once the output matches its `wait`. */
function onTerminal(p: Project, url: string, args: string[], steps: Array<{ wait: RegExp; send: string }>): Promise<Terminal> {
  const env = { ...baseEnv(), CI: 'true', FORCE_COLOR: '0', EVENTDB_MIGRATIONS_DIR: p.migrations, EVENTDB_SCHEMA_DIR: p.schema, PTY_TIMEOUT: '90' };
  const json = JSON.stringify(steps.map((s) => ({ wait: s.wait.source, send: s.send })));
  return new Promise((resolve, reject) => {
    const child = execFile('python3', [DRIVER, json, process.execPath, BIN, '--url', url, 'migrate', 'diff', ...args], { cwd: p.dir, env, timeout: 120_000, maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`pty-answer.py failed: ${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout) as Terminal);
    });
    child.stdin?.end(); // the test's own stdin plays no part: the command reads its terminal
  });
}

/** A project whose first migration made `venues` with one row, applied. */
async function project(tag: string): Promise<{ p: Project; url: string }> {
  const url = `sqlite:${join(root, `${tag}.sqlite`)}`;
  const p = await makeProject(root, url, tag);
  writeFileSync(join(p.migrations, '0001_base.sql'), BASE);
  const conn = await p.open();
  try {
    await up(conn, p.config);
    await sql`insert into venues (id, name) values (1, 'Main hall')`.execute(conn.db);
  } finally {
    await conn.close();
  }
  return { p, url };
}

async function rows(p: Project, query: string): Promise<unknown[]> {
  const conn = await p.open();
  try {
    return (await sql.raw(query).execute(conn.db)).rows;
  } finally {
    await conn.close();
  }
}

function upAndDown(p: Project, file: string): { up: string; down: string } {
  const m = UP_AND_DOWN.exec(readFileSync(join(p.migrations, file), 'utf8'));
  expect(m, file).not.toBeNull();
  return { up: m![1]!, down: m![2]! };
}

describe('eventdb migrate diff asks about renames on a terminal (SQLite)', { timeout: 120_000 }, () => {
  it('column: yes writes RENAME COLUMN (no drop, no add), and after up the data is in the renamed column', async () => {
    const { p, url } = await project('col-yes');
    p.declare(schemaOf([table('venues', [int('id', false), text('title', false)])], ['sqlite']));
    const t = await onTerminal(p, url, ['rename_title'], [{ wait: ASKS_COLUMN, send: 'y\r' }]);
    expect(t.answered, t.output).toBe(1);
    expect(t.code, t.output).toBe(0);
    expect(t.output).toMatch(/wrote migrations\/0002_rename_title\.sql/);
    expect(p.files()).toEqual(['0001_base.sql', '0002_rename_title.sql']);
    const m = upAndDown(p, '0002_rename_title.sql');
    expect(m.up).toMatch(/ALTER TABLE "?venues"? RENAME COLUMN "?name"? TO "?title"?/i);
    expect(m.up).not.toMatch(/DROP COLUMN|ADD COLUMN/i);
    expect(m.down).toMatch(/ALTER TABLE "?venues"? RENAME COLUMN "?title"? TO "?name"?/i);

    const conn = await p.open();
    try {
      expect((await up(conn, p.config)).applied.map((s) => s.id)).toEqual(['0002_rename_title']);
    } finally {
      await conn.close();
    }
    expect(await rows(p, 'select id, title from venues')).toEqual([{ id: 1, title: 'Main hall' }]);
  });

  it('column: no writes no rename, and says the drop and the add are declared in two steps', async () => {
    const { p, url } = await project('col-no');
    p.declare(schemaOf([table('venues', [int('id', false), text('title', false)])], ['sqlite']));
    const t = await onTerminal(p, url, ['rename_title'], [{ wait: ASKS_COLUMN, send: 'n\r' }]);
    expect(t.answered, t.output).toBe(1);
    expect(t.code, t.output).toBe(0);
    expect(t.output).toContain('left out: venues.name is gone and venues.title is new — not confirmed as a rename (--rename venues.name:title); declare the drop and the add in two steps');
    expect(t.output).not.toMatch(/wrote /);
    expect(p.files()).toEqual(['0001_base.sql']);
    expect(await rows(p, 'select id, name from venues')).toEqual([{ id: 1, name: 'Main hall' }]);
  });

  for (const [key, label] of [['\x03', 'Ctrl-C'], ['\x04', 'Ctrl-D (end of input)']] as const) {
    it(`column: ${label} at the prompt exits non-zero and writes nothing`, async () => {
      const { p, url } = await project(`col-${key === '\x03' ? 'int' : 'eof'}`);
      p.declare(schemaOf([table('venues', [int('id', false), text('title', false)])], ['sqlite']));
      const t = await onTerminal(p, url, ['rename_title'], [{ wait: ASKS_COLUMN, send: key }]);
      expect(t.answered, t.output).toBe(1);
      expect(t.code, t.output).toBe(2); // DIFF_RENAME_NEEDED, as without a terminal
      expect(t.output).toContain('error: venues.name is gone and venues.title is new: not answered; nothing was written');
      expect(t.output).toContain('hint: answer y or n, or say which: --rename venues.name:title (keeps the data), or declare the drop and the add in two steps (the drop with --allow-drop)');
      expect(t.output).not.toMatch(/wrote |force closed/);
      expect(p.files()).toEqual(['0001_base.sql']);
      expect(await rows(p, 'select id, name from venues')).toEqual([{ id: 1, name: 'Main hall' }]);
    });
  }

  it('table: yes writes a table rename (no drop, no create), and after up the row is in the renamed table', async () => {
    const { p, url } = await project('table-yes');
    p.declare(schemaOf([table('places', [int('id', false), text('name', false)])], ['sqlite']));
    const asks = /table venues is gone and table places is new: rename venues to places \(keeps the data\)\? \(Y\/n\)/;
    const t = await onTerminal(p, url, ['rename_places'], [{ wait: asks, send: 'y\r' }]);
    expect(t.answered, t.output).toBe(1);
    expect(t.code, t.output).toBe(0);
    expect(p.files()).toEqual(['0001_base.sql', '0002_rename_places.sql']);
    const m = upAndDown(p, '0002_rename_places.sql');
    expect(m.up).toMatch(/ALTER TABLE "?venues"? RENAME TO "?places"?/i);
    expect(m.up).not.toMatch(/DROP TABLE|CREATE TABLE/i);
    expect(m.down).toMatch(/ALTER TABLE "?places"? RENAME TO "?venues"?/i);

    const conn = await p.open();
    try {
      expect((await up(conn, p.config)).applied.map((s) => s.id)).toEqual(['0002_rename_places']);
    } finally {
      await conn.close();
    }
    expect(await rows(p, 'select id, name from places')).toEqual([{ id: 1, name: 'Main hall' }]);
  });

  it('table: no writes no rename and leaves the old table and its row alone', async () => {
    const { p, url } = await project('table-no');
    p.declare(schemaOf([table('places', [int('id', false), text('name', false)])], ['sqlite']));
    const asks = /table venues is gone and table places is new: rename venues to places/;
    const t = await onTerminal(p, url, ['rename_places'], [{ wait: asks, send: 'n\r' }]);
    expect(t.answered, t.output).toBe(1);
    expect(t.code, t.output).toBe(0);
    expect(t.output).toContain('left out: table venues is gone and table places is new — not confirmed as a rename (--rename-table venues:places); declare the drop and the add in two steps');
    expect(t.output).not.toMatch(/wrote /);
    expect(p.files()).toEqual(['0001_base.sql']);
    expect(await rows(p, 'select id, name from venues')).toEqual([{ id: 1, name: 'Main hall' }]);
  });
});
