import { quoteIdent as qi } from '../quote.js';
import { parameterList, qn } from './own-dump-filters.js';

/**
 * A table's columns in eventdb's own PostgreSQL dump: how `create table` writes each one (type, collation,
 * generated, identity, default, NOT NULL), and the column settings pg_dump keeps that `create table` cannot
 * say (statistics target, storage, compression, attribute options).
 */

/** A table's column as the dump reads it; `seq*`: its identity sequence (null when it has none). */
export interface ColumnRow {
  name: string;
  type: string;
  /** The column's collation (qualified) when it is not its type's. */
  collation: string | null;
  notnull: boolean;
  def: string | null;
  identity: string;
  generated: string;
  seqSchema: string | null;
  seqName: string | null;
  start: string;
  inc: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  /** `set statistics`: -1 when the server's default. */
  stattarget: number;
  /** attstorage and its type's typstorage: a column whose storage differs was `set storage`. */
  storage: string;
  typstorage: string;
  /** attcompression (PostgreSQL 14+): null for the default. */
  compression: string | null;
  /**
   * attoptions (`n_distinct=100`). Those named `pg_…` are the server's own, not set by a user: pg_dump leaves
   * them out (PostgreSQL 15.20's `pg_attver=…`, which each column is given when made).
   */
  options: string[] | null;
}

/**
 * A table's columns, each with its identity sequence's name and options (the sequence depends on the column,
 * deptype 'i'). attcompression is read through to_jsonb, so the query runs on servers without it (before 14).
 */
export const COLUMNS = `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as notnull, pg_get_expr(d.adbin, d.adrelid) as def,
         case when a.attcollation <> 0 and a.attcollation <> ty.typcollation then a.attcollation::regcollation::text end as collation,
         a.attidentity as identity, a.attgenerated as generated,
         sn.nspname as "seqSchema", sc.relname as "seqName", q.seqstart::text as start, q.seqincrement::text as inc, q.seqmin::text as min,
         q.seqmax::text as max, q.seqcache::text as cache, q.seqcycle as cycle,
         coalesce(a.attstattarget::int, -1) as stattarget, a.attstorage as storage, ty.typstorage as typstorage,
         nullif(to_jsonb(a) ->> 'attcompression', '') as compression, a.attoptions as options
  from pg_attribute a join pg_type ty on ty.oid = a.atttypid left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
  left join pg_depend sd on a.attidentity <> '' and sd.classid = 'pg_class'::regclass and sd.refclassid = 'pg_class'::regclass
        and sd.refobjid = a.attrelid and sd.refobjsubid = a.attnum and sd.deptype = 'i'
        and exists (select 1 from pg_sequence x where x.seqrelid = sd.objid)
  left join pg_sequence q on q.seqrelid = sd.objid
  left join pg_class sc on sc.oid = q.seqrelid left join pg_namespace sn on sn.oid = sc.relnamespace
  where a.attrelid = $1 and a.attnum > 0 and not a.attisdropped order by a.attnum`;

/** A column of `create table`. */
export function columnDef(col: ColumnRow): string {
  let s = `${qi(col.name)} ${col.type}`;
  if (col.collation) s += ` collate ${col.collation}`;
  if (col.generated === 's') s += ` generated always as (${col.def}) stored`;
  else if (col.identity) s += identityClause(col);
  else if (col.def !== null) s += ` default ${col.def}`;
  if (col.notnull) s += ' not null';
  return s;
}

/**
 * What `create table … partition of` does not give a partition: it takes its parent's column defaults and
 * NOT NULLs, but a table attached as a partition keeps its own (hatchet's daily partitions, made before
 * being attached, have no defaults where the parent has some; one may have a default of its own).
 */
export function partitionColumns(table: string, own: readonly ColumnRow[], parent: readonly ColumnRow[]): string[] {
  const out: string[] = [];
  const byName = new Map(parent.map((p) => [p.name, p]));
  for (const col of own) {
    const p = byName.get(col.name);
    if (!p || col.generated || col.identity || p.generated || p.identity) continue;
    if (col.def !== p.def) out.push(`alter table ${table} alter column ${qi(col.name)} ${col.def === null ? 'drop default' : `set default ${col.def}`}`);
    if (col.notnull && !p.notnull) out.push(`alter table ${table} alter column ${qi(col.name)} set not null`);
  }
  return out;
}

const STORAGE: Record<string, string> = { p: 'plain', e: 'external', m: 'main', x: 'extended' };
const COMPRESSION: Record<string, string> = { p: 'pglz', l: 'lz4' };

/**
 * `alter table only … alter column …` for what `create table` leaves at the default and the source had set:
 * statistics target, storage, compression, attribute options (`n_distinct`), as pg_dump writes them. A
 * partition (`parent`: its parent's columns) may take the parent's storage and compression when made:
 * its own are then set whenever either differs from the default.
 */
export function columnOptions(table: string, own: readonly ColumnRow[], parent?: readonly ColumnRow[]): string[] {
  const out: string[] = [];
  const byName = new Map((parent ?? []).map((p) => [p.name, p]));
  for (const col of own) {
    const p = byName.get(col.name);
    const alter = `alter table only ${table} alter column ${qi(col.name)}`;
    if (col.stattarget >= 0 || (p && p.stattarget >= 0)) out.push(`${alter} set statistics ${col.stattarget}`);
    const storage = STORAGE[col.storage];
    if (storage && (col.storage !== col.typstorage || (p && p.storage !== p.typstorage))) out.push(`${alter} set storage ${storage}`);
    if (col.compression || p?.compression) out.push(`${alter} set compression ${COMPRESSION[col.compression ?? ''] ?? 'default'}`);
    const options = (col.options ?? []).filter((o) => !o.startsWith('pg_'));
    if (options.length) out.push(`${alter} set (${parameterList(options)})`);
  }
  return out;
}

/**
 * ` generated … as identity (sequence name … start with … …)`, as pg_dump writes it: the sequence keeps
 * its name — a table renamed after its identity column was made keeps the old name (`t_new_id_seq` of
 * `t`), and the dump sets that sequence's value by it — and its options (start, increment, bounds, cache,
 * cycle), else the restored column would count from 1 by 1.
 */
function identityClause(col: ColumnRow): string {
  const kind = col.identity === 'a' ? 'always' : 'by default';
  if (col.seqName === null || col.seqSchema === null) return ` generated ${kind} as identity`;
  const opts = `sequence name ${qn(col.seqSchema, col.seqName)} start with ${col.start} increment by ${col.inc} minvalue ${col.min} maxvalue ${col.max} cache ${col.cache} ${col.cycle ? 'cycle' : 'no cycle'}`;
  return ` generated ${kind} as identity (${opts})`;
}
