import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAbsentTable } from '../../src/dialects/absent-table.js';
import { runCli } from '../helpers/cli.js';
import { createPgDatabase } from '../helpers/engines.js';

/*
 * Only "no such table" means no history. Before, any failure of the history read (no SELECT privilege)
 * was taken for an empty history, and `migrate up` planned every migration again.
 */

describe('isAbsentTable: each engine\'s own "no such table"', () => {
  it('is true for a missing table on SQLite, DuckDB and PostgreSQL, false for a privilege error', async () => {
    const lite = new Database(':memory:');
    expect(() => lite.prepare('select * from eventdb_migrations').all()).toThrow();
    try {
      lite.prepare('select * from eventdb_migrations').all();
    } catch (e) {
      expect(isAbsentTable(e)).toBe(true);
    }
    lite.close();
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    for (const q of ['select * from eventdb_migrations', 'select * from nowhere.eventdb_migrations']) {
      const err = await duck.run(q).then(() => undefined, (e: unknown) => e);
      expect(err, q).toBeDefined();
      expect(isAbsentTable(err), q).toBe(true);
    }
    duck.closeSync();
    expect(isAbsentTable(new Error('permission denied for table eventdb_migrations'))).toBe(false);
    expect(isAbsentTable(Object.assign(new Error('permission denied for table eventdb_migrations'), { code: '42501' }))).toBe(false);
    expect(isAbsentTable(new Error('database is locked'))).toBe(false);
  });
});

describe('migrate up and status as a user who cannot read the history (PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  const role = `eventdb_nohist_${process.pid}`;
  const work = mkdtempSync(join(tmpdir(), 'eventdb-hist-'));
  const migrations = join(work, 'migrations');
  const admin = async (url: string, q: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return await c.query(q);
    } finally {
      await c.end();
    }
  };
  const asRole = () => {
    const u = new URL(db.url);
    u.username = role;
    return u.toString();
  };

  beforeAll(async () => {
    db = await createPgDatabase('eventdb_hist');
    mkdirSync(migrations);
    writeFileSync(join(migrations, '0001_things.sql'), '-- eventdb:up\ncreate table things (id int primary key);\n-- eventdb:down\ndrop table things;\n');
    const r = await runCli(['migrate', 'up', '--url', db.url, '--migrations', migrations]);
    expect(r.code, r.stderr).toBe(0);
    writeFileSync(join(migrations, '0002_more.sql'), '-- eventdb:up\ncreate table more_things (id int primary key);\n-- eventdb:down\ndrop table more_things;\n');
    await admin(db.url, `create role "${role}" login; grant all on schema public to "${role}"`);
  });
  afterAll(async () => {
    await db.drop();
    await admin(db.url.replace(/\/[^/]*$/, '/postgres'), `drop role if exists "${role}"`);
  });

  it('exits 1 with HISTORY_UNREADABLE and a hint; nothing applied, history unchanged', async () => {
    for (const args of [['migrate', 'up'], ['migrate', 'status']]) {
      const r = await runCli([...args, '--json', '--url', asRole(), '--migrations', migrations]);
      expect(r.code, args.join(' ')).toBe(1);
      const out = r.json();
      expect(out.error.code).toBe('HISTORY_UNREADABLE');
      expect(out.error.message).toMatch(/^cannot read the migration history \(eventdb_migrations\): permission denied for table eventdb_migrations/);
      expect(out.error.hint).toContain('give this user SELECT');
      const text = await runCli([...args, '--url', asRole(), '--migrations', migrations]);
      expect(text.stderr).toMatch(/^error: cannot read the migration history/m);
      expect(text.stderr).not.toContain('    at ');
    }
    const history = await admin(db.url, 'select id from eventdb_migrations order by id');
    expect(history.rows.map((r) => r.id)).toEqual(['0001_things']);
    const tables = await admin(db.url, "select tablename from pg_tables where schemaname = 'public' order by 1");
    expect(tables.rows.map((r) => r.tablename)).toEqual(['eventdb_migration_log', 'eventdb_migrations', 'things']);
  });
});
