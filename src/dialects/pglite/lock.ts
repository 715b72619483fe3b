import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { commandLine } from '../../config/redact.js';
import { EventdbError } from '../../errors.js';
import { describeHolder } from '../file-lock.js';
import { LOCK_NAMESPACE, lockKey } from '../postgres/lock.js';
import type { LockHolder, LockOptions, LockStatus } from '../types.js';
import type { PgliteSession } from './session.js';

/**
 * Named locks inside one PGlite instance. Other processes cannot reach the instance at all (the data
 * directory is held for the connection's lifetime), so the contenders are callers in this process.
 * PGlite has a single backend session, and a session's advisory locks are re-entrant — so
 * `pg_try_advisory_lock` alone would let two callers in at once. Each lock is therefore a queue in
 * this process, and the holder also takes the same advisory lock the server dialect takes (same key),
 * so `pg_locks` shows it exactly as on a server.
 */
interface Held {
  holder: LockHolder;
  tail: Promise<void>;
}


export class PgliteLocks {
  #held = new Map<string, Held>();
  constructor(
    private readonly session: PgliteSession,
    private readonly where: string,
  ) {}

  async withLock<T>(name: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
    const what = `the ${name === 'migrate' ? 'migration' : name} lock on ${this.where}`;
    const started = Date.now();
    for (;;) {
      const cur = this.#held.get(name);
      if (!cur) break;
      const left = opts.timeoutMs - (Date.now() - started);
      if (left <= 0) {
        throw new EventdbError('LOCK_TIMEOUT', `${what} is held by ${describeHolder(cur.holder)}; gave up after ${(opts.timeoutMs / 1000).toFixed(1)} s`, 'wait for the other eventdb task to finish, or raise --lock-timeout', { details: { holder: cur.holder } });
      }
      await Promise.race([cur.tail, sleep(left)]);
    }
    let done!: () => void;
    const tail = new Promise<void>((r) => (done = r));
    const holder: LockHolder = {
      pid: process.pid,
      host: hostname(),
      since: new Date().toISOString(),
      command: commandLine(),
      alive: true,
    };
    this.#held.set(name, { holder, tail });
    try {
      await this.session.run((lite) => lite.query('select pg_advisory_lock($1, $2)', [LOCK_NAMESPACE, lockKey(name)]));
      try {
        return await fn();
      } finally {
        await this.session.run((lite) => lite.query('select pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, lockKey(name)])).catch(() => undefined);
      }
    } finally {
      this.#held.delete(name);
      done();
    }
  }

  /** After the instance was started again (loadExtensions): the held locks' advisory locks, taken again. */
  async retake(lite: { query(sql: string, params: unknown[]): Promise<unknown> }): Promise<void> {
    for (const name of this.#held.keys()) await lite.query('select pg_advisory_lock($1, $2)', [LOCK_NAMESPACE, lockKey(name)]);
  }

  async status(name: string): Promise<LockStatus> {
    const r = await this.session.run((lite) =>
      lite.query<{ n: number }>(
        "select count(*)::int as n from pg_locks where locktype = 'advisory' and granted and classid = $1::int::oid and objid = $2::int::oid and objsubid = 2",
        [LOCK_NAMESPACE, lockKey(name)],
      ),
    );
    const held = this.#held.get(name);
    if ((r.rows[0]?.n ?? 0) === 0 && !held) return { held: false };
    return { held: true, holder: held?.holder };
  }
}
