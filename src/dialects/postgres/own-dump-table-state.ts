import type pg from 'pg';
import { DUMPED_TRIGGER, NOT_EXTENSION, USER_SCHEMAS } from './own-dump-filters.js';

/**
 * What `alter table` sets on a table once it, its indexes, triggers and rules exist, as pg_dump keeps it:
 * the replica identity (FULL, NOTHING, USING INDEX), the index CLUSTER marks, the composite type of a typed
 * table (`create table t of pt`, made as a plain table and linked with `alter table t of pt`), and the
 * triggers and rules that are disabled or fire on replicas (`alter table t disable trigger x`).
 */
export async function tableState(c: pg.Client): Promise<string[]> {
  const r = await c.query<{ stmt: string }>(
    `select stmt from (
       select c.oid, 0 as step, 0::oid as sub, format('alter table only %s replica identity %s', c.oid::regclass,
                case c.relreplident when 'f' then 'full' when 'n' then 'nothing'
                     else 'using index ' || (select quote_ident(ic.relname) from pg_index x join pg_class ic on ic.oid = x.indexrelid
                                               where x.indrelid = c.oid and x.indisreplident) end) as stmt
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p') and c.relreplident in ('f', 'n', 'i') and ${USER_SCHEMAS} and ${NOT_EXTENSION('c')}
          and (c.relreplident <> 'i' or exists (select 1 from pg_index x where x.indrelid = c.oid and x.indisreplident))
       union all
       select c.oid, 1, x.indexrelid, format('alter table %s cluster on %I', c.oid::regclass, ic.relname)
         from pg_index x join pg_class c on c.oid = x.indrelid join pg_class ic on ic.oid = x.indexrelid join pg_namespace n on n.oid = c.relnamespace
        where x.indisclustered and c.relkind in ('r', 'm') and ${USER_SCHEMAS} and ${NOT_EXTENSION('c')}
       union all
       select c.oid, 2, 0, format('alter table %s of %s', c.oid::regclass, c.reloftype::regtype)
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.reloftype <> 0 and c.relkind = 'r' and ${USER_SCHEMAS} and ${NOT_EXTENSION('c')}
       union all
       select c.oid, 3, t.oid, format('alter table %s %s trigger %I', c.oid::regclass,
                case t.tgenabled when 'D' then 'disable' when 'R' then 'enable replica' else 'enable always' end, t.tgname)
         from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
        where t.tgenabled in ('D', 'R', 'A') and ${USER_SCHEMAS} and ${DUMPED_TRIGGER}
       union all
       select c.oid, 4, w.oid, format('alter table %s %s rule %I', c.oid::regclass,
                case w.ev_enabled when 'D' then 'disable' when 'R' then 'enable replica' else 'enable always' end, w.rulename)
         from pg_rewrite w join pg_class c on c.oid = w.ev_class join pg_namespace n on n.oid = c.relnamespace
        where w.ev_enabled in ('D', 'R', 'A') and w.rulename <> '_RETURN' and ${USER_SCHEMAS}
     ) x order by step, oid, sub`,
  );
  return r.rows.map((x) => x.stmt);
}
