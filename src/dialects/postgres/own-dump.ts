import { Readable } from 'node:stream';
import type pg from 'pg';
import { EventdbError, messageOf } from '../../errors.js';
import { quoteIdent as qi } from '../quote.js';
import { DUMP_MAGIC, frame, type DumpHeader, type DumpTable, type SequenceValue } from './dump-format.js';
import { rowCounts } from '../row-counts.js';
import { collations } from './own-dump-collations.js';
import { COLUMNS, columnDef, columnOptions, partitionColumns, type ColumnRow } from './own-dump-columns.js';
import { DUMPED_CONSTRAINT, DUMPED_TRIGGER, NOT_EXTENSION, NOT_INTERNAL, qn, storageParameters, USER_SCHEMAS } from './own-dump-filters.js';
import { statisticsSettings } from './own-dump-statistics.js';
import { tableState } from './own-dump-table-state.js';
import { textSearch } from './own-dump-text-search.js';

/**
 * eventdb's own PostgreSQL logical dump, writing side: the catalog readers (schema as SQL, tables,
 * row counts, sequence values) and the frame writer. Shared by the server dialect, which copies a
 * table's rows over the wire (COPY TO STDOUT), and PGlite, which copies them through `/dev/blob`.
 */

export { qn };
export const tableKey = (schema: string, name: string) => (schema === 'public' ? name : `${schema}.${name}`);
/**
 * What a COPY names: the table and its column list. A table with no columns to copy (`create table t ()`,
 * which can still hold rows; or only generated columns) takes no list: `copy t () …` is a syntax error, and
 * COPY without one copies every column but the generated ones — none — one empty line per row.
 */
export const copyTarget = (schema: string, name: string, columns: readonly string[]) => (columns.length ? `${qn(schema, name)} (${columns.map(qi).join(', ')})` : qn(schema, name));

export async function listTables(c: pg.Client): Promise<Array<{ oid: number; schema: string; name: string }>> {
  const r = await c.query<{ oid: number; schema: string; name: string }>(
    `select c.oid::int as oid, n.nspname as schema, c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind = 'r' and ${USER_SCHEMAS} and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype = 'e') order by 2, 3`,
  );
  return r.rows;
}

/** count(*) of each table, one after the other; stops before the next table once `stop.now` is set. */
export async function countAll(c: pg.Client, tables: Array<{ schema: string; name: string }>, stop?: { now: boolean }): Promise<Record<string, number>> {
  const out = rowCounts();
  for (const t of tables) {
    if (stop?.now) break;
    const r = await c.query<{ n: string }>(`select count(*)::text as n from ${qn(t.schema, t.name)}`);
    out[tableKey(t.schema, t.name)] = Number(r.rows[0]?.n ?? 0);
  }
  return out;
}

/** Reads the schema (in the dump transaction, with search_path '' so everything is qualified). */
export async function readSchema(c: pg.Client, server: string): Promise<DumpHeader> {
  const pre: string[] = [];
  const post: string[] = [];
  const schemas = await c.query<{ n: string }>(`select nspname as n from pg_namespace n where ${USER_SCHEMAS} order by 1`);
  for (const { n } of schemas.rows) pre.push(`create schema if not exists ${qi(n)}`);
  const ext = await c.query<{ e: string; s: string }>("select e.extname as e, n.nspname as s from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname <> 'plpgsql' order by 1");
  for (const r of ext.rows) pre.push(`create extension if not exists ${qi(r.e)} with schema ${qi(r.s)}`);
  const colls = await collations(c);
  pre.push(...colls.create);
  const search = await textSearch(c);
  pre.push(...search.create);
  const enums = await c.query<{ s: string; t: string; labels: string[] }>(
    `select n.nspname as s, t.typname as t, array_agg(e.enumlabel::text order by e.enumsortorder) as labels from pg_type t join pg_enum e on e.enumtypid = t.oid
     join pg_namespace n on n.oid = t.typnamespace where ${USER_SCHEMAS} group by 1, 2 order by 1, 2`,
  );
  for (const r of enums.rows) pre.push(`create type ${qn(r.s, r.t)} as enum (${r.labels.map((l) => `'${l.replace(/'/g, "''")}'`).join(', ')})`);
  const types = await userTypes(c);
  const seqs = await c.query<{ s: string; n: string; t: string; start: string; inc: string; min: string; max: string; cache: string; cycle: boolean; unlogged: boolean; owner: string | null }>(
    `select n.nspname as s, c.relname as n, format_type(q.seqtypid, null) as t, q.seqstart::text as start, q.seqincrement::text as inc, q.seqmin::text as min, q.seqmax::text as max,
            q.seqcache::text as cache, q.seqcycle as cycle, c.relpersistence = 'u' as unlogged,
            (select quote_ident(tn.nspname) || '.' || quote_ident(tc.relname) || '.' || quote_ident(a.attname) from pg_depend d join pg_class tc on tc.oid = d.refobjid
               join pg_namespace tn on tn.oid = tc.relnamespace join pg_attribute a on a.attrelid = tc.oid and a.attnum = d.refobjsubid
               where d.objid = c.oid and d.classid = 'pg_class'::regclass and d.deptype = 'a' limit 1) as owner
     from pg_sequence q join pg_class c on c.oid = q.seqrelid join pg_namespace n on n.oid = c.relnamespace
     where ${USER_SCHEMAS} and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype in ('i', 'e')) order by 1, 2`,
  );
  for (const s of seqs.rows) {
    pre.push(`create ${s.unlogged ? 'unlogged ' : ''}sequence ${qn(s.s, s.n)} as ${s.t} increment by ${s.inc} minvalue ${s.min} maxvalue ${s.max} start with ${s.start} cache ${s.cache} ${s.cycle ? 'cycle' : 'no cycle'}`);
    if (s.owner) post.push(`alter sequence ${qn(s.s, s.n)} owned by ${s.owner}`);
  }
  // A type or function that names a table's or a view's row type (`returns setof items`, gitlab's
  // `find_namespaces_by_id(…) returns namespaces`, a domain over a row type), directly, through an array
  // or through another such type, cannot be made before that relation: it is made after the tables, in
  // creation order among the views (below); the others before the tables.
  const funcs = await c.query<{ oid: number; def: string; refs: number[]; rel: boolean }>(
    `select p.oid::int as oid, pg_get_functiondef(p.oid) as def,
            array(select d.refobjid::int from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'n'
                    and d.refclassid = 'pg_type'::regclass) as refs,
            exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'n' and d.refclassid = 'pg_class'::regclass) as rel
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where ${USER_SCHEMAS} and p.prokind in ('f', 'p') and ${NOT_EXTENSION('p')} and ${NOT_INTERNAL('p')} order by p.oid`,
  );
  const rowTypes = await c.query<{ oid: number; elem: number }>(
    `select t.oid::int as oid, 0 as elem from pg_type t join pg_class r on r.oid = t.typrelid where r.relkind in ('r', 'p', 'v', 'm', 'f')
     union all select t.oid::int, t.typelem::int from pg_type t where t.typcategory = 'A' and t.typelem <> 0`,
  );
  const elemOf = new Map(rowTypes.rows.filter((r) => r.elem !== 0).map((r) => [r.oid, r.elem]));
  const lateTypes = new Set(rowTypes.rows.filter((r) => r.elem === 0).map((r) => r.oid));
  const isLate = (refs: number[]) => refs.some((o) => lateTypes.has(elemOf.get(o) ?? o));
  for (let changed = true; changed; ) {
    changed = false;
    for (const t of types) {
      if (lateTypes.has(t.oid) || !isLate(t.refs)) continue;
      lateTypes.add(t.oid);
      changed = true;
    }
  }
  for (const t of types) if (!lateTypes.has(t.oid)) pre.push(t.stmt);
  const lateFuncs = funcs.rows.filter((f) => f.rel || isLate(f.refs));
  for (const f of funcs.rows) if (!lateFuncs.includes(f)) pre.push(f.def);

  // Tables, partitioned tables and partitions; a parent is created before its partitions. Only
  // tables with storage (relkind 'r', partitions included) carry rows. UNLOGGED and the storage
  // parameters (its TOAST table's too) are said when the table is made, as pg_dump does.
  const rels = await c.query<{ oid: number; schema: string; name: string; kind: string; parent: string | null; parentOid: number | null; bound: string | null; partkey: string | null; unlogged: boolean; options: string[] | null; toastOptions: string[] | null }>(
    `select c.oid::int as oid, n.nspname as schema, c.relname as name, c.relkind as kind,
            c.relpersistence = 'u' as unlogged, c.reloptions as options, (select tc.reloptions from pg_class tc where tc.oid = c.reltoastrelid) as "toastOptions",
            (select quote_ident(pn.nspname) || '.' || quote_ident(pc.relname) from pg_inherits i join pg_class pc on pc.oid = i.inhparent
               join pg_namespace pn on pn.oid = pc.relnamespace where i.inhrelid = c.oid and c.relispartition) as parent,
            (select i.inhparent::int from pg_inherits i where i.inhrelid = c.oid and c.relispartition) as "parentOid",
            case when c.relispartition then pg_get_expr(c.relpartbound, c.oid) end as bound,
            case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end as partkey
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p') and ${USER_SCHEMAS} and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype = 'e') order by 2, 3`,
  );
  // Parents are told by oid: a partition may sort before its parent (gitlab's `epic_notes` of `notes`).
  const created = new Map<number, ColumnRow[]>();
  const pending = [...rels.rows];
  const tables: DumpTable[] = [];
  while (pending.length) {
    const i = pending.findIndex((t) => t.parentOid === null || created.has(t.parentOid) || !pending.some((o) => o.oid === t.parentOid));
    const t = pending.splice(i === -1 ? 0 : i, 1)[0]!;
    const cols = await c.query<ColumnRow>(COLUMNS, [t.oid]);
    const partitionBy = t.partkey ? ` partition by ${t.partkey}` : '';
    const create = `create ${t.unlogged ? 'unlogged ' : ''}table ${qn(t.schema, t.name)}`;
    const options = storageParameters(t.options, t.toastOptions);
    const parentCols = t.parentOid === null ? undefined : created.get(t.parentOid);
    if (t.parent) {
      pre.push(`${create} partition of ${t.parent} ${t.bound}${partitionBy}${options}`);
      if (parentCols) pre.push(...partitionColumns(qn(t.schema, t.name), cols.rows, parentCols));
    } else {
      pre.push(`${create} (${cols.rows.map(columnDef).join(', ')})${partitionBy}${options}`);
    }
    pre.push(...columnOptions(qn(t.schema, t.name), cols.rows, parentCols));
    created.set(t.oid, cols.rows);
    if (t.kind === 'r') tables.push({ schema: t.schema, name: t.name, columns: cols.rows.filter((col) => col.generated !== 's').map((col) => col.name) });
  }
  const cons = await c.query<{ rel: string; name: string; def: string; type: string }>(
    `select quote_ident(n.nspname) || '.' || quote_ident(c.relname) as rel, k.conname as name, pg_get_constraintdef(k.oid) as def, k.contype as type
     from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
     where ${USER_SCHEMAS} and ${DUMPED_CONSTRAINT} order by k.oid`,
  );
  const addConstraint = (k: (typeof cons.rows)[number]) => `alter table ${k.rel} add constraint ${qi(k.name)} ${k.def}`;
  for (const k of cons.rows) if (k.type !== 'f') post.push(addConstraint(k));
  // Indexes other than a constraint's own (a foreign key's conindid is the index it references, not its own).
  const idx = await c.query<{ def: string }>(
    `select pg_get_indexdef(i.indexrelid) as def from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
     where ${USER_SCHEMAS} and c.relkind in ('r', 'p')
       and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid and k.conrelid = i.indrelid and k.contype in ('p', 'u', 'x'))
       and not exists (select 1 from pg_inherits ih where ih.inhrelid = i.indexrelid) order by i.indexrelid`,
  );
  // An index on a partitioned table reads `ON ONLY` (pg_dump then attaches each partition's index);
  // created without ONLY it builds the partitions' indexes itself.
  for (const i of idx.rows) post.push(i.def.replace(/ ON ONLY /, ' ON '));
  // Foreign keys after the indexes: one may reference columns that a unique index covers, not a
  // constraint (hatchet's "Step" → "Action" ("actionId", "tenantId")).
  for (const k of cons.rows) if (k.type === 'f') post.push(addConstraint(k));
  // A view's options (security_barrier, check_option …) and a materialized view's storage parameters,
  // and whether it was populated (`with no data` stays so).
  const views = await c.query<{ oid: number; s: string; n: string; def: string; kind: string; options: string[] | null; populated: boolean }>(
    `select c.oid::int as oid, n.nspname as s, c.relname as n, pg_get_viewdef(c.oid) as def, c.relkind as kind, c.reloptions as options, c.relispopulated as populated
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where ${USER_SCHEMAS} and c.relkind in ('v', 'm') order by c.oid`,
  );
  const viewStmt = (v: (typeof views.rows)[number]) =>
    `create ${v.kind === 'm' ? 'materialized view' : 'view'} ${qn(v.s, v.n)}${storageParameters(v.options)} as ${v.def.replace(/;\s*$/, '')}${v.populated ? '' : ' with no data'}`;
  // Views, the functions made after the tables and aggregates, in creation order (each after what it reads).
  const late: Array<{ oid: number; stmt: string }> = [
    ...views.rows.map((v) => ({ oid: v.oid, stmt: viewStmt(v) })),
    ...types.filter((t) => lateTypes.has(t.oid)),
    ...lateFuncs.map((f) => ({ oid: f.oid, stmt: f.def })),
    ...(await aggregates(c)),
  ].sort((a, b) => a.oid - b.oid);
  for (const l of late) post.push(l.stmt);
  // A materialized view's indexes, once it exists.
  const mvIdx = await c.query<{ def: string }>(
    `select pg_get_indexdef(i.indexrelid) as def from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
     where ${USER_SCHEMAS} and c.relkind = 'm' order by i.indexrelid`,
  );
  for (const i of mvIdx.rows) post.push(i.def);
  // A view column's default (`alter view … alter column … set default`), rules other than a view's own
  // (`create rule … do instead …`), casts through user functions (PostgREST's domain ⇄ json casts), and a
  // domain's NOT VALID checks (`create domain` cannot say NOT VALID; added so, the rows are not checked).
  const extra = await c.query<{ stmt: string }>(
    `select format('alter view %s alter column %I set default %s', quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname, pg_get_expr(d.adbin, d.adrelid)) as stmt
       from pg_attrdef d join pg_class c on c.oid = d.adrelid join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
      where ${USER_SCHEMAS} and c.relkind = 'v'
     union all
     select pg_get_ruledef(r.oid) from pg_rewrite r join pg_class c on c.oid = r.ev_class join pg_namespace n on n.oid = c.relnamespace
      where ${USER_SCHEMAS} and r.rulename <> '_RETURN'
     union all
     select format('create cast (%s as %s) %s%s', format_type(k.castsource, null), format_type(k.casttarget, null),
                   case k.castmethod when 'f' then 'with function ' || k.castfunc::regprocedure::text when 'i' then 'with inout' else 'without function' end,
                   case k.castcontext when 'i' then ' as implicit' when 'a' then ' as assignment' else '' end)
       from pg_cast k where k.oid >= 16384 and ${NOT_EXTENSION('k')} and ${NOT_INTERNAL('k')}
     union all
     select format('alter domain %s add constraint %I %s', t.oid::regtype, k.conname, pg_get_constraintdef(k.oid))
       from pg_constraint k join pg_type t on t.oid = k.contypid join pg_namespace n on n.oid = t.typnamespace
      where ${USER_SCHEMAS} and k.contype = 'c' and not k.convalidated and ${NOT_EXTENSION('t')}`,
  );
  for (const x of extra.rows) post.push(x.stmt.replace(/;\s*$/, ''));
  const trg = await c.query<{ def: string }>(
    `select pg_get_triggerdef(t.oid) as def from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
     where ${USER_SCHEMAS} and ${DUMPED_TRIGGER} order by t.oid`,
  );
  for (const t of trg.rows) post.push(t.def);
  post.push(...(await tableState(c)), ...(await statisticsSettings(c)));
  post.push(...(await rowSecurity(c)));
  // Grants are not dumped (as pg_restore --no-acl, which eventdb uses): the restored objects belong to the restoring user.
  post.push(...(await comments(c)), ...colls.comments, ...search.comments);
  return { version: 1, server, preData: pre, postData: post, tables };
}

/**
 * Row-level security: each table's ENABLE and FORCE flags, then its policies (as pg_dump writes them).
 * Made at the end: after the rows are loaded (COPY FROM refuses a table whose policies apply to the
 * loading role) and after the functions and tables a policy's expression names. Without the flags a
 * table that denied every row would come back open to everyone.
 */
async function rowSecurity(c: pg.Client): Promise<string[]> {
  const r = await c.query<{ stmt: string }>(
    `select stmt from (
       select c.oid, 0 as step, 0::oid as pol, format('alter table %s enable row level security', c.oid::regclass) as stmt
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relrowsecurity and c.relkind in ('r', 'p') and ${USER_SCHEMAS} and ${NOT_EXTENSION('c')}
       union all
       select c.oid, 1, 0, format('alter table %s force row level security', c.oid::regclass)
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relforcerowsecurity and c.relkind in ('r', 'p') and ${USER_SCHEMAS} and ${NOT_EXTENSION('c')}
       union all
       select c.oid, 2, p.oid, format('create policy %I on %s as %s for %s to %s', p.polname, c.oid::regclass,
                case when p.polpermissive then 'permissive' else 'restrictive' end,
                case p.polcmd when 'r' then 'select' when 'a' then 'insert' when 'w' then 'update' when 'd' then 'delete' else 'all' end,
                (select string_agg(case when r.id = 0 then 'public' else quote_ident(pg_get_userbyid(r.id)) end, ', ' order by r.n)
                   from unnest(p.polroles) with ordinality r(id, n)))
              || coalesce(' using (' || pg_get_expr(p.polqual, p.polrelid) || ')', '')
              || coalesce(' with check (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')', '')
         from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p') and ${USER_SCHEMAS} and ${NOT_EXTENSION('c')}
     ) x order by oid, step, pol`,
  );
  return r.rows.map((x) => x.stmt);
}

/**
 * `comment on …` for each object the dump makes, as pg_dump keeps them: schemas, types (enums, domains,
 * composite and range types) and domain constraints, sequences (identity ones too), functions,
 * procedures and aggregates, casts, tables, views and their columns, constraints, indexes (those a
 * constraint made too, not the partitions' copies of a parent's index: their names are the server's
 * choice again), rules, triggers and policies. Objects of extensions are left to the extension.
 */
async function comments(c: pg.Client): Promise<string[]> {
  const r = await c.query<{ stmt: string }>(
    `select format('comment on %s %s is %L', case c.relkind when 'v' then 'view' when 'm' then 'materialized view' when 'S' then 'sequence'
                   when 'i' then 'index' when 'I' then 'index' else 'table' end, c.oid::regclass, d.description) as stmt
       from pg_description d join pg_class c on c.oid = d.objoid and d.classoid = 'pg_class'::regclass and d.objsubid = 0
       join pg_namespace n on n.oid = c.relnamespace
      where ${USER_SCHEMAS} and c.relkind in ('r', 'p', 'v', 'm', 'S', 'i', 'I') and ${NOT_EXTENSION('c')}
        and not exists (select 1 from pg_inherits ih where ih.inhrelid = c.oid and c.relkind in ('i', 'I'))
     union all
     select format('comment on column %s.%I is %L', c.oid::regclass, a.attname, d.description)
       from pg_description d join pg_class c on c.oid = d.objoid and d.classoid = 'pg_class'::regclass and d.objsubid > 0
       join pg_attribute a on a.attrelid = c.oid and a.attnum = d.objsubid
       join pg_namespace n on n.oid = c.relnamespace where ${USER_SCHEMAS} and c.relkind in ('r', 'p', 'v', 'm', 'c') and ${NOT_EXTENSION('c')}
     union all
     select format('comment on %s %s is %L', case t.typtype when 'd' then 'domain' else 'type' end, t.oid::regtype, d.description)
       from pg_description d join pg_type t on t.oid = d.objoid and d.classoid = 'pg_type'::regclass
       join pg_namespace n on n.oid = t.typnamespace
      where ${USER_SCHEMAS} and ${NOT_EXTENSION('t')}
        and (t.typtype in ('e', 'd', 'r') or t.typtype = 'c' and (select r.relkind from pg_class r where r.oid = t.typrelid) = 'c')
     union all
     select format('comment on %s %s is %L', case p.prokind when 'p' then 'procedure' else 'function' end, p.oid::regprocedure, d.description)
       from pg_description d join pg_proc p on p.oid = d.objoid and d.classoid = 'pg_proc'::regclass
       join pg_namespace n on n.oid = p.pronamespace where ${USER_SCHEMAS} and p.prokind in ('f', 'p') and ${NOT_EXTENSION('p')} and ${NOT_INTERNAL('p')}
     union all
     select format('comment on aggregate %s.%I(%s) is %L', quote_ident(n.nspname), p.proname, coalesce(nullif(pg_get_function_identity_arguments(p.oid), ''), '*'), d.description)
       from pg_description d join pg_proc p on p.oid = d.objoid and d.classoid = 'pg_proc'::regclass
       join pg_aggregate g on g.aggfnoid = p.oid join pg_namespace n on n.oid = p.pronamespace
      where ${USER_SCHEMAS} and g.aggkind = 'n' and ${NOT_EXTENSION('p')}
     union all
     select format('comment on constraint %I on %s is %L', k.conname, c.oid::regclass, d.description)
       from pg_description d join pg_constraint k on k.oid = d.objoid and d.classoid = 'pg_constraint'::regclass
       join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
      where ${USER_SCHEMAS} and ${DUMPED_CONSTRAINT}
     union all
     select format('comment on constraint %I on domain %s is %L', k.conname, k.contypid::regtype, d.description)
       from pg_description d join pg_constraint k on k.oid = d.objoid and d.classoid = 'pg_constraint'::regclass
       join pg_type t on t.oid = k.contypid join pg_namespace n on n.oid = t.typnamespace
      where ${USER_SCHEMAS} and k.contype = 'c' and ${NOT_EXTENSION('t')}
     union all
     select format('comment on rule %I on %s is %L', w.rulename, c.oid::regclass, d.description)
       from pg_description d join pg_rewrite w on w.oid = d.objoid and d.classoid = 'pg_rewrite'::regclass
       join pg_class c on c.oid = w.ev_class join pg_namespace n on n.oid = c.relnamespace
      where ${USER_SCHEMAS} and w.rulename <> '_RETURN'
     union all
     select format('comment on trigger %I on %s is %L', t.tgname, c.oid::regclass, d.description)
       from pg_description d join pg_trigger t on t.oid = d.objoid and d.classoid = 'pg_trigger'::regclass
       join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
      where ${USER_SCHEMAS} and ${DUMPED_TRIGGER}
     union all
     select format('comment on policy %I on %s is %L', p.polname, c.oid::regclass, d.description)
       from pg_description d join pg_policy p on p.oid = d.objoid and d.classoid = 'pg_policy'::regclass
       join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
      where ${USER_SCHEMAS} and ${NOT_EXTENSION('c')}
     union all
     select format('comment on cast (%s as %s) is %L', format_type(k.castsource, null), format_type(k.casttarget, null), d.description)
       from pg_description d join pg_cast k on k.oid = d.objoid and d.classoid = 'pg_cast'::regclass
      where k.oid >= 16384 and ${NOT_EXTENSION('k')} and ${NOT_INTERNAL('k')}
     union all
     select format('comment on schema %I is %L', n.nspname, d.description)
       from pg_description d join pg_namespace n on n.oid = d.objoid and d.classoid = 'pg_namespace'::regclass
       where ${USER_SCHEMAS} and not (n.nspname = 'public' and d.description = 'standard public schema')`,
  );
  return r.rows.map((x) => x.stmt);
}


/**
 * Composite types, domains and range types, in creation order (a domain over a composite, a composite of a
 * domain): what a table's column, a function's signature or another type may name.
 */
async function userTypes(c: pg.Client): Promise<Array<{ oid: number; stmt: string; refs: number[] }>> {
  const r = await c.query<{ oid: number; refs: number[]; s: string; n: string; kind: string; attrs: string | null; base: string | null; def: string | null; notnull: boolean; collate: string | null; checks: string | null; subtype: string | null; diff: string | null }>(
    `select t.oid::int as oid, n.nspname as s, t.typname as n, t.typtype as kind,
            case t.typtype when 'd' then array[t.typbasetype::int] when 'r' then array(select g.rngsubtype::int from pg_range g where g.rngtypid = t.oid)
                 else array(select a.atttypid::int from pg_attribute a where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped) end as refs,
            case when t.typtype = 'c' then (select string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
                   || case when a.attcollation <> 0 and a.attcollation <> (select bt.typcollation from pg_type bt where bt.oid = a.atttypid)
                           then ' collate ' || a.attcollation::regcollation::text else '' end, ', ' order by a.attnum)
                 from pg_attribute a where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped) end as attrs,
            case when t.typtype = 'd' then format_type(t.typbasetype, t.typtypmod) end as base,
            t.typdefault as def, t.typnotnull as notnull,
            case when t.typtype = 'd' and t.typcollation <> 0 and t.typcollation <> (select bt.typcollation from pg_type bt where bt.oid = t.typbasetype)
                 then t.typcollation::regcollation::text end as collate,
            (select string_agg('constraint ' || quote_ident(k.conname) || ' ' || pg_get_constraintdef(k.oid), ' ' order by k.oid)
               from pg_constraint k where k.contypid = t.oid and k.contype = 'c' and k.convalidated) as checks,
            case when t.typtype = 'r' then (select format_type(g.rngsubtype, null) from pg_range g where g.rngtypid = t.oid) end as subtype,
            case when t.typtype = 'r' then (select nullif(g.rngsubdiff, 0)::regproc::text from pg_range g where g.rngtypid = t.oid) end as diff
       from pg_type t join pg_namespace n on n.oid = t.typnamespace
      where ${USER_SCHEMAS} and ${NOT_EXTENSION('t')}
        and (t.typtype in ('d', 'r') or t.typtype = 'c' and (select r.relkind from pg_class r where r.oid = t.typrelid) = 'c')
      order by t.oid`,
  );
  const stmt = (t: (typeof r.rows)[number]): string => {
    if (t.kind === 'c') return `create type ${qn(t.s, t.n)} as (${t.attrs ?? ''})`;
    if (t.kind === 'r') return `create type ${qn(t.s, t.n)} as range (subtype = ${t.subtype}${t.diff ? `, subtype_diff = ${t.diff}` : ''})`;
    let d = `create domain ${qn(t.s, t.n)} as ${t.base}`;
    if (t.collate) d += ` collate ${t.collate}`;
    if (t.def !== null) d += ` default ${t.def}`;
    if (t.notnull) d += ' not null';
    if (t.checks) d += ` ${t.checks}`;
    return d;
  };
  return r.rows.map((t) => ({ oid: t.oid, refs: t.refs, stmt: stmt(t) }));
}

/** Plain aggregates (`create aggregate f(args) (sfunc, stype, finalfunc, combinefunc, initcond)`), with their creation order. */
async function aggregates(c: pg.Client): Promise<Array<{ oid: number; stmt: string }>> {
  const r = await c.query<{ oid: number; name: string; args: string; sfunc: string; stype: string; ffunc: string | null; cfunc: string | null; init: string | null }>(
    `select p.oid::int as oid, quote_ident(n.nspname) || '.' || quote_ident(p.proname) as name, pg_get_function_identity_arguments(p.oid) as args,
            a.aggtransfn::regproc::text as sfunc, format_type(a.aggtranstype, null) as stype, nullif(a.aggfinalfn, 0)::regproc::text as ffunc,
            nullif(a.aggcombinefn, 0)::regproc::text as cfunc, a.agginitval as init
       from pg_aggregate a join pg_proc p on p.oid = a.aggfnoid join pg_namespace n on n.oid = p.pronamespace
      where ${USER_SCHEMAS} and ${NOT_EXTENSION('p')} and a.aggkind = 'n'
      order by p.oid`,
  );
  return r.rows.map((a) => {
    const opts = [`sfunc = ${a.sfunc}`, `stype = ${a.stype}`];
    if (a.ffunc) opts.push(`finalfunc = ${a.ffunc}`);
    if (a.cfunc) opts.push(`combinefunc = ${a.cfunc}`);
    if (a.init !== null) opts.push(`initcond = '${a.init.replace(/'/g, "''")}'`);
    return { oid: a.oid, stmt: `create aggregate ${a.name}(${a.args || '*'}) (${opts.join(', ')})` };
  });
}

export async function sequenceValues(c: pg.Client): Promise<SequenceValue[]> {
  const r = await c.query<{ name: string }>(
    `select quote_ident(n.nspname) || '.' || quote_ident(c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind = 'S' and ${USER_SCHEMAS} order by 1`,
  );
  const out: SequenceValue[] = [];
  for (const { name } of r.rows) {
    const v = await c.query<{ v: string; called: boolean }>(`select last_value::text as v, is_called as called from ${name}`);
    out.push({ name, value: v.rows[0]!.v, called: v.rows[0]!.called });
  }
  return out;
}

/** Runs `copy <table> (<columns>)` + its destination and yields the COPY text, in chunks of any size (rows may span chunks). */
export type CopyOut = (copySql: string) => AsyncIterable<Uint8Array>;

const FRAME_BYTES = 1 << 20;

function countRows(b: Uint8Array): number {
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * The dump as a byte stream: magic, header (schema), each table's COPY text in frames of about
 * 1 MB with its row count, sequence values, end. Runs inside the caller's transaction; fills
 * `tables` (table → rows) as it goes, so the manifest gets the counts of what was written.
 */
export function writeOwnDump(c: pg.Client, server: string, tables: Record<string, number>, copyOut: CopyOut): Readable {
  let at = 'the schema';
  async function* gen(): AsyncGenerator<Buffer> {
    yield Buffer.from(DUMP_MAGIC, 'latin1');
    // As pg_dump: a table whose policies apply to this role fails the copy instead of yielding only the
    // rows the role may see (the table's owner under FORCE ROW LEVEL SECURITY got none, silently).
    await c.query("select pg_catalog.set_config('row_security', 'off', true)");
    const header = await readSchema(c, server);
    yield frame('H', JSON.stringify(header));
    for (const t of header.tables) {
      yield frame('T', JSON.stringify(t));
      at = `table ${qn(t.schema, t.name)}`;
      let rows = 0;
      let pending: Uint8Array[] = [];
      let pendingSize = 0;
      for await (const chunk of copyOut(`copy ${copyTarget(t.schema, t.name, t.columns)}`)) {
        for (let off = 0; off < chunk.length; off += FRAME_BYTES) {
          const piece = chunk.subarray(off, off + FRAME_BYTES);
          rows += countRows(piece);
          pending.push(piece);
          pendingSize += piece.length;
          if (pendingSize >= FRAME_BYTES) {
            yield frame('D', Buffer.concat(pending, pendingSize));
            pending = [];
            pendingSize = 0;
          }
        }
      }
      if (pendingSize > 0) yield frame('D', Buffer.concat(pending, pendingSize));
      yield frame('E', JSON.stringify({ rows }));
      tables[tableKey(t.schema, t.name)] = rows;
    }
    at = 'the sequences';
    yield frame('S', JSON.stringify(await sequenceValues(c)));
    yield frame('Z', JSON.stringify({ tables }));
  }
  // A failure of the dump (a query the server refuses: `permission denied for table …`) is the
  // database's, said so: a store that sees a plain error from its body would call it its own ("cannot write …").
  async function* guarded(): AsyncGenerator<Buffer> {
    try {
      yield* gen();
    } catch (e) {
      if (e instanceof EventdbError) throw e;
      const hint = /row-level security/.test(messageOf(e))
        ? 'back up as a role that row-level security does not filter (a superuser, one with BYPASSRLS, or the owner of a table without FORCE ROW LEVEL SECURITY); nothing was stored'
        : 'check that the connecting role can read every table (SELECT) and the catalogs; nothing was stored';
      throw new EventdbError('BACKUP_FAILED', `eventdb's dump failed reading ${at}: ${messageOf(e)}`, hint, { cause: e });
    }
  }
  return Readable.from(guarded(), { objectMode: false });
}
