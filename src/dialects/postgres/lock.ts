import type pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventdbError } from '../../errors.js';
import type { LockHolder, LockOptions, LockStatus } from '../types.js';

/** Advisory-lock keys: a fixed eventdb namespace plus a 32-bit hash of the lock's name. */
export const LOCK_NAMESPACE = 0x45564442 & 0x7fffffff; // "EVDB"

export function lockKey(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}


/** Who holds the advisory lock, from pg_locks and pg_stat_activity. */
export async function advisoryLockStatus(client: pg.ClientBase, name: string): Promise<LockStatus> {
  const r = await client.query<{ pid: number; application_name: string; client_addr: string | null; since: Date | null; query: string }>(
    `select a.pid, a.application_name, a.client_addr::text as client_addr, coalesce(a.xact_start, a.backend_start) as since, a.query
       from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.classid = $1::int::oid and l.objid = $2::int::oid and l.objsubid = 2
        and l.database = (select oid from pg_database where datname = current_database())`,
    [LOCK_NAMESPACE, lockKey(name)],
  );
  const row = r.rows[0];
  if (!row) return { held: false };
  const holder: LockHolder = {
    pid: row.pid,
    host: row.client_addr ?? 'local socket',
    since: row.since ? new Date(row.since).toISOString() : 'unknown',
    command: row.application_name || 'unknown client',
    alive: true,
  };
  return { held: true, holder };
}

export async function withAdvisoryLock<T>(client: pg.ClientBase, name: string, what: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  let delay = 10;
  for (;;) {
    const r = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1, $2) as ok', [LOCK_NAMESPACE, lockKey(name)]);
    if (r.rows[0]?.ok) break;
    if (Date.now() - started >= opts.timeoutMs) {
      const status = await advisoryLockStatus(client, name).catch(() => ({ held: true }) as LockStatus);
      const h = status.holder;
      const who = h ? `backend pid ${h.pid} (${h.command}, from ${h.host}, since ${h.since})` : 'another session';
      throw new EventdbError('LOCK_TIMEOUT', `${what} is held by ${who}; gave up after ${(opts.timeoutMs / 1000).toFixed(1)} s`, 'wait for the other eventdb process to finish, or raise --lock-timeout', { details: { holder: h } });
    }
    await sleep(Math.min(delay, Math.max(1, opts.timeoutMs - (Date.now() - started))));
    delay = Math.min(delay * 2, 200);
  }
  try {
    return await fn();
  } finally {
    await client.query('select pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, lockKey(name)]).catch(() => undefined);
  }
}
