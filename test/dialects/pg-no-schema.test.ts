import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createPgDatabase } from '../helpers/engines.js';

/**
 * A URL whose search_path names a schema that does not exist yet (supabase/auth's history creates
 * `auth` in its first migration): PostgreSQL refused eventdb's history table with "no schema has been
 * selected to create in", which came out as an INTERNAL error ("report it"). Now what creates eventdb's tables is
 * refused with a CONFIG error that says what to do (reading commands still work); following it, the history applies there.
 */
let db: Awaited<ReturnType<typeof createPgDatabase>> | undefined;
const dir = mkdtempSync(join(tmpdir(), 'eventdb-noschema-'));
beforeAll(async () => {
  db = await createPgDatabase();
});
afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

it('a search_path naming no existing schema: exit 2 with a CONFIG error and a hint, nothing created; with the schema made, migrate up applies into it', async () => {
  const migrations = join(dir, 'migrations');
  mkdirSync(migrations);
  writeFileSync(join(migrations, '0001_users.sql'), '-- eventdb:up\ncreate table users (id int primary key);\n-- eventdb:down\ndrop table users;\n');
  const url = `${db!.url}${db!.url.includes('?') ? '&' : '?'}options=-c%20search_path%3Dauth`;
  const env = { EVENTDB_MIGRATIONS_DIR: migrations };
  const r = await runCli(['--url', url, 'migrate', 'up', '--json'], { env, cwd: dir });
  expect(r.code).toBe(2);
  const e = r.json<{ error: { code: string; message: string; hint: string } }>().error;
  expect(e.code).toBe('CONFIG');
  expect(e.message).toBe(`the connection has no schema to create eventdb's tables in: its search_path (auth) names no schema of database "${db!.name}" that exists and this role may use`);
  expect(e.hint).toBe('create the schema first (e.g. CREATE SCHEMA auth) and grant this role USAGE and CREATE on it, or take search_path out of the URL until a migration has created it');
  // The dry run says the same; a reading command is not refused.
  const dry = await runCli(['--url', url, 'migrate', 'up', '--dry-run', '--json'], { env, cwd: dir });
  expect(dry.code).toBe(2);
  expect(dry.json<{ error: { code: string } }>().error.code).toBe('CONFIG');
  const status = await runCli(['--url', url, 'migrate', 'status'], { env, cwd: dir });
  expect(status.code, status.stderr).toBe(0);
  expect(status.stdout).toContain('0001_users');
  const c = new pg.Client({ connectionString: db!.url });
  await c.connect();
  try {
    const tables = await c.query("select table_schema || '.' || table_name as t from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema')");
    expect(tables.rows).toEqual([]);
    await c.query('create schema auth');
    const ok = await runCli(['--url', url, 'migrate', 'up'], { env, cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    const after = await c.query("select table_schema || '.' || table_name as t from information_schema.tables where table_schema = 'auth' order by 1");
    expect(after.rows.map((x) => x.t)).toEqual(['auth.eventdb_migration_log', 'auth.eventdb_migrations', 'auth.users']);
  } finally {
    await c.end();
  }
});
