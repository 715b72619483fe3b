import { quoteIdent as qi } from '../quote.js';

/**
 * The pieces of eventdb's own PostgreSQL dump's catalog queries that several readers share: which
 * schemas and objects are dumped, and how a name, a literal or a storage parameter list is written.
 */

export const qn = (schema: string, name: string) => `${qi(schema)}.${qi(name)}`;

/** An SQL string literal (standard_conforming_strings is on from PostgreSQL 9.1). */
export const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The schemas the dump reads (`n`: pg_namespace): not the system's. */
export const USER_SCHEMAS = "n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'";

/**
 * The table constraints the dump makes (`k` on table `c`): a partition's copy of its parent's constraint
 * (conparentid) and an inherited one are made again by the parent's.
 */
export const DUMPED_CONSTRAINT = "c.relkind in ('r', 'p') and k.contype in ('p', 'u', 'c', 'f', 'x') and k.conislocal and k.conparentid = 0";
/**
 * The triggers the dump makes (`t`): a partition's copy of its parent's trigger (tgparentid, PostgreSQL 13+;
 * internal before) is made again by the parent's: read through to_jsonb so the query runs on servers without the column.
 */
export const DUMPED_TRIGGER = "not t.tgisinternal and coalesce((to_jsonb(t) ->> 'tgparentid')::oid, 0) = 0";
/**
 * Not made by another object (deptype 'i'): a range type's constructor functions and its multirange's
 * casts (PostgreSQL 14+) come with `create type … as range`; made again, the cast "already exists" and
 * the functions need `language internal`, which only a superuser may use.
 */
export const NOT_INTERNAL = (alias: string) => `not exists (select 1 from pg_depend d where d.objid = ${alias}.oid and d.deptype = 'i')`;
export const NOT_EXTENSION = (alias: string) => `not exists (select 1 from pg_depend d where d.objid = ${alias}.oid and d.deptype = 'e')`;

/**
 * ` with (name='value', …)` of a relation's storage parameters as pg_class.reloptions holds them
 * (`fillfactor=70`, a view's `check_option=local`), its TOAST table's prefixed `toast.`; '' when none.
 * A name is the server's (it accepts only the parameters it knows); the value is quoted, as pg_dump does.
 */
export function storageParameters(options: readonly string[] | null, toast: readonly string[] | null = null): string {
  const all = [...(options ?? []), ...(toast ?? []).map((o) => `toast.${o}`)];
  return all.length ? ` with (${parameterList(all)})` : '';
}

/** `name='value', …` of `name=value` options (reloptions, a column's attoptions). */
export function parameterList(options: readonly string[]): string {
  return options.map(parameter).join(', ');
}

function parameter(option: string): string {
  const eq = option.indexOf('=');
  const name = eq === -1 ? option : option.slice(0, eq);
  const key = /^[a-z_][a-z0-9_$]*(\.[a-z_][a-z0-9_$]*)?$/.test(name) ? name : qi(name);
  return eq === -1 ? key : `${key}=${literal(option.slice(eq + 1))}`;
}
