import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/*
 * SQLite's table rebuild done rename-first (ALTER TABLE t RENAME TO t_old; CREATE TABLE t …; INSERT …
 * SELECT … FROM t_old; DROP TABLE t_old): since SQLite 3.26, with legacy_alter_table off (as eventdb runs
 * it), the rename rewrites the foreign keys of other tables to point at t_old, which the DROP leaves
 * dangling. The rewrite-sqlite-rebuild advice says so, and names the two ways out; the claims are checked
 * on real SQLite through `migrate up`.
 */
const INIT = `-- eventdb:up
CREATE TABLE venues (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE events (id INTEGER PRIMARY KEY, venue_id INTEGER REFERENCES venues (id));
CREATE INDEX events_venue_idx ON events (venue_id);
`;
const RENAME_FIRST = `ALTER TABLE venues RENAME TO venues_old;
CREATE TABLE venues (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');
INSERT INTO venues (id, name) SELECT id, coalesce(name, '') FROM venues_old;
DROP TABLE venues_old;
`;
const REBUILDS = {
  'rename-first': `-- eventdb:up\n${RENAME_FIRST}`,
  'rename-first with legacy_alter_table': `-- eventdb:up\nPRAGMA legacy_alter_table = ON;\n${RENAME_FIRST}`,
  'documented order': `-- eventdb:up
CREATE TABLE venues_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');
INSERT INTO venues_new (id, name) SELECT id, coalesce(name, '') FROM venues;
DROP TABLE venues;
ALTER TABLE venues_new RENAME TO venues;
`,
} as const;

let root = '';
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'eventdb-rename-first-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function project(name: keyof typeof REBUILDS): string {
  const dir = join(root, name.replace(/\W+/g, '-'));
  mkdirSync(join(dir, 'migrations'), { recursive: true });
  writeFileSync(join(dir, 'migrations', '0001_init.sql'), INIT);
  writeFileSync(join(dir, 'migrations', '0002_rebuild.sql'), REBUILDS[name]);
  return dir;
}

async function rebuildAdvice(dir: string): Promise<string> {
  const r = await runCli(['migrate', 'lint', '--engine', 'sqlite', '--json'], { cwd: dir });
  const found = r.json<{ findings: Array<{ rule: string; advice: string }> }>().findings.filter((f) => f.rule === 'rewrite-sqlite-rebuild');
  expect(found).toHaveLength(1);
  return found[0]!.advice;
}

/** Applies the history with eventdb, then: where events' foreign key points, and whether a write to events works. */
async function applied(dir: string): Promise<{ fk: string; insert: string }> {
  const r = await runCli(['migrate', 'up', '--url', 'sqlite:./app.sqlite', '--json'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  const db = new Database(join(dir, 'app.sqlite'));
  try {
    db.pragma('foreign_keys = ON');
    const fk = (db.pragma('foreign_key_list(events)') as Array<{ table: string }>).map((x) => x.table).join(',');
    let insert = 'ok';
    try {
      db.exec("INSERT INTO venues (id, name) VALUES (1, 'Hall'); INSERT INTO events (id, venue_id) VALUES (1, 1);");
    } catch (e) {
      insert = (e as Error).message;
    }
    return { fk, insert };
  } finally {
    db.close();
  }
}

describe('SQLite rename-first table rebuild', () => {
  it('the advice names PRAGMA legacy_alter_table and the documented order; on SQLite the foreign key is left pointing at the dropped copy', async () => {
    const dir = project('rename-first');
    const advice = await rebuildAdvice(dir);
    expect(advice).toContain('renaming "venues" to "venues_old" first makes SQLite (3.26+, with legacy_alter_table off, as eventdb runs it) point other tables\' foreign keys at "venues_old"');
    expect(advice).toContain('`PRAGMA legacy_alter_table = ON` before the rename');
    expect(advice).toContain('create the new table under another name, copy, drop the old one, then rename the new one to "venues" (SQLite\'s documented order)');
    expect(await applied(dir)).toEqual({ fk: 'venues_old', insert: 'no such table: main.venues_old' });
  });

  for (const name of ['rename-first with legacy_alter_table', 'documented order'] as const) {
    it(`${name}: no such advice, and the foreign key still points at "venues"`, async () => {
      const dir = project(name);
      const advice = await rebuildAdvice(dir);
      expect(advice).not.toContain('legacy_alter_table');
      expect(advice).toContain('PRAGMA foreign_key_check');
      expect(await applied(dir)).toEqual({ fk: 'venues', insert: 'ok' });
    });
  }
});
