import { sql, type Kysely } from 'kysely';
import { typeFamily } from '../type-family.js';
import { collapseSql } from '../sql-text.js';
import type { ColumnInfo, ForeignKeyInfo, IndexInfo, SchemaSnapshot, TableInfo, TriggerInfo, ViewInfo } from '../types.js';

const FK_ACTION: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

/** Tables, columns, indexes and foreign keys of the current schema: one catalog query per kind. */
export async function introspectPostgres(db: Kysely<any>): Promise<SchemaSnapshot> {
  const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s ?? 'public';
  const cols = await sql<{ table: string; name: string; type: string; nullable: boolean; default: string | null; position: number; typtype: string; basetype: string | null; collation: string | null; identity: string; generated: string }>`
    select c.relname as "table", a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
           not a.attnotnull as nullable, pg_get_expr(d.adbin, d.adrelid) as "default", a.attnum::int as position,
           t.typtype, case when t.typtype = 'd' then format_type(t.typbasetype, t.typtypmod) end as basetype,
           (select co.collname from pg_collation co where co.oid = a.attcollation and a.attcollation <> t.typcollation) as collation,
           a.attidentity::text as identity, a.attgenerated::text as generated
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      join pg_type t on t.oid = a.atttypid
      left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
     where n.nspname = current_schema() and c.relkind in ('r', 'p')
     order by c.relname, a.attnum`.execute(db);
  const idx = await sql<{ table: string; name: string; unique: boolean; primary: boolean; invalid: boolean; columns: string[]; include: string[]; nulls_not_distinct: boolean; where: string | null; definition: string }>`
    select t.relname as "table", i.relname as name, ix.indisunique as "unique", ix.indisprimary as "primary", not ix.indisvalid as invalid,
           pg_get_indexdef(ix.indexrelid) as definition,
           array(select pg_get_indexdef(ix.indexrelid, k.ord::int, true)
                        -- what the key keeps beside its column or expression, as pg_get_indexdef writes it:
                        -- a collation other than the column's, an operator class other than the default, the order
                        || case when ix.indkey[k.ord - 1] <> 0 and ix.indcollation[k.ord - 1] <> 0
                                 and ix.indcollation[k.ord - 1] <> (select a.attcollation from pg_attribute a where a.attrelid = ix.indrelid and a.attnum = ix.indkey[k.ord - 1])
                                then (select ' COLLATE ' || quote_ident(co.collname) from pg_collation co where co.oid = ix.indcollation[k.ord - 1]) else '' end
                        || coalesce((select ' ' || case when ocn.nspname in ('pg_catalog', current_schema()) then quote_ident(oc.opcname) else quote_ident(ocn.nspname) || '.' || quote_ident(oc.opcname) end
                                       from pg_opclass oc join pg_namespace ocn on ocn.oid = oc.opcnamespace
                                      where oc.oid = ix.indclass[k.ord - 1] and not oc.opcdefault), '')
                        || case when ix.indoption[k.ord - 1] & 1 <> 0 then ' DESC' || case when ix.indoption[k.ord - 1] & 2 = 0 then ' NULLS LAST' else '' end
                                when ix.indoption[k.ord - 1] & 2 <> 0 then ' NULLS FIRST' else '' end
                   from generate_subscripts(ix.indkey, 1) with ordinality as k(sub, ord)
                  where k.ord <= ix.indnkeyatts order by k.ord) as columns,
           array(select a.attname::text from generate_subscripts(ix.indkey, 1) with ordinality as k(sub, ord)
                   join pg_attribute a on a.attrelid = ix.indrelid and a.attnum = ix.indkey[k.ord - 1]
                  where k.ord > ix.indnkeyatts order by k.ord) as include,
           -- PostgreSQL 15+; read through to_jsonb so that older servers, which lack the column, answer null
           coalesce((to_jsonb(ix) ->> 'indnullsnotdistinct')::boolean, false) as nulls_not_distinct,
           pg_get_expr(ix.indpred, ix.indrelid) as "where"
      from pg_index ix
      join pg_class t on t.oid = ix.indrelid
      join pg_class i on i.oid = ix.indexrelid
      join pg_namespace n on n.oid = t.relnamespace
     where n.nspname = current_schema() and t.relkind in ('r', 'p')
     order by t.relname, i.relname`.execute(db);
  const fks = await sql<{ name: string; table: string; ref_table: string; columns: string[]; ref_columns: string[]; del: string; upd: string; validated: boolean }>`
    select con.conname as name, t.relname as "table", rt.relname as ref_table,
           array(select a.attname::text from unnest(con.conkey) with ordinality k(n, ord)
                   join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.n order by k.ord) as columns,
           array(select a.attname::text from unnest(con.confkey) with ordinality k(n, ord)
                   join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.n order by k.ord) as ref_columns,
           con.confdeltype as del, con.confupdtype as upd, con.convalidated as validated
      from pg_constraint con
      join pg_class t on t.oid = con.conrelid
      join pg_class rt on rt.oid = con.confrelid
      join pg_namespace n on n.oid = t.relnamespace
     where con.contype = 'f' and n.nspname = current_schema()
       -- a foreign key to a partitioned table is cloned, on the same table, for each partition it refers
       -- to (conparentid → the key itself): PostgreSQL's bookkeeping, not a key anyone declared (pg_dump skips them)
       and not exists (select 1 from pg_constraint p where p.oid = con.conparentid and p.conrelid = con.conrelid)
     order by t.relname, con.conname`.execute(db);

  const views = await sql<{ name: string; kind: string; definition: string }>`
    select c.relname as name, c.relkind::text as kind, pg_get_viewdef(c.oid, true) as definition
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = current_schema() and c.relkind in ('v', 'm')
     order by c.relname`.execute(db);
  const triggers = await sql<{ name: string; table: string; definition: string }>`
    select tg.tgname as name, c.relname as "table", pg_get_triggerdef(tg.oid, true) as definition
      from pg_trigger tg join pg_class c on c.oid = tg.tgrelid join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = current_schema() and not tg.tgisinternal
     order by c.relname, tg.tgname`.execute(db);

  // schema as code (issue 17): CHECK constraints and enumerated types
  const checkRows = await sql<{ table: string; name: string; def: string; validated: boolean }>`
    select t.relname as "table", con.conname as name, pg_get_constraintdef(con.oid, true) as def, con.convalidated as validated
      from pg_constraint con join pg_class t on t.oid = con.conrelid join pg_namespace n on n.oid = t.relnamespace
     where con.contype = 'c' and n.nspname = current_schema() and t.relkind in ('r', 'p')
     order by t.relname, con.conname`.execute(db);
  const enumRows = await sql<{ name: string; values: string[] }>`
    select t.typname as name, array(select e.enumlabel::text from pg_enum e where e.enumtypid = t.oid order by e.enumsortorder) as values
      from pg_type t join pg_namespace n on n.oid = t.typnamespace
     where n.nspname = current_schema() and t.typtype = 'e'
     order by t.typname`.execute(db);

  const sequences = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = current_schema() and c.relkind = 'S' order by c.relname`.execute(db);

  const elsewhere = await sql<{ schema: string; tables: number }>`
    select n.nspname as schema, count(*)::int as tables from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p') and not c.relispartition and n.nspname <> current_schema()
       and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_'
     group by n.nspname order by n.nspname`.execute(db);

  const partitioned = await sql<{ table: string; partitions: string[] }>`
    select c.relname as "table",
           array(select case when pn.nspname = current_schema() then pc.relname::text else pn.nspname || '.' || pc.relname end
                   from pg_inherits i join pg_class pc on pc.oid = i.inhrelid join pg_namespace pn on pn.oid = pc.relnamespace
                  where i.inhparent = c.oid order by 1) as partitions
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind = 'p' and n.nspname = current_schema()
     order by c.relname`.execute(db);

  const tables = new Map<string, TableInfo>();
  for (const r of cols.rows) {
    let t = tables.get(r.table);
    if (!t) tables.set(r.table, (t = { name: r.table, columns: [], primaryKey: [] }));
    const effective = r.basetype ?? r.type;
    const col: ColumnInfo = {
      name: r.name,
      type: r.type,
      family: r.typtype === 'e' ? 'text' : typeFamily(effective),
      nullable: r.nullable,
      // a generated column's expression is in pg_attrdef too: reported as `generated`, not as a default (issue 17)
      default: r.generated === 's' || r.generated === 'v' ? null : r.default,
      ...(r.generated === 's' || r.generated === 'v' ? { generated: { expression: r.default ?? '', stored: r.generated === 's' } } : {}),
      position: r.position,
      ...(r.collation ? { collation: r.collation } : {}),
      ...(r.identity === 'a' ? { identity: 'always' as const } : r.identity === 'd' ? { identity: 'by default' as const } : {}),
    };
    t.columns.push(col);
  }
  const indexes: IndexInfo[] = idx.rows.map((r) => ({
    name: r.name,
    table: r.table,
    columns: r.columns.map(unquote),
    unique: r.unique,
    primary: r.primary,
    ...(r.include.length ? { include: r.include } : {}),
    ...(r.nulls_not_distinct ? { nullsNotDistinct: true } : {}),
    ...(r.where ? { where: r.where } : {}),
    definition: unqualified(collapseSql(r.definition)),
    ...(r.invalid ? { invalid: true as const } : {}),
  }));
  for (const i of indexes) if (i.primary) {
    const t = tables.get(i.table);
    if (t) t.primaryKey = i.columns;
  }
  const foreignKeys: ForeignKeyInfo[] = fks.rows.map((r) => ({
    name: r.name,
    table: r.table,
    columns: r.columns,
    refTable: r.ref_table,
    refColumns: r.ref_columns,
    onDelete: FK_ACTION[r.del] ?? r.del,
    onUpdate: FK_ACTION[r.upd] ?? r.upd,
    ...(r.validated === false ? { validated: false } : {}),
  }));
  const viewList: ViewInfo[] = views.rows.map((r) => ({ name: r.name, materialized: r.kind === 'm', definition: collapseSql(r.definition) }));
  const triggerList: TriggerInfo[] = triggers.rows.map((r) => ({ name: r.name, table: r.table, definition: unqualified(collapseSql(r.definition)) }));
  const checks = checkRows.rows.map((r) => ({ table: r.table, name: r.name, expression: checkExpression(r.def), ...(r.validated === false ? { validated: false } : {}) }));
  const enums = enumRows.rows.map((r) => ({ name: r.name, values: r.values }));
  return { engine: 'postgres', schema, tables: [...tables.values()], indexes, foreignKeys, views: viewList, triggers: triggerList, checks, enums, sequences: sequences.rows.map((r) => r.name), ...(elsewhere.rows.length ? { elsewhere: elsewhere.rows } : {}), ...(partitioned.rows.length ? { partitioned: partitioned.rows } : {}) };
}

function unquote(s: string): string {
  return /^"(?:[^"]|"")*"$/.test(s) ? s.slice(1, -1).replace(/""/g, '"') : s; // one quoted name, not `"a" COLLATE "C"`
}

/**
 * An index or trigger definition without the schema PostgreSQL puts before the table (`ON public.users`),
 * so that the same object in another schema (the drift check's scratch database) reads the same.
 */
function unqualified(def: string): string {
  return def.replace(/ ON (ONLY )?("(?:[^"]|"")+"|[^\s."]+)\./, ' ON $1');
}

/** `CHECK ((a > b)) NOT VALID` → `(a > b)`: the expression inside `CHECK (…)`. */
function checkExpression(def: string): string {
  const m = /^CHECK \(([\s\S]*)\)(?: NOT VALID)?$/.exec(def.trim());
  return m ? m[1]!.trim() : def;
}
