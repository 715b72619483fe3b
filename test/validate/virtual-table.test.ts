/**
 * A SQLite database with virtual tables of modules eventdb's SQLite lacks (issue 19, item 12):
 * `zipfile` (the sqlite3 shell has it, better-sqlite3 does not) and `vec0` (sqlite-vec). Every read
 * of such a table fails with `no such module`. backup copies the pages all the same and says which
 * tables it could not count; restore brings them back; validate checks the rest and says what it skipped.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/**
 * A database whose schema names modules this build lacks, as a database made with an extension-enabled
 * sqlite3 has. better-sqlite3 refuses writable_schema (defensive mode), so the tables are made with a
 * module it has (dbstat) and the module name is rewritten in the file to one of the same length.
 */
function databaseWithForeignModules(path: string): void {
  const db = new Database(path);
  db.exec("create table items (id integer primary key, name text not null); insert into items (name) values ('a'), ('b'), ('c');");
  db.exec('create virtual table archive using dbstat(main); create virtual table embeddings using dbstat(temp)');
  db.close();
  let bytes = readFileSync(path);
  const renames: Array<[string, string]> = [['archive using dbstat(main)', "archive using zipfile('z')"], ['embeddings using dbstat(temp)', 'embeddings using vec0(x int8)']];
  for (const [from, to] of renames) {
    const at = bytes.indexOf(from);
    expect(at, from).toBeGreaterThan(0);
    expect(to.length).toBe(from.length);
    bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(to), bytes.subarray(at + from.length)]);
  }
  writeFileSync(path, bytes);
  const check = new Database(path, { readonly: true });
  expect(() => check.prepare('select count(*) from archive').get()).toThrow(/no such module: zipfile/);
  expect(() => check.prepare('select count(*) from embeddings').get()).toThrow(/no such module: vec0/);
  check.close();
}

describe('SQLite virtual tables of modules eventdb lacks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eventdb-vtab-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = { EVENTDB_SCHEMA_DIR: join(dir, 'no-schema'), EVENTDB_MIGRATIONS_DIR: join(dir, 'no-migrations') };

  it('backup copies them, counts the rest and says which it skipped; restore brings them back; validate warns and checks the rest', async () => {
    const url = `sqlite:${join(dir, 'app.sqlite')}`;
    databaseWithForeignModules(join(dir, 'app.sqlite'));

    const b = await runCli(['backup', '--json', '--url', url], { cwd: dir, env });
    expect(b.code, b.stderr).toBe(0);
    const backup = b.json().backup;
    expect(backup.tables).toEqual({ items: 3 });
    expect(backup.notes.join('\n')).toMatch(/virtual table archive copied but not counted: no such module: zipfile/);
    expect(backup.notes.join('\n')).toMatch(/virtual table embeddings copied but not counted: no such module: vec0/);

    const to = join(dir, 'restored.sqlite');
    const r = await runCli(['restore', backup.id, '--to', `sqlite:${to}`, '--json', '--url', url], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    const restored = new Database(to, { readonly: true });
    try {
      const names = (restored.prepare("select name from sqlite_schema where type = 'table' order by name").all() as Array<{ name: string }>).map((x) => x.name);
      expect(names).toEqual(['archive', 'embeddings', 'items']);
      expect(restored.prepare('select count(*) as n from items').get()).toEqual({ n: 3 });
    } finally {
      restored.close();
    }

    const v = await runCli(['validate', '--json', '--url', url], { cwd: dir, env });
    expect(v.code, v.stderr).toBe(0);
    const warnings = v.json().findings.filter((f: { level: string }) => f.level === 'warning');
    expect(warnings.map((f: { kind: string; object: string }) => `${f.kind}:${f.object}`)).toEqual(['unreadable-table:table archive', 'unreadable-table:table embeddings']);
    expect(warnings[0].message).toMatch(/no such module: zipfile/);
  });
});
