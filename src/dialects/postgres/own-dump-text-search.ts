import type pg from 'pg';
import { NOT_EXTENSION, USER_SCHEMAS } from './own-dump-filters.js';

/**
 * Text search dictionaries and configurations of the user's schemas (not an extension's), as pg_dump writes
 * them, with their comments: `create text search dictionary … (template = …, <options>)`, `create text search
 * configuration … (parser = …)` and one `add mapping for <token> with <dictionaries>` per token type. An
 * index, a generated column or a function may name one (`to_tsvector('public.english_unaccent', body)`):
 * without it the restore failed. Made before the tables, after the extensions (a template or parser may
 * be an extension's). User-made parsers and templates (C functions) are not dumped.
 */
export async function textSearch(c: pg.Client): Promise<{ create: string[]; comments: string[] }> {
  const r = await c.query<{ stmt: string; comment: boolean }>(
    `select stmt, comment from (
       select td.oid, 0 as step, 0 as token, false as comment, format('create text search dictionary %s (template = %s%s)', td.oid::regdictionary,
                (select quote_ident(tn.nspname) || '.' || quote_ident(t.tmplname) from pg_ts_template t join pg_namespace tn on tn.oid = t.tmplnamespace where t.oid = td.dicttemplate),
                coalesce(', ' || td.dictinitoption, '')) as stmt
         from pg_ts_dict td join pg_namespace n on n.oid = td.dictnamespace where ${USER_SCHEMAS} and ${NOT_EXTENSION('td')}
       union all
       select k.oid, 1, 0, false, format('create text search configuration %s (parser = %s)', k.oid::regconfig,
                (select quote_ident(pn.nspname) || '.' || quote_ident(p.prsname) from pg_ts_parser p join pg_namespace pn on pn.oid = p.prsnamespace where p.oid = k.cfgparser))
         from pg_ts_config k join pg_namespace n on n.oid = k.cfgnamespace where ${USER_SCHEMAS} and ${NOT_EXTENSION('k')}
       union all
       select k.oid, 2, m.maptokentype, false, format('alter text search configuration %s add mapping for %I with %s', k.oid::regconfig,
                (select t.alias from ts_token_type(k.cfgparser) t where t.tokid = m.maptokentype),
                string_agg(m.mapdict::regdictionary::text, ', ' order by m.mapseqno))
         from pg_ts_config k join pg_namespace n on n.oid = k.cfgnamespace join pg_ts_config_map m on m.mapcfg = k.oid
        where ${USER_SCHEMAS} and ${NOT_EXTENSION('k')} group by k.oid, k.cfgparser, m.maptokentype
       union all
       select td.oid, 3, 0, true, format('comment on text search dictionary %s is %L', td.oid::regdictionary, x.description)
         from pg_ts_dict td join pg_namespace n on n.oid = td.dictnamespace join pg_description x on x.objoid = td.oid and x.classoid = 'pg_ts_dict'::regclass
        where ${USER_SCHEMAS} and ${NOT_EXTENSION('td')}
       union all
       select k.oid, 3, 0, true, format('comment on text search configuration %s is %L', k.oid::regconfig, x.description)
         from pg_ts_config k join pg_namespace n on n.oid = k.cfgnamespace join pg_description x on x.objoid = k.oid and x.classoid = 'pg_ts_config'::regclass
        where ${USER_SCHEMAS} and ${NOT_EXTENSION('k')}
     ) x order by step, oid, token`,
  );
  return { create: r.rows.filter((x) => !x.comment).map((x) => x.stmt), comments: r.rows.filter((x) => x.comment).map((x) => x.stmt) };
}
