import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import type { FastApplyRequest } from '../types.js';
import { firstFailing } from '../first-failing.js';
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
    const { Query } = (await import('pg')).default;
    try {
      return await fn({ run: (q) => queryCounting(client, new Query(q)) });
    } finally {
      client.release(); // as Kysely's driver releases its connections
    }
  };
}

/** The statements of a one-trip query that completed before its error (see queryCounting). */
const COMPLETED = Symbol('completed statements');

/**
 * `client.query(query)` for a simple-protocol query of many statements that, on failure, marks the
 * error with how many of them completed first: the server sends one CommandComplete per statement,
 * so the failing one is the next. This names the failing statement when the error has no position
 * (a constraint violated, a missing extension, a lock timeout), without running anything again.
 * (pg's Query, counted where it handles that message.)
 */
function queryCounting(client: pg.PoolClient, query: pg.Query): Promise<unknown> {
  const q = query as pg.Query & { handleCommandComplete?: (msg: unknown, con: unknown) => void };
  let completed = 0;
  const base = q.handleCommandComplete;
  if (typeof base === 'function') {
    q.handleCommandComplete = (msg, con) => {
      completed++;
      base.call(q, msg, con);
    };
  }
  return new Promise((resolve, reject) => {
    q.on('end', resolve);
    q.on('error', (e: Error) => {
      if (typeof base === 'function' && e && typeof e === 'object') Object.defineProperty(e, COMPLETED, { value: completed });
      reject(e);
    });
    client.query(q);
  });
}

/**
 * The statement of the section that failed: by the error's position in the query text, else by the
 * count of statements that completed before it (queryCounting: `begin` first, then the section's).
 */
async function failingStatement(req: FastApplyRequest, e: unknown, headLength: number, session: OneTripSession): Promise<string | undefined> {
  const pos = pgErrorPosition(e);
  if (pos !== undefined) {
    const at = pos - headLength;
    return at < 0 || at >= req.text.length ? undefined : req.statementAt(at);
  }
  const stmts = await req.statements();
  const completed = (e as { [COMPLETED]?: number } | null)?.[COMPLETED];
  if (completed !== undefined) return stmts[completed - 1]?.text;
  return stmts.length === 1 ? stmts[0]!.text : rerunToLocate(session, stmts);
}

/**
 * A session that cannot count completed statements (PGlite): the section is run again one statement at
 * a time in a transaction that is rolled back, and the first that fails is named (undefined should none).
 */
async function rerunToLocate(session: OneTripSession, stmts: ReadonlyArray<{ text: string }>): Promise<string | undefined> {
  try {
    await session.run('begin');
    return (await firstFailing(stmts, (text) => session.run(text)))?.statement.text;
  } catch {
    return undefined;
  } finally {
    await session.run('rollback').catch(() => undefined);
  }
}

/**
 * A transactional SQL migration applied in one round trip (pgOneTripQuery) — one simple-protocol query
 * on one session, so the migration and its records commit together or not at all. On failure the
 * session's transaction is rolled back and the failing statement located (failingStatement): from the
 * server's error position, else from the statements completed before the error (a pool session counts
 * them), else — PGlite — by running them again one by one in a transaction rolled back. (PostgreSQL
 * server and PGlite; `withSession` gives the session: kyselyOneTrip or poolOneTrip.)
 */
export async function pgApplyOneTrip(withSession: OneTripSessions, req: FastApplyRequest): Promise<boolean> {
  const head = PG_ONE_TRIP_HEAD;
  const query = pgOneTripQuery(req);
  await withSession(async (c) => {
    try {
      await c.run(query);
    } catch (e) {
      await c.run('rollback').catch(() => undefined);
      throw req.failed(await failingStatement(req, e, head.length, c), e);
    }
  });
  return true;
}
