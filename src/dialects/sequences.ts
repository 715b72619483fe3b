/**
 * Sequences behind `nextval('…')` defaults (issue 17): a `serial` column, or a column drawing from a
 * sequence of its own (pagila's), is pulled with its `nextval('t_id_seq'::regclass)` default; the
 * declaration does not name the sequence, so the planner creates it before the table that needs it.
 * PostgreSQL and DuckDB (`nextval('seq_person')`, without the cast) spell it alike.
 */

/** `nextval('public.t_id_seq'::regclass)` → `public.t_id_seq` as the default writes it (SQL identifier syntax) and `t_id_seq` as pg_class names it. */
export function sequenceOf(expression: string): { sql: string; name: string } | undefined {
  const m = /^\s*nextval\(\s*'((?:[^']|'')+)'(?:::regclass)?\s*\)\s*$/i.exec(expression);
  if (!m) return undefined;
  const name = m[1]!.replace(/''/g, "'");
  return { sql: name, name: sequenceRelname(name) };
}

/** The unqualified name of a sequence as the catalog lists it (`public."Odd"` → `Odd`, `T_seq` → `t_seq`). */
export function sequenceRelname(name: string): string {
  const parts = name.match(/"(?:[^"]|"")*"|[^.]+/g) ?? [name];
  const last = parts[parts.length - 1]!;
  return /^".*"$/.test(last) ? last.slice(1, -1).replace(/""/g, '"') : last.toLowerCase();
}

export const createSequence = (name: string) => `create sequence ${name}`;
export const dropSequence = (name: string) => `drop sequence ${name}`;
