import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { pgOneTripQuery } from '../../src/dialects/postgres/fast-apply.js';
import type { Connection, FastApplyRequest, MigrationSuccess } from '../../src/dialects/types.js';
import { openDatabase } from '../../src/index.js';
import { migrateUp } from '../../src/migrations/index.js';
import { describeEngines } from '../helpers/engines.js';
import { fail, historyIds, sqlMig, userTables, writeMigrations } from './helpers.js';

/**
 * Issue 18: every commit of `migrate up` but the last may return before the disk has it (PostgreSQL:
 * `SET LOCAL synchronous_commit = off`), because the run ends on a commit that waits — the last step's,
 * or the logged attempt of a failure — and WAL is flushed in order.
 */

const open: Connection[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

/** The real connection, with the flushLater of each fast-path request noted (the request still runs). */
function noteFlushLater(conn: Connection): Array<boolean | undefined> {
  const seen: Array<boolean | undefined> = [];
  const real = conn.applyMigrationFast?.bind(conn);
  if (real) {
    conn.applyMigrationFast = (req: FastApplyRequest) => {
      seen.push(req.flushLater);
      return real(req);
    };
  }
  return seen;
}

describeEngines('migrate up: only the last commit waits for the disk', (fx) => {
  it('three migrations: the first two commit without waiting, the last waits; all applied and recorded', async () => {
    const dir = writeMigrations(fx.dir(), {
      '0001_a.sql': sqlMig('create table a (id integer primary key);'),
      '0002_b.sql': sqlMig('create table b (id integer primary key);'),
      '0003_c.sql': sqlMig('create table c (id integer primary key);'),
    });
    const config = { ...(await fx.config()), migrationsDir: dir };
    const conn = await openDatabase(config);
    open.push(conn);
    const seen = noteFlushLater(conn);
    const r = await migrateUp(conn, config);
    expect(r.applied.map((s) => s.id)).toEqual(['0001_a', '0002_b', '0003_c']);
    // Every engine with a fast path is told which commits a later one covers.
    if (conn.applyMigrationFast) expect(seen).toEqual([true, true, false]);
    expect(await historyIds(conn.db)).toEqual(['0001_a', '0002_b', '0003_c']);
    expect(await userTables(conn.db, fx.engine)).toEqual(['a', 'b', 'c']);
    if (fx.engine === 'postgres') {
      // Transaction-scoped: the sessions keep the server's setting.
      const s = await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(conn.db);
      expect(s.rows[0]!.synchronous_commit).toBe('on');
    }
  });

  it('--step 2: the second (the run\'s last) waits; a last step outside a transaction commits the ordinary way', async () => {
    const dir = writeMigrations(fx.dir(), {
      '0001_a.sql': sqlMig('create table a (id integer primary key);'),
      '0002_b.sql': sqlMig('create table b (id integer primary key);'),
      '0003_c.sql': sqlMig('create table c (id integer primary key);', undefined, '-- eventdb:no-transaction\n'),
    });
    const config = { ...(await fx.config()), migrationsDir: dir };
    const conn = await openDatabase(config);
    open.push(conn);
    const seen = noteFlushLater(conn);
    await migrateUp(conn, config, { step: 2 });
    if (conn.applyMigrationFast) expect(seen).toEqual([true, false]);
    expect(await historyIds(conn.db)).toEqual(['0001_a', '0002_b']);
    seen.length = 0;
    // 0003 alone: no fast path for a no-transaction file, so nothing is deferred.
    await migrateUp(conn, config);
    expect(seen).toEqual([]);
    expect(await historyIds(conn.db)).toEqual(['0001_a', '0002_b', '0003_c']);
  });

  it('a failure after deferred commits: those before it stay applied, the failure is logged, nothing after it runs', async () => {
    const dir = writeMigrations(fx.dir(), {
      '0001_a.sql': sqlMig('create table a (id integer primary key);'),
      '0002_b.sql': sqlMig('create table b (id integer primary key);'),
      '0003_bad.sql': sqlMig('create table c (id integer primary key);\ninsert into nowhere values (1);'),
      '0004_d.sql': sqlMig('create table d (id integer primary key);'),
    });
    const config = { ...(await fx.config()), migrationsDir: dir };
    const conn = await openDatabase(config);
    open.push(conn);
    const seen = noteFlushLater(conn);
    const e = await fail(migrateUp(conn, config));
    expect(e.code).toBe('MIGRATION_FAILED');
    expect(e.message).toMatch(/0003_bad failed/);
    expect(e.message).toMatch(/nowhere/);
    if (conn.applyMigrationFast) expect(seen).toEqual([true, true, true]);
    expect(await historyIds(conn.db)).toEqual(['0001_a', '0002_b']);
    expect(await userTables(conn.db, fx.engine)).toEqual(['a', 'b']);
    const log = await conn.db.selectFrom('eventdb_migration_log').select(['id', 'outcome']).orderBy('started_at').orderBy('id').execute();
    expect(log.filter((l) => l.outcome === 'failed').map((l) => l.id)).toEqual(['0003_bad']);
  });
});

describe('the PostgreSQL one-trip query', () => {
  const success: MigrationSuccess = {
    historyTable: 'eventdb_migrations',
    logTable: 'eventdb_migration_log',
    schema: 'public',
    id: '0001_a',
    checksum: 'abc',
    startedAt: '2026-01-01T00:00:00.000Z',
    appliedBy: 'me',
    version: '0.1.0',
    batch: 1,
    file: '0001_a.sql',
    kind: 'sql',
    attemptId: 'x',
  };
  const req = { text: 'create table a (id int)', reset: ['reset all', 'reset role'], success };

  it('with flushLater: synchronous_commit off for this transaction, after the reset (which would undo it), before the history rows', () => {
    const q = pgOneTripQuery({ ...req, flushLater: true });
    const at = (s: string) => q.indexOf(s);
    expect(q.startsWith('begin;\ncreate table a (id int)\n;\n')).toBe(true);
    expect(at('set local synchronous_commit = off;')).toBeGreaterThan(at('reset role;'));
    expect(at('set local synchronous_commit = off;')).toBeLessThan(at('insert into "public"."eventdb_migrations"'));
    expect(q.endsWith(';\ncommit')).toBe(true);
  });

  it('without it (the run\'s last commit): no synchronous_commit statement, the server\'s setting applies', () => {
    expect(pgOneTripQuery(req)).not.toMatch(/synchronous_commit/);
    expect(pgOneTripQuery({ ...req, flushLater: false })).not.toMatch(/synchronous_commit/);
  });
});
