import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { Connection } from '../../src/dialects/types.js';
import { migrateUp, openDatabase } from '../../src/index.js';
import { runCli } from '../helpers/cli.js';
import { describeEngines } from '../helpers/engines.js';
import { fail, historyIds, userTables, writeMigrations } from './helpers.js';

/*
 * A TypeScript migration whose up() awaits a promise that never settles: on a PostgreSQL server the open
 * connection kept the process alive and `migrate up` waited forever; on SQLite, DuckDB and PGlite the
 * process ended (UNFINISHED). With migrationTimeout (EVENTDB_MIGRATION_TIMEOUT, config `migrationTimeout`)
 * every engine stops it the same way: MIGRATION_TIMEOUT (exit 1), its transaction rolled back, a clear
 * hint — and the migration can send no query after its time is up.
 */
const OK = '-- eventdb:up\ncreate table t (id integer primary key);\n-- eventdb:down\ndrop table t;\n';
/** Creates a table, then awaits a promise that never settles. */
const HANGS = `export async function up(db: any): Promise<void> {
  await db.schema.createTable('hung').addColumn('id', 'integer').execute();
  await new Promise(() => {});
}
`;
/** Passes its rehearsal (first call in the process); in the real run creates a table, then never settles — and tries one more table later. */
const HANGS_FOR_REAL = `const g = globalThis as any;
export async function up(db: any): Promise<void> {
  g.eventdbCalls = (g.eventdbCalls ?? 0) + 1;
  await db.schema.createTable('late_t').addColumn('id', 'integer').execute();
  if (g.eventdbCalls < 2) return;
  setTimeout(() => void db.schema.createTable('after_timeout').addColumn('id', 'integer').execute().catch(() => undefined), 1500);
  await new Promise(() => {});
}
`;
/** No transaction: one table, then work past the time limit, then another table. */
const SLOW_NO_TXN = `export const meta = { transaction: false };
export async function up(db: any): Promise<void> {
  await db.schema.createTable('before_t').addColumn('id', 'integer').execute();
  await new Promise((r) => setTimeout(r, 700));
  await db.schema.createTable('after_t').addColumn('id', 'integer').execute();
}
`;

const open: Connection[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

describeEngines('migrationTimeout: a TypeScript migration that never settles', (fx) => {
  const project = (files: Record<string, string>) => writeMigrations(fx.dir(), files);
  const up = (dir: string, env: Record<string, string>) => runCli(['migrate', 'up', '--url', fx.url(), '--json'], { cwd: dir, env: { EVENTDB_MIGRATIONS_DIR: dir, ...env } });
  /** What the database holds: read by `migrate status`, then in this process (DuckDB admits one process at a time). */
  async function state(dir: string): Promise<{ tables: string[]; history: string[]; failed: number }> {
    const status = await runCli(['migrate', 'status', '--url', fx.url(), '--json'], { cwd: dir, env: { EVENTDB_MIGRATIONS_DIR: dir } });
    const conn = await openDatabase({ ...(await fx.config()), migrationsDir: dir });
    try {
      return { tables: await userTables(conn.db, fx.engine), history: await historyIds(conn.db), failed: status.json().failedAttempts.length };
    } finally {
      await conn.close();
    }
  }

  it('EVENTDB_MIGRATION_TIMEOUT=1s: stopped in the rehearsal — MIGRATION_TIMEOUT, exit 1, in seconds; nothing applied', async () => {
    const dir = project({ '0001_ok.sql': OK, '0002_hang.ts': HANGS });
    const t0 = Date.now();
    const r = await up(dir, { EVENTDB_MIGRATION_TIMEOUT: '1s' });
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(r.code, r.stderr).toBe(1);
    const { error } = r.json();
    expect(error.code).toBe('MIGRATION_TIMEOUT');
    expect(error.message).toMatch(/^migration 0002_hang stopped in the rehearsal \(.*0002_hang\.ts\): its up\(\) did not finish within 1\.0 s \(migrationTimeout\)$/);
    expect(error.hint).toMatch(/never settles.*raise migrationTimeout \(EVENTDB_MIGRATION_TIMEOUT\).*nothing was applied/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(await state(dir)).toEqual({ tables: [], history: [], failed: 0 });
  });

  it('config file `migrationTimeout` in the real run: the step rolled back, its attempt logged, no query after the time is up', async () => {
    const dir = project({ '0001_ok.sql': OK, '0002_late.ts': HANGS_FOR_REAL });
    writeFileSync(join(dir, 'eventdb.config.json'), JSON.stringify({ migrationTimeout: 1 }));
    const r = await up(dir, {});
    expect(r.code, r.stderr).toBe(1);
    const { error } = r.json();
    expect(error.code).toBe('MIGRATION_TIMEOUT');
    expect(error.message).toMatch(/^migration 0002_late stopped \(.*0002_late\.ts\): its up\(\) did not finish within 1\.0 s \(migrationTimeout\)/);
    expect(error.hint).toMatch(/its transaction was rolled back; the 1 before it stay applied; the attempt is in eventdb_migration_log/);
    await new Promise((r2) => setTimeout(r2, 1000)); // past the moment the migration would have sent its last query
    expect(await state(dir)).toEqual({ tables: ['t'], history: ['0001_ok'], failed: 1 });
  });

  it('library: a no-transaction migration keeps what it did before its time was up, and can send nothing after', async () => {
    const dir = project({ '0001_slow.ts': SLOW_NO_TXN });
    const config = { ...(await fx.config()), migrationsDir: dir, migrationTimeoutMs: 300 };
    const conn = await openDatabase(config);
    open.push(conn);
    const e = await fail(migrateUp(conn, config));
    expect(e.code).toBe('MIGRATION_TIMEOUT');
    expect(e.exitCode).toBe(1);
    expect(e.message).toMatch(/^migration 0001_slow stopped .*: its up\(\) did not finish within 300 ms \(migrationTimeout\)/);
    expect(e.hint).toContain('it ran without a transaction, so statements before the failing one took effect');
    await new Promise((r) => setTimeout(r, 900)); // the migration's own timer has fired: its next query was refused
    expect(await userTables(conn.db, fx.engine)).toEqual(['before_t']);
    expect(await historyIds(conn.db)).toEqual([]);
  });

  it('a value that is not a duration is a usage error (CONFIG, exit 2)', async () => {
    const dir = project({ '0001_ok.sql': OK });
    const r = await up(dir, { EVENTDB_MIGRATION_TIMEOUT: 'soon' });
    expect(r.code).toBe(2);
    expect(r.json().error).toMatchObject({ code: 'CONFIG', message: 'invalid duration "soon" for env:EVENTDB_MIGRATION_TIMEOUT' });
  });
}, ['sqlite', 'postgres', 'duckdb']);
