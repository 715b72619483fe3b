import type { ResolvedConfig } from '../config/index.js';
import { isServer, openConnection } from '../dialects/index.js';
import type { Connection } from '../dialects/types.js';
import { EventdbError, messageOf } from '../errors.js';
import { CHECKS, parseCheckNames } from './registry.js';
import { summarize } from './report.js';
import { CHECK_NAMES, type CheckContext, type CheckName, type CheckOutcome, type CheckResult, type HealthOptions, type HealthReport } from './types.js';

export const DEFAULTS = {
  timeoutMs: 10_000,
  maxBackupAgeMs: 26 * 3_600_000,
  lockThresholdMs: 10 * 60_000,
  walWarnBytes: 256 * 1024 * 1024,
};

/** Time kept back from the overall deadline for closing and rendering. */
const MARGIN_MS = 50;
/** Share of the overall timeout the connection attempt may use; the rest is for the checks. */
const CONNECT_SHARE = 0.6;

class DeadlineError extends Error {}

/** Resolves with the promise, or rejects with DeadlineError after `ms`. The loser is left to settle. */
function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`timed out after ${Math.round(ms)} ms`)), Math.max(0, ms));
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/**
 * Runs the selected checks with one overall deadline. Connecting gets its own share of the time;
 * the checks then run side by side, each bounded by what remains, so a hung check fails in time and
 * the others still report. Never throws for a failing database: that is a failed check (exit 3
 * when it cannot connect at all). Throws EventdbError only for bad options.
 */
export async function runHealthChecks(config: ResolvedConfig, options: HealthOptions = {}): Promise<HealthReport> {
  const started = Date.now();
  const t0 = performance.now();
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  if (!(timeoutMs > 0)) throw new EventdbError('USAGE', `--timeout must be positive (got ${timeoutMs} ms)`, 'e.g. --timeout 10s');
  const deadline = started + timeoutMs;
  const names: CheckName[] = options.checks ? parseCheckNames(options.checks) : [...CHECK_NAMES];
  const production = config.environment === 'production';
  const strict = !!options.strict || production;
  const defs = names.map((n) => CHECKS[n]);
  const needs = (d: (typeof defs)[number]) => (typeof d.needsConnection === 'function' ? d.needsConnection(config) : d.needsConnection);
  const needConn = defs.some(needs);

  // Statements are bounded by the timeout on the server side too (PostgreSQL statement_timeout).
  const bounded: ResolvedConfig = {
    ...config,
    connectTimeoutMs: Math.max(1, Math.min(config.connectTimeoutMs, Math.floor(timeoutMs * CONNECT_SHARE))),
    statementTimeoutMs: Math.max(1, Math.min(config.statementTimeoutMs ?? Infinity, timeoutMs)),
  };

  let conn: Connection | undefined = options.connection;
  const owned = !conn && needConn;
  let connectError: { result: CheckResult } | undefined;
  if (owned) {
    const c0 = performance.now();
    const budget = Math.floor(timeoutMs * CONNECT_SHARE);
    // A health check never creates a database: file engines (and PGlite) open read-only.
    const attempt = openConnection(bounded, { readOnly: !isServer(config.database), lockWaitMs: budget });
    try {
      conn = await withDeadline(attempt, budget);
      // Waits for another process's write lock end with the deadline (SQLite's busy_timeout).
      await conn.setBusyTimeout?.(Math.max(1, deadline - Date.now() - MARGIN_MS));
    } catch (e) {
      attempt.then((late) => late.close()).catch(() => undefined);
      const timedOut = e instanceof DeadlineError;
      const err = e instanceof EventdbError ? e : undefined;
      connectError = {
        result: {
          name: 'connection',
          status: 'fail',
          durationMs: round(performance.now() - c0),
          message: timedOut ? `no answer from ${config.database.display} within ${budget} ms` : messageOf(e),
          details: { code: timedOut ? 'CONNECT_TIMEOUT' : (err?.code ?? 'CONNECT'), ...(err?.hint ? { hint: err.hint } : {}), database: config.database.display },
        },
      };
      conn = undefined;
    }
  }

  const ctxBase: Omit<CheckContext, 'deadline'> = {
    config,
    conn,
    production,
    opts: {
      deep: !!options.deep,
      maxBackupAgeMs: options.maxBackupAgeMs ?? DEFAULTS.maxBackupAgeMs,
      lockThresholdMs: options.lockThresholdMs ?? DEFAULTS.lockThresholdMs,
      walWarnBytes: options.walWarnBytes ?? DEFAULTS.walWarnBytes,
    },
  };

  const results = await Promise.all(
    defs.map(async (def): Promise<CheckResult> => {
      if (def.name === 'connection' && connectError) return connectError.result;
      if (needs(def) && !conn) {
        return { name: def.name, status: 'skipped', durationMs: 0, message: 'not run: cannot connect to the database' };
      }
      const s = performance.now();
      const remaining = deadline - Date.now() - MARGIN_MS;
      let outcome: CheckOutcome;
      try {
        outcome = await withDeadline(def.run({ ...ctxBase, deadline: deadline - MARGIN_MS }), remaining);
      } catch (e) {
        outcome = e instanceof DeadlineError
          ? { status: 'fail', message: `${def.name} check ${e.message} (--timeout ${Math.round(timeoutMs)} ms)`, details: { code: 'CHECK_TIMEOUT' } }
          : { status: 'fail', message: messageOf(e), details: { code: e instanceof EventdbError ? e.code : 'CHECK_ERROR', ...(e instanceof EventdbError && e.hint ? { hint: e.hint } : {}) } };
      }
      return { name: def.name, ...outcome, durationMs: round(performance.now() - s) };
    }),
  );

  if (owned && conn) {
    const c = conn;
    await withDeadline(c.close(), Math.max(100, deadline - Date.now())).catch(() => undefined);
  }
  return summarize(results, {
    strict,
    cannotConnect: !!connectError,
    engine: config.database.engine,
    database: config.database.display,
    environment: config.environment,
    checkedAt: new Date(started).toISOString(),
    durationMs: round(performance.now() - t0),
  });
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
