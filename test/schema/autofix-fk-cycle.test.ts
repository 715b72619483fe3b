import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createPgDatabase } from '../helpers/engines.js';

/*
 * Synapse's read/write locks (delta 79/03): two tables whose foreign keys reference each other, each
 * through the other's unique index. `schema pull` declares them; `auto-fix --apply` on a database
 * without them created each with its foreign key inline, so each CREATE TABLE named a table not yet
 * there ("relation … does not exist"): both failed, every time. PostgreSQL creates a table only with
 * foreign keys to tables that exist; the key to the table made later is added once both exist (NOT VALID,
 * then VALIDATE, as auto-fix adds any key). SQLite takes the forward reference in CREATE TABLE as it is.
 */
const SCHEMA = `import { boolean, bigint, defineSchema, foreignKey, table, text, unique } from 'eventdb';

export default defineSchema({
  tables: [
    table('worker_read_write_locks', {
      columns: [text('lock_name'), text('lock_key'), text('instance_name'), boolean('write_lock'), text('token'), bigint('last_renewed_ts')],
      indexes: [unique('worker_read_write_locks_key', ['lock_name', 'lock_key', 'token'])],
      foreignKeys: [foreignKey(['lock_name', 'lock_key', 'write_lock'], 'worker_read_write_locks_mode', ['lock_name', 'lock_key', 'write_lock'])],
    }),
    table('worker_read_write_locks_mode', {
      columns: [text('lock_name'), text('lock_key'), boolean('write_lock'), text('token')],
      indexes: [unique('worker_read_write_locks_mode_key', ['lock_name', 'lock_key']), unique('worker_read_write_locks_mode_type', ['lock_name', 'lock_key', 'write_lock'])],
      foreignKeys: [foreignKey(['lock_name', 'lock_key', 'token'], 'worker_read_write_locks', ['lock_name', 'lock_key', 'token'])],
    }),
  ],
});
`;
const dirs: string[] = [];
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'eventdb-fk-cycle-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'schema'));
  writeFileSync(join(dir, 'schema', 'index.ts'), SCHEMA);
  return dir;
}

describe('auto-fix creates tables whose foreign keys form a cycle', () => {
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  beforeAll(async () => {
    db = await createPgDatabase('eventdb_fk_cycle');
  });
  afterAll(async () => {
    await db?.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('[postgres] both tables, both keys validated; validate passes after', async () => {
    const dir = project();
    const r = await runCli(['auto-fix', '--apply', '--yes', '--url', db.url, '--json'], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const fks = await c.query<{ t: string; ref: string; valid: boolean }>(
        "SELECT conrelid::regclass::text AS t, confrelid::regclass::text AS ref, convalidated AS valid FROM pg_constraint WHERE contype = 'f' ORDER BY 1",
      );
      expect(fks.rows).toEqual([
        { t: 'worker_read_write_locks', ref: 'worker_read_write_locks_mode', valid: true },
        { t: 'worker_read_write_locks_mode', ref: 'worker_read_write_locks', valid: true },
      ]);
      // the keys hold: a lock row needs its mode row and the other way round (both in one transaction, deferred checks aside)
      await expect(c.query("INSERT INTO worker_read_write_locks_mode VALUES ('a', 'k', true, 't')")).rejects.toThrow(/foreign key/);
    } finally {
      await c.end();
    }
    const v = await runCli(['validate', '--no-drift', '--url', db.url, '--json'], { cwd: dir });
    expect(v.code, v.stdout).toBe(0);
  });

  it('[sqlite] the forward reference is taken in CREATE TABLE', async () => {
    const dir = project();
    const r = await runCli(['auto-fix', '--apply', '--yes', '--url', 'sqlite:./app.sqlite', '--json'], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const s = new Database(join(dir, 'app.sqlite'), { readonly: true });
    try {
      const refs = (t: string) => (s.prepare('SELECT DISTINCT "table" AS ref FROM pragma_foreign_key_list(?)').all(t) as Array<{ ref: string }>).map((x) => x.ref);
      expect(refs('worker_read_write_locks')).toEqual(['worker_read_write_locks_mode']);
      expect(refs('worker_read_write_locks_mode')).toEqual(['worker_read_write_locks']);
    } finally {
      s.close();
    }
    expect(readdirSync(dir).sort()).toContain('app.sqlite');
  });
});
