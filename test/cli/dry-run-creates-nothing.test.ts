import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/*
 * `migrate up --dry-run` says "nothing was changed", yet on a SQLite or DuckDB file that did not exist
 * it created the file (an empty 4 KB database) and its lock files: a dry run against a mistyped path
 * left a database behind. Such a database starts empty, so the rehearsal runs on an empty in-memory
 * database of the engine instead: same plan, same verdict, nothing on disk (rollback --dry-run too).
 */
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'eventdb-dry-nothing-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'migrations'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'migrations', name), text);
  return dir;
}
const GOOD = {
  '0001_rooms.sql': '-- eventdb:up\nCREATE TABLE rooms (id integer primary key, name text not null);\nINSERT INTO rooms VALUES (1, \'lobby\');\n',
  '0002_events.sql': '-- eventdb:up\nCREATE TABLE events (id integer primary key, room_id integer not null references rooms (id));\nCREATE INDEX events_room ON events (room_id);\n',
};

describe('migrate up --dry-run on a database file that does not exist', () => {
  for (const [engine, url] of [['sqlite', 'sqlite:./app.sqlite'], ['duckdb', 'duckdb:./app.duckdb']] as const) {
    it(`${engine}: rehearses the whole plan and creates nothing`, async () => {
      const dir = project(GOOD);
      const r = await runCli(['migrate', 'up', '--dry-run', '--url', url, '--json'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      const j = r.json<{ dryRun: boolean; engine: string; plan: Array<{ id: string }>; rehearsal: { ran: boolean; ok: boolean } }>();
      expect(j.engine).toBe(engine);
      expect(j.plan.map((p) => p.id)).toEqual(['0001_rooms', '0002_events']);
      expect(j.rehearsal).toMatchObject({ ran: true, ok: true });
      expect(readdirSync(dir)).toEqual(['migrations']);
    });

    it(`${engine}: a failing plan is reported as the engine's error, and still nothing is created`, async () => {
      const dir = project({ ...GOOD, '0003_bad.sql': '-- eventdb:up\nINSERT INTO rooms VALUES (1, \'again\');\n' });
      const r = await runCli(['migrate', 'up', '--dry-run', '--url', url, '--json'], { cwd: dir });
      expect(r.code).toBe(1);
      const j = r.json<{ ok: boolean; rehearsal: { ok: boolean; error: { id: string; message: string } } }>();
      expect(j.ok).toBe(false);
      expect(j.rehearsal.error.id).toBe('0003_bad');
      expect(j.rehearsal.error.message).toMatch(/UNIQUE|PRIMARY KEY|[Dd]uplicate/);
      expect(readdirSync(dir)).toEqual(['migrations']);
    });

    it(`${engine}: rollback --dry-run has nothing to roll back, and creates nothing`, async () => {
      const dir = project(GOOD);
      const r = await runCli(['rollback', '--dry-run', '--url', url, '--json'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(r.json<{ dryRun: boolean; plan: unknown[] }>()).toMatchObject({ dryRun: true, plan: [] });
      expect(readdirSync(dir)).toEqual(['migrations']);
    });

    it(`${engine}: an existing database is rehearsed as it is (only what is pending)`, async () => {
      const dir = project({ '0001_rooms.sql': GOOD['0001_rooms.sql'] });
      expect((await runCli(['migrate', 'up', '--url', url], { cwd: dir })).code).toBe(0);
      writeFileSync(join(dir, 'migrations', '0002_events.sql'), GOOD['0002_events.sql']);
      const r = await runCli(['migrate', 'up', '--dry-run', '--url', url, '--json'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(r.json<{ plan: Array<{ id: string }> }>().plan.map((p) => p.id)).toEqual(['0002_events']);
      const st = await runCli(['migrate', 'status', '--url', url, '--json'], { cwd: dir });
      expect(st.json<{ applied: number; pending: number }>()).toMatchObject({ applied: 1, pending: 1 });
    });
  }
});
