import { sql } from 'kysely';
import type { Connection } from '../../dialects/types.js';
import { formatBytes, formatDuration } from '../duration.js';
import type { CheckContext, CheckOutcome } from '../types.js';

/** Thresholds: connections in use against max_connections, and session ages. */
export const PG_LIMITS = {
  saturationWarn: 0.8,
  saturationFail: 0.95,
  longQueryMs: 5 * 60_000,
  idleInTransactionMs: 60_000,
};

interface Activity {
  pid: number;
  state: string | null;
  age_ms: number | null;
  application_name: string;
  query: string;
}

export async function postgresVitals(conn: Connection, ctx: CheckContext): Promise<CheckOutcome> {
  const db = conn.db;
  const base = await sql<{ size: number; max_conn: number; used: number; reserved: number }>`
    select pg_database_size(current_database())::bigint as size,
           current_setting('max_connections')::int as max_conn,
           current_setting('superuser_reserved_connections')::int as reserved,
           (select count(*) from pg_stat_activity where backend_type = 'client backend')::int as used`.execute(db);
  const b = base.rows[0]!;
  const sessions = await sql<Activity>`
    select pid, state, application_name, left(query, 200) as query,
           (extract(epoch from (now() - case when state = 'active' then query_start else state_change end)) * 1000)::float8 as age_ms
      from pg_stat_activity
     where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'
       and (state = 'active' or state like 'idle in transaction%')`.execute(db);
  const longRunning = sessions.rows.filter((s) => s.state === 'active' && (s.age_ms ?? 0) >= PG_LIMITS.longQueryMs);
  const idleInTx = sessions.rows.filter((s) => s.state?.startsWith('idle in transaction') && (s.age_ms ?? 0) >= PG_LIMITS.idleInTransactionMs);
  const usable = Math.max(1, b.max_conn - b.reserved);
  const saturation = b.used / usable;
  const details: Record<string, unknown> = {
    sizeBytes: Number(b.size),
    connections: { used: b.used, max: b.max_conn, reserved: b.reserved, saturation: Math.round(saturation * 1000) / 1000 },
    pool: { min: ctx.config.pool.min, max: ctx.config.pool.max },
    longRunningQueries: longRunning.map(brief),
    idleInTransaction: idleInTx.map(brief),
  };
  const problems: string[] = [];
  let status: CheckOutcome['status'] = 'ok';
  if (saturation >= PG_LIMITS.saturationFail) {
    status = 'fail';
    problems.push(`connections ${b.used}/${usable} in use (${Math.round(saturation * 100)}%)`);
  } else if (saturation >= PG_LIMITS.saturationWarn) {
    status = 'warn';
    problems.push(`connections ${b.used}/${usable} in use (${Math.round(saturation * 100)}%)`);
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
  let deepNote = '';
  if (ctx.opts.deep) {
    const idx = await sql<{ table: string; index: string; scans: number; size: number }>`
      select s.relname as table, s.indexrelname as index, s.idx_scan::bigint as scans, pg_relation_size(s.indexrelid)::bigint as size
        from pg_stat_user_indexes s join pg_index i on i.indexrelid = s.indexrelid
       where s.idx_scan = 0 and not i.indisunique and not i.indisprimary
       order by pg_relation_size(s.indexrelid) desc`.execute(db);
    details.neverScannedIndexes = idx.rows.map((r) => ({ table: r.table, index: r.index, sizeBytes: Number(r.size) }));
    deepNote = `, ${idx.rows.length} never-scanned index${idx.rows.length === 1 ? '' : 'es'}`;
  }
  const summary = `${formatBytes(Number(b.size))}, connections ${b.used}/${usable}${deepNote}`;
  return { status, message: problems.length ? `${problems.join('; ')} (${summary})` : summary, details };
}

function brief(s: Activity): Record<string, unknown> {
  return { pid: s.pid, state: s.state, ageMs: Math.round(s.age_ms ?? 0), application: s.application_name, query: s.query };
}
