import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/*
 * A TypeScript migration runs inside the CLI. One that called process.exit(0), or awaited a promise
 * that never settles (the event loop drained), ended `migrate up` with exit 0 and no output: success
 * to CI with nothing applied. It is now UNFINISHED, exit 1, with a hint.
 */
const dir = mkdtempSync(join(tmpdir(), 'eventdb-unfinished-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

for (const [name, body] of [
  ['process.exit(0)', 'process.exit(0);'],
  ['a promise that never settles', 'await new Promise(() => {});'],
] as const) {
  it(`a TS migration with ${name}: exit 1, UNFINISHED, the migration not recorded`, async () => {
    const mig = join(dir, name.replace(/\W+/g, '_'));
    mkdirSync(mig);
    writeFileSync(join(mig, '0001_a.sql'), '-- eventdb:up\ncreate table a (x integer);\n');
    writeFileSync(join(mig, '0002_b.ts'), `export async function up(db) { ${body} }\n`);
    const file = join(mig, 'm.sqlite');
    const r = await runCli(['--url', `sqlite:${file}`, 'migrate', 'up', '--migrations', mig, '--json'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ ok: false, error: { code: 'UNFINISHED' } });
    expect(r.stderr).toContain('error: the process ended before the command finished');
    const db = new Database(file, { readonly: true });
    try {
      // The migration was loaded before anything was applied (the risk gate reads TS migrations first).
      const history = db.prepare("select count(*) as n from sqlite_master where name = 'eventdb_migrations'").get() as { n: number };
      const ids = history.n ? (db.prepare('select id from eventdb_migrations order by id').all() as Array<{ id: string }>).map((x) => x.id) : [];
      expect(ids).not.toContain('0002_b');
    } finally {
      db.close();
    }
  });
}
