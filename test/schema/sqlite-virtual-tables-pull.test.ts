/**
 * SQLite full-text search (Synapse's `event_search USING fts4`): a virtual table, and the shadow tables
 * its module keeps its index in (`event_search_content`, `_segments`, `_segdir`, `_docsize`, `_stat`).
 * SQLite itself says which is which (`pragma table_list`: type `virtual`, `shadow`). `schema pull` wrote
 * the virtual table as a plain table of blob columns and each shadow table as a table of its own, so
 * `auto-fix --apply` from the pulled declaration made ordinary tables under those names, and the
 * migration's own `CREATE VIRTUAL TABLE` then failed on them. Shadow tables are the module's storage,
 * not the schema; a virtual table cannot be declared with the authoring API: pull leaves both out and
 * says which virtual tables it left.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const VIRTUAL = ['CREATE VIRTUAL TABLE docs_fts USING fts4 (title, body)', 'CREATE VIRTUAL TABLE notes_fts USING fts5 (body)'];
let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'eventdb-vtab-pull-'));
  const db = new Database(join(dir, 'live.sqlite'));
  db.exec(`CREATE TABLE docs (id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n${VIRTUAL.join(';\n')};\nINSERT INTO docs VALUES (1, 'a');\nINSERT INTO docs_fts (title, body) VALUES ('a', 'hello world');\nINSERT INTO notes_fts (body) VALUES ('goodbye');`);
  db.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('schema pull on SQLite with full-text search tables', () => {
  it('SQLite says which tables are virtual and which are their shadow tables', () => {
    const db = new Database(join(dir, 'live.sqlite'), { readonly: true });
    const kinds = db.prepare("select name, type from pragma_table_list where schema = 'main' and name not like 'sqlite_%' order by name").all() as Array<{ name: string; type: string }>;
    db.close();
    expect(kinds.filter((k) => k.type === 'virtual').map((k) => k.name)).toEqual(['docs_fts', 'notes_fts']);
    expect(kinds.filter((k) => k.type === 'shadow').length).toBeGreaterThanOrEqual(8);
    expect(kinds.filter((k) => k.type === 'table').map((k) => k.name)).toEqual(['docs']);
  });

  it('declares the plain tables only, names the virtual tables it left out, and auto-fix from it lets the CREATE VIRTUAL TABLE run', async () => {
    const r = await runCli(['schema', 'pull', '--url', 'sqlite:./live.sqlite', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const j = r.json<{ tables: number; virtualTables?: Array<{ name: string; module: string }> }>();
    expect(j.tables).toBe(1);
    expect(j.virtualTables).toEqual([{ name: 'docs_fts', module: 'fts4' }, { name: 'notes_fts', module: 'fts5' }]);
    const text = readFileSync(join(dir, 'schema', 'index.ts'), 'utf8');
    expect(text).toContain("table('docs'");
    expect(text).not.toMatch(/docs_fts|notes_fts/);
    const human = await runCli(['schema', 'pull', '--url', 'sqlite:./live.sqlite', '--force'], { cwd: dir });
    expect(human.stdout).toContain('2 virtual tables not pulled (docs_fts: fts4, notes_fts: fts5)');

    // a fresh database made from the declaration, then the virtual tables as their migration makes them
    const fix = await runCli(['auto-fix', '--apply', '--url', 'sqlite:./fresh.sqlite', '--yes', '--json'], { cwd: dir });
    expect(fix.code, fix.stderr).toBe(0);
    const fresh = new Database(join(dir, 'fresh.sqlite'));
    try {
      for (const v of VIRTUAL) fresh.exec(v);
      fresh.exec("INSERT INTO docs_fts (title, body) VALUES ('t', 'full text')");
      expect(fresh.prepare("select count(*) as n from docs_fts where docs_fts match 'text'").get()).toEqual({ n: 1 });
    } finally {
      fresh.close();
    }
  });

  it('types from the database: the virtual tables (queryable), never their shadow tables', async () => {
    const r = await runCli(['types', '--from', 'database', '--url', 'sqlite:./live.sqlite', '--out', 'db.ts'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(join(dir, 'db.ts'), 'utf8');
    expect(text).toMatch(/\bdocs_fts\b/);
    expect(text).not.toMatch(/docs_fts_(content|segments|segdir|docsize|stat)|notes_fts_(data|idx|content|docsize|config)/);
  });

  it('migrate diff --check: the pulled declaration and migrations that make the virtual tables agree (no drop proposed)', async () => {
    await runCli(['schema', 'pull', '--url', 'sqlite:./live.sqlite', '--force'], { cwd: dir });
    mkdirSync(join(dir, 'migrations'), { recursive: true });
    writeFileSync(join(dir, 'migrations', '0001_docs.sql'), `-- eventdb:up\nCREATE TABLE docs (id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n${VIRTUAL.join(';\n')};\n`);
    const r = await runCli(['migrate', 'diff', 'next', '--check', '--url', 'sqlite:./live.sqlite'], { cwd: dir });
    expect(r.stdout + r.stderr).not.toContain('drop table');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    rmSync(join(dir, 'migrations'), { recursive: true, force: true });
  });

  it('validate of the live database against the pulled declaration: nothing fails', async () => {
    await runCli(['schema', 'pull', '--url', 'sqlite:./live.sqlite', '--force'], { cwd: dir });
    const r = await runCli(['validate', '--url', 'sqlite:./live.sqlite', '--no-drift', '--json'], { cwd: dir });
    expect(r.code, r.stdout).toBe(0);
  });
});
