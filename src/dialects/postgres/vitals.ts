import { sql, type Kysely } from 'kysely';
import type { SessionVitals } from '../types.js';

interface Activity {
  pid: number;
  state: string | null;
  age_ms: number | null;
  application_name: string;
  query: string;
}

/** Size, connections in use against max_connections, other sessions' activity, INVALID indexes; `deep`: never-scanned indexes. Also PGlite. */
export async function postgresVitals(db: Kysely<any>, opts: { deep: boolean }): Promise<SessionVitals> {
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
  const vitals: SessionVitals = {
    kind: 'sessions',
    sizeBytes: Number(b.size),
    connections: { used: b.used, max: b.max_conn, reserved: b.reserved },
    sessions: sessions.rows.map((s) => ({ pid: s.pid, state: s.state, ageMs: s.age_ms ?? 0, application: s.application_name, query: s.query })),
  };
  const invalid = await sql<{ schema: string; table: string; index: string }>`
    select n.nspname as schema, t.relname as table, i.relname as index
      from pg_index ix join pg_class i on i.oid = ix.indexrelid join pg_class t on t.oid = ix.indrelid join pg_namespace n on n.oid = t.relnamespace
     where not ix.indisvalid and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'
     order by 1, 2, 3`.execute(db);
  if (invalid.rows.length) vitals.invalidIndexes = invalid.rows;
  if (opts.deep) {
    const idx = await sql<{ table: string; index: string; scans: number; size: number }>`
      select s.relname as table, s.indexrelname as index, s.idx_scan::bigint as scans, pg_relation_size(s.indexrelid)::bigint as size
        from pg_stat_user_indexes s join pg_index i on i.indexrelid = s.indexrelid
       where s.idx_scan = 0 and not i.indisunique and not i.indisprimary
       order by pg_relation_size(s.indexrelid) desc`.execute(db);
    vitals.neverScannedIndexes = idx.rows.map((r) => ({ table: r.table, index: r.index, sizeBytes: Number(r.size) }));
  }
  return vitals;
}
