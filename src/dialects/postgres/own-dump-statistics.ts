import type pg from 'pg';
import { NOT_EXTENSION, USER_SCHEMAS } from './own-dump-filters.js';

/**
 * Planner statistics settings in eventdb's own PostgreSQL dump, as pg_dump keeps them: extended statistics
 * objects (`create statistics … on a, b from t`, their statistics target and comment) and the statistics
 * target of an index's expression column (`alter index … alter column 2 set statistics 500`). Made after
 * the tables, views, functions (an expression may call one) and indexes. A target at the default reads -1
 * (NULL from PostgreSQL 17); stxstattarget is read through to_jsonb (13+).
 */
export async function statisticsSettings(c: pg.Client): Promise<string[]> {
  const r = await c.query<{ stmt: string }>(
    `select stmt from (
       select s.oid, 0 as step, pg_get_statisticsobjdef(s.oid) as stmt
         from pg_statistic_ext s join pg_namespace n on n.oid = s.stxnamespace where ${USER_SCHEMAS} and ${NOT_EXTENSION('s')}
       union all
       select s.oid, 1, format('alter statistics %I.%I set statistics %s', n.nspname, s.stxname, j ->> 'stxstattarget')
         from pg_statistic_ext s cross join lateral to_jsonb(s) j join pg_namespace n on n.oid = s.stxnamespace
        where ${USER_SCHEMAS} and ${NOT_EXTENSION('s')} and coalesce((j ->> 'stxstattarget')::int, -1) >= 0
       union all
       select s.oid, 2, format('comment on statistics %I.%I is %L', n.nspname, s.stxname, d.description)
         from pg_statistic_ext s join pg_namespace n on n.oid = s.stxnamespace
         join pg_description d on d.objoid = s.oid and d.classoid = 'pg_statistic_ext'::regclass
        where ${USER_SCHEMAS} and ${NOT_EXTENSION('s')}
       union all
       select i.oid, 3, format('alter index %s alter column %s set statistics %s', i.oid::regclass, a.attnum, a.attstattarget)
         from pg_attribute a join pg_class i on i.oid = a.attrelid join pg_namespace n on n.oid = i.relnamespace
        where ${USER_SCHEMAS} and i.relkind in ('i', 'I') and coalesce(a.attstattarget::int, -1) >= 0 and ${NOT_EXTENSION('i')}
          and not exists (select 1 from pg_inherits ih where ih.inhrelid = i.oid)
     ) x order by step, oid`,
  );
  return r.rows.map((x) => x.stmt);
}
