import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/*
 * A command that fails, or finds nothing to do, leaves the folder as it found it: no database file
 * created by opening it, no lock files beside it. Before: `migrate up` with a malformed migration
 * created the database file and `<file>.eventdb-migrate.lock`; `rollback`, `migrate repair` and
 * `migrate reset` on a file that did not exist created it; `auto-fix` without --apply ("nothing is
 * changed") created it (with --apply it still does: building a database from the declaration); a failed `restore --to new.sqlite` left `new.sqlite.eventdb-restore.lock`, and
 * every run left its lock files beside the database for good.
 */
const dir = mkdtempSync(join(tmpdir(), 'eventdb-leftovers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function folder(name: string, files: Record<string, string>): string {
  const d = join(dir, name);
  mkdirSync(join(d, 'migrations'), { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(d, 'migrations', f), text);
  return d;
}

const GOOD = '-- eventdb:up\nCREATE TABLE x (id integer primary key);\n-- eventdb:down\nDROP TABLE x;\n';
// a header directive, then SQL without the `-- eventdb:up` marker (plain SQL without any directive would run as up)
const MALFORMED = '-- eventdb:depends-on 001_x\nCREATE TABLE y (id integer);\n';

describe.each([
  ['sqlite', 'db.sqlite'],
  ['duckdb', 'db.duckdb'],
])('%s: a database file that does not exist', (engine, file) => {
  const run = (d: string, args: string[]) => runCli([...args, '--url', `${engine}:${join(d, file)}`, '--json'], { cwd: d, env: { EVENTDB_MIGRATIONS_DIR: join(d, 'migrations') } });

  it('migrate up and migrate baseline refuse a malformed migration without creating it', async () => {
    const d = folder(`${engine}-malformed`, { '001_x.sql': GOOD, '002_y.sql': MALFORMED });
    const before = readdirSync(d).sort();
    for (const args of [['migrate', 'up'], ['migrate', 'baseline', '--to', '001_x']]) {
      const r = await run(d, args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.json()).toMatchObject({ ok: false, error: { code: 'BAD_MIGRATION', message: expect.stringContaining('002_y.sql:2: SQL before the `-- eventdb:up` marker') } });
      expect(readdirSync(d).sort()).toEqual(before);
    }
  });

  it('rollback, migrate repair and migrate reset find nothing to do and create nothing', async () => {
    const d = folder(`${engine}-nothing`, { '001_x.sql': GOOD });
    const before = readdirSync(d).sort();
    const rb = await run(d, ['rollback']);
    expect(rb.code).toBe(0);
    expect(rb.json()).toMatchObject({ ok: true, rolledBack: [] });
    const rp = await run(d, ['migrate', 'repair', '--yes']);
    expect(rp.code).toBe(0);
    const rs = await run(d, ['migrate', 'reset', '--yes']);
    expect(rs.code).toBe(0);
    expect(readdirSync(d).sort()).toEqual(before);
  });

  it('auto-fix without --apply plans on an empty database and creates no file; --apply creates it', async () => {
    const d = folder(`${engine}-autofix`, { '001_x.sql': GOOD });
    const before = readdirSync(d).sort();
    const plan = await run(d, ['auto-fix']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.json()).toMatchObject({ ok: true, applied: false });
    expect(readdirSync(d).sort()).toEqual(before);
    const apply = await run(d, ['auto-fix', '--apply', '--yes']);
    expect(apply.code, apply.stderr).toBe(0);
    expect(readdirSync(d).sort()).toEqual([...before, file].sort());
  });

  it('migrate up, rollback and migrate up again leave no lock file beside the database', async () => {
    const d = folder(`${engine}-locks`, { '001_x.sql': GOOD });
    for (const args of [['migrate', 'up'], ['rollback'], ['migrate', 'up'], ['migrate', 'status']]) expect((await run(d, args)).code, args.join(' ')).toBe(0);
    expect(readdirSync(d).filter((f) => f.includes('.eventdb-'))).toEqual([]);
  });
});

it('a failed restore --to a new file leaves nothing beside it; a good one leaves no lock file', async () => {
  const d = folder('restore', { '001_x.sql': GOOD });
  const env = { EVENTDB_MIGRATIONS_DIR: join(d, 'migrations') };
  const src = join(d, 'app.sqlite');
  const store = `file://${join(d, 'store')}`;
  expect((await runCli(['migrate', 'up', '--url', `sqlite:${src}`], { cwd: d, env })).code).toBe(0);
  const before = readdirSync(d).sort();
  const missing = await runCli(['restore', '--latest', '--url', `sqlite:${src}`, '--store', store, '--to', `sqlite:${join(d, 'new.sqlite')}`, '--yes', '--json'], { cwd: d, env });
  expect(missing.code).toBe(1);
  // The store's folder does not exist yet: refused as a missing bucket is (not "no snapshots").
  expect(missing.json()).toMatchObject({ ok: false, error: { code: 'STORE_NOT_FOUND', message: `the store folder ${join(d, 'store')} does not exist` } });
  expect(readdirSync(d).sort()).toEqual(before);

  expect((await runCli(['backup', '--url', `sqlite:${src}`, '--store', store], { cwd: d, env })).code).toBe(0);
  const ok = await runCli(['restore', '--latest', '--url', `sqlite:${src}`, '--store', store, '--to', `sqlite:${join(d, 'new.sqlite')}`, '--yes'], { cwd: d, env });
  expect(ok.code).toBe(0);
  expect(readdirSync(d).sort()).toEqual([...before, 'new.sqlite', 'store'].sort());
  const restored = new Database(join(d, 'new.sqlite'), { readonly: true });
  expect(restored.prepare("select count(*) as n from sqlite_schema where name = 'x'").get()).toEqual({ n: 1 });
  restored.close();
});
