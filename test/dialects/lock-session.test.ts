import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import { resolveConfig } from '../../src/config/index.js';
import { EventdbError } from '../../src/errors.js';
import { createPgDatabase } from '../helpers/engines.js';

/*
 * ConnectOptions.lockSession (#18): a PostgreSQL server opens the lock's own session beside the first
 * one, so that migrate's lock is not one more connection's round trips later. That session is the one
 * the first withLock uses, and it never outlives the connection.
 */
let db: Awaited<ReturnType<typeof createPgDatabase>>;
let watcher: pg.Client;
const lockApp = `eventdb lock pid=${process.pid} %`;

beforeAll(async () => {
  db = await createPgDatabase('eventdb_lock_session');
  watcher = new pg.Client({ connectionString: db.url });
  await watcher.connect();
});
afterAll(async () => {
  await watcher?.end();
  await db?.drop();
});

/** Sessions of this process named as a lock's, and their backend pids. */
async function lockSessions(): Promise<number[]> {
  const r = await watcher.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and application_name like $2 order by pid', [db.name, lockApp]);
  return r.rows.map((x) => x.pid);
}

async function eventually<T>(f: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  let v = await f();
  for (let i = 0; i < 100 && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 20));
    v = await f();
  }
  return v;
}

const config = (url: string) => resolveConfig({ flags: { url }, env: {}, cwd: process.cwd() });

describe('postgres: the lock session opened early (lockSession)', () => {
  it('is open before the lock is asked for, is the session that takes it, and ends with it', async () => {
    const conn = await openDatabase(await config(db.url), { lockSession: true });
    try {
      const early = await eventually(lockSessions, (p) => p.length === 1);
      expect(early).toHaveLength(1);
      const inside = await conn.withLock('migrate', { timeoutMs: 2000 }, async () => {
        const status = await conn.lockStatus('migrate');
        return { status, sessions: await lockSessions() };
      });
      expect(inside.status.held).toBe(true);
      expect(inside.status.holder?.pid).toBe(early[0]);
      expect(inside.sessions).toEqual(early); // no second lock session
      expect(await eventually(lockSessions, (p) => p.length === 0)).toEqual([]);
      // A second lock of the same connection opens a session of its own, as without lockSession.
      expect(await conn.withLock('migrate', { timeoutMs: 2000 }, async () => (await lockSessions()).length)).toBe(1);
      expect((await conn.lockStatus('migrate')).held).toBe(false);
    } finally {
      await conn.close();
    }
  });

  it('is ended by close() when no lock was taken', async () => {
    const conn = await openDatabase(await config(db.url), { lockSession: true });
    expect(await eventually(lockSessions, (p) => p.length === 1)).toHaveLength(1);
    await conn.close();
    expect(await eventually(lockSessions, (p) => p.length === 0)).toEqual([]);
  });

  it('is not opened without lockSession', async () => {
    const conn = await openDatabase(await config(db.url));
    try {
      await new Promise((r) => setTimeout(r, 100));
      expect(await lockSessions()).toEqual([]);
    } finally {
      await conn.close();
    }
  });

  it('a database that does not exist: DB_NOT_FOUND once, nothing left open', async () => {
    const missing = db.url.replace(/\/[^/?]+(\?|$)/, `/${db.name}_missing$1`);
    const e = await openDatabase(await config(missing), { lockSession: true }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EventdbError);
    expect((e as EventdbError).code).toBe('DB_NOT_FOUND');
    expect((e as EventdbError).message).toContain(`${db.name}_missing`);
    const left = await watcher.query('select count(*)::int as n from pg_stat_activity where application_name like $1', [lockApp]);
    expect(left.rows[0].n).toBe(0);
  });
});
