import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import type { FastApplyRequest } from '../types.js';
import { pgSuccessSql } from './history-sql.js';

/** PostgreSQL reports the 1-based character position of an error in the query text (0-based here). */
export function pgErrorPosition(e: unknown): number | undefined {
  const pos = Number((e as { position?: string } | null)?.position);
  return Number.isFinite(pos) && pos > 0 ? pos - 1 : undefined;
}

/** What precedes the section's text in the one-trip query (error positions are counted from its end). */
export const PG_ONE_TRIP_HEAD = 'begin;\n';

/**
 * The one-trip query of a section: `BEGIN`, its text, the session reset (search_path, role, timeouts a
 * migration set) before eventdb's own statement, the history and log rows, `COMMIT`. With `flushLater`
 * the commit does not wait for the WAL flush (`SET LOCAL synchronous_commit = off`, after the reset,
 * which would undo it; transaction-scoped, so the session keeps its own setting): the run's last commit
 * waits with the server's setting and flushes this one with it — WAL is flushed in order, so a crash
 * before that can only lose a suffix of whole migrations, each with its history row.
 */
export function pgOneTripQuery(req: Pick<FastApplyRequest, 'text' | 'reset' | 'success' | 'flushLater'>): string {
  const reset = req.reset.map((r) => `${r};\n`).join('');
  const defer = req.flushLater ? 'set local synchronous_commit = off;\n' : '';
  return `${PG_ONE_TRIP_HEAD}${req.text}\n;\n${reset}${defer}${pgSuccessSql(req.success)};\ncommit`;
}

/** One session's simple-protocol query, for the one-trip path: `run(query)` sends `query` as one Query message. */
export interface OneTripSession {
  run(query: string): Promise<unknown>;
}

/** Runs `fn` on one session and releases it: kyselyOneTrip or poolOneTrip. */
export type OneTripSessions = <T>(fn: (s: OneTripSession) => Promise<T>) => Promise<T>;

/**
 * A Kysely database's sessions as one-trip sessions (PGlite, and any caller without the raw driver):
 * one connection of `db` per call, the query sent by `sql.raw` (no parameters: the simple protocol).
 */
export function kyselyOneTrip(db: Kysely<any>): OneTripSessions {
  return (fn) => db.connection().execute((c) => fn({ run: (q) => sql.raw(q).execute(c) }));
}

/**
 * A pg pool's sessions as one-trip sessions: a client of the pool per call, the query sent by
 * `client.query(text)` — no parameters, so pg uses the simple protocol, as `sql.raw` through Kysely
 * does, and the same error objects reach the caller (Kysely's driver rethrows pg's own). Without
 * Kysely's query compiler and connection wrapper on the path, each migration costs the client less
 * CPU (issue 18: ~0.1 ms a migration once warm, more in a fresh process).
 */
export function poolOneTrip(pool: pg.Pool): OneTripSessions {
  return async (fn) => {
    const client = await pool.connect();
    try {
      return await fn({ run: (q) => client.query(q) });
    } finally {
      client.release(); // as Kysely's driver releases its connections
    }
  };
}

/**
 * A transactional SQL migration applied in one round trip (pgOneTripQuery) — one simple-protocol query
 * on one session, so the migration and its records commit together or not at all. On failure the
 * session's transaction is rolled back and the failing statement located from the server's error
 * position. (PostgreSQL server and PGlite; `withSession` gives the session: kyselyOneTrip or poolOneTrip.)
 */
export async function pgApplyOneTrip(withSession: OneTripSessions, req: FastApplyRequest): Promise<boolean> {
  const { text } = req;
  const head = PG_ONE_TRIP_HEAD;
  const query = pgOneTripQuery(req);
  await withSession(async (c) => {
    try {
      await c.run(query);
    } catch (e) {
      await c.run('rollback').catch(() => undefined);
      const pos = pgErrorPosition(e);
      const at = pos === undefined ? undefined : pos - head.length;
      const stmt = at !== undefined && (at < 0 || at >= text.length) ? undefined : await req.statementAt(at);
      throw req.failed(stmt, e);
    }
  });
  return true;
}
