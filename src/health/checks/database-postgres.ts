import type { SessionActivity, SessionVitals } from '../../dialects/types.js';
import { formatBytes, formatDuration } from '../../units.js';
import type { CheckContext, CheckOutcome } from '../types.js';

/** Thresholds: connections in use against max_connections, and session ages. */
export const PG_LIMITS = {
  saturationWarn: 0.8,
  saturationFail: 0.95,
  longQueryMs: 5 * 60_000,
  idleInTransactionMs: 60_000,
};

/** A database with sessions (PostgreSQL, PGlite): connection saturation, pool size, long queries, idle transactions. */
export function judgeSessionVitals(v: SessionVitals, ctx: CheckContext): CheckOutcome {
  const { used, max, reserved } = v.connections;
  const longRunning = v.sessions.filter((s) => s.state === 'active' && s.ageMs >= PG_LIMITS.longQueryMs);
  const idleInTx = v.sessions.filter((s) => s.state?.startsWith('idle in transaction') && s.ageMs >= PG_LIMITS.idleInTransactionMs);
  const usable = Math.max(1, max - reserved);
  const saturation = used / usable;
  const details: Record<string, unknown> = {
    sizeBytes: v.sizeBytes,
    connections: { used, max, reserved, saturation: Math.round(saturation * 1000) / 1000 },
    pool: { min: ctx.config.pool.min, max: ctx.config.pool.max },
    longRunningQueries: longRunning.map(brief),
    idleInTransaction: idleInTx.map(brief),
  };
  const problems: string[] = [];
  let status: CheckOutcome['status'] = 'ok';
  if (saturation >= PG_LIMITS.saturationFail) {
    status = 'fail';
    problems.push(`connections ${used}/${usable} in use (${Math.round(saturation * 100)}%)`);
  } else if (saturation >= PG_LIMITS.saturationWarn) {
    status = 'warn';
    problems.push(`connections ${used}/${usable} in use (${Math.round(saturation * 100)}%)`);
  }
  if (ctx.config.pool.max > usable) {
    if (status === 'ok') status = 'warn';
    problems.push(`pool max ${ctx.config.pool.max} exceeds the server's ${usable} usable connections`);
  }
  if (longRunning.length) {
    if (status === 'ok') status = 'warn';
    problems.push(`${longRunning.length} quer${longRunning.length === 1 ? 'y' : 'ies'} running over ${formatDuration(PG_LIMITS.longQueryMs)}`);
  }
  if (idleInTx.length) {
    if (status === 'ok') status = 'warn';
    problems.push(`${idleInTx.length} session${idleInTx.length === 1 ? '' : 's'} idle in transaction over ${formatDuration(PG_LIMITS.idleInTransactionMs)}`);
  }
  if (v.invalidIndexes?.length) {
    details.invalidIndexes = v.invalidIndexes;
    if (status === 'ok') status = 'warn';
    const names = v.invalidIndexes.map((i) => (i.schema === 'public' ? i.index : `${i.schema}.${i.index}`));
    problems.push(`${names.length} INVALID index${names.length === 1 ? '' : 'es'} (a failed CREATE INDEX CONCURRENTLY left ${names.length === 1 ? 'it' : 'them'}: never used, still slowing writes): ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''} — DROP INDEX CONCURRENTLY and build again`);
  }
  let deepNote = '';
  if (v.neverScannedIndexes) {
    details.neverScannedIndexes = v.neverScannedIndexes;
    const n = v.neverScannedIndexes.length;
    deepNote = `, ${n} never-scanned index${n === 1 ? '' : 'es'}`;
  }
  const summary = `${formatBytes(v.sizeBytes)}, connections ${used}/${usable}${deepNote}`;
  return { status, message: problems.length ? `${problems.join('; ')} (${summary})` : summary, details };
}

function brief(s: SessionActivity): Record<string, unknown> {
  return { pid: s.pid, state: s.state, ageMs: Math.round(s.ageMs), application: s.application, query: s.query };
}
