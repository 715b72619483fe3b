/**
 * The random declaration edits of the migrate diff property test (issue 17): a seeded PRNG, one random
 * edit of a declaration (add, drop and rename tables and columns, type change, nullability, default,
 * unique, index, partial index, foreign key with actions, check; enum types: a new one with a column
 * using it, a value added, an enum column dropped — on SQLite an enum column is text), and rows to fill
 * a step's tables with.
 */
import { sql } from 'kysely';
import type { Connection } from '../../../src/dialects/types.js';
import type { RenameSpec } from '../../../src/schema/generate/command.js';
import type { ExpectedColumn, ExpectedEnum, ExpectedSchema, ExpectedTable, ReferentialAction } from '../../../src/schema/model.js';
import { col, int, table, text } from './project.js';

/** mulberry32: a small seeded PRNG. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)]! };
}
export type Rng = ReturnType<typeof rng>;

export interface Edit {
  label: string;
  schema: ExpectedSchema;
  allowDrop?: boolean;
  renames?: RenameSpec[];
  /** The edit changes nothing on this engine (an enum value on SQLite, where an enum column is text): no migration. */
  noChange?: boolean;
}

const clone = (s: ExpectedSchema): ExpectedSchema => JSON.parse(JSON.stringify(s)) as ExpectedSchema;
/** The enum type a column is declared with (its PostgreSQL/DuckDB type names it), if any. */
const enumOf = (s: ExpectedSchema, c: ExpectedColumn): ExpectedEnum | undefined => (typeof c.type === 'object' && c.type ? (s.enums ?? []).find((e) => (c.type as Record<string, string>).postgres === e.name) : undefined);
/** An enum column: the type's name where the engine has enum types, text on SQLite. */
const enumCol = (name: string, e: ExpectedEnum, nullable: boolean) => col(name, 'text', { postgres: e.name, sqlite: 'text', duckdb: e.name }, nullable);
const isText = (c: ExpectedColumn) => c.family === 'text';
const fkCols = (s: ExpectedSchema, t: ExpectedTable) => new Set([...(t.foreignKeys ?? []).flatMap((f) => f.columns), ...s.tables.flatMap((o) => (o.foreignKeys ?? []).filter((f) => f.references.table === t.name).flatMap((f) => f.references.columns))]);
const indexed = (t: ExpectedTable) => new Set((t.indexes ?? []).flatMap((i) => i.columns));
/** Columns a check of the table names (kept from drops, renames and type changes: the check would have to change too). */
const checked = (t: ExpectedTable) => new Set(t.columns.map((c) => c.name).filter((c) => (t.checks ?? []).some((k) => new RegExp(`\\b${c}\\b`).test(k.expression))));
/** A check every value the test writes passes (ids, `v…`/`f…` texts and the edits' defaults), or NULL. */
const checkOn = (c: ExpectedColumn) => (isText(c) ? `length(${c.name}) > 0` : `${c.name} >= 0`);
const ACTIONS_DELETE: ReferentialAction[] = ['CASCADE', 'RESTRICT', 'SET NULL', 'NO ACTION'];
const ACTIONS_UPDATE: ReferentialAction[] = ['CASCADE', 'RESTRICT', 'NO ACTION'];

/** One random edit of the declaration, or undefined when the chosen kind does not apply. */
export function edit(s0: ExpectedSchema, r: Rng, n: { v: number }, opts: { namedChecks?: boolean; enumTypes?: boolean } = {}): Edit | undefined {
  const s = clone(s0);
  const name = (p: string) => `${p}${++n.v}`;
  const tables = s.tables;
  const t = tables.length ? r.pick(tables) : undefined;
  // enum columns take only the enum edits (their values are the type's, not the text edits')
  const plain = t ? t.columns.filter((c) => !t.primaryKey.includes(c.name) && !fkCols(s, t).has(c.name) && !enumOf(s, c)) : [];
  const free = t ? plain.filter((c) => !checked(t).has(c.name)) : [];
  const kind = tables.length < 2 ? 'add-table' : r.pick(['add-table', 'drop-table', 'rename-table', 'add-column', 'add-column', 'drop-column', 'rename-column', 'type', 'nullability', 'default', 'unique', 'index', 'partial-index', 'drop-index', 'foreign-key', 'drop-foreign-key', 'check', 'drop-check', 'add-enum-column', 'add-enum-value', 'drop-enum-column']);
  switch (kind) {
    case 'add-table': {
      const cols = [int('id', false), r.next() < 0.5 ? text(name('c')) : int(name('c'))];
      const nt = table(name('t'), cols);
      // DuckDB reports its own name for a check (`<table>_<column>_check`), so a named one cannot round-trip there
      if (opts.namedChecks !== false && r.next() < 0.3) nt.checks = [{ name: name(`ck_${nt.name}_`), expression: checkOn(cols[1]!) }];
      if (tables.length && r.next() < 0.5) {
        const parent = r.pick(tables);
        const c = name('ref');
        nt.columns.push(int(c));
        nt.foreignKeys = [{ columns: [c], references: { table: parent.name, columns: ['id'] }, onDelete: r.pick(ACTIONS_DELETE), onUpdate: r.pick(ACTIONS_UPDATE) }];
      }
      tables.push(nt);
      return { label: `add table ${nt.name}`, schema: s };
    }
    case 'drop-table': {
      const leaves = tables.filter((x) => !tables.some((o) => o !== x && (o.foreignKeys ?? []).some((f) => f.references.table === x.name)));
      if (!leaves.length) return undefined;
      const x = r.pick(leaves);
      s.tables = tables.filter((y) => y !== x);
      return { label: `drop table ${x.name}`, schema: s, allowDrop: true };
    }
    case 'rename-table': {
      const to = name('t');
      const from = t!.name;
      t!.name = to;
      for (const o of tables) for (const f of o.foreignKeys ?? []) if (f.references.table === from) f.references.table = to;
      return { label: `rename table ${from} → ${to}`, schema: s, renames: [{ table: to, fromTable: from }] };
    }
    case 'add-column': {
      const c = r.next() < 0.5 ? int(name('c'), r.next() < 0.7, {}) : text(name('c'), r.next() < 0.7, {});
      if (!c.nullable) c.default = isText(c) ? "'x'" : '0';
      t!.columns.push(c);
      return { label: `add column ${t!.name}.${c.name}${c.nullable ? '' : ' not null default'}`, schema: s };
    }
    case 'drop-column': {
      const cands = free.filter((c) => !indexed(t!).has(c.name));
      if (!cands.length) return undefined;
      const c = r.pick(cands);
      t!.columns = t!.columns.filter((x) => x !== c);
      return { label: `drop column ${t!.name}.${c.name}`, schema: s, allowDrop: true };
    }
    case 'rename-column': {
      if (!free.length) return undefined;
      const c = r.pick(free);
      const from = c.name;
      c.name = name('c');
      for (const i of t!.indexes ?? []) {
        i.columns = i.columns.map((x) => (x === from ? c.name : x));
        if (i.where) i.where = i.where.replace(new RegExp(`\\b${from}\\b`), c.name);
      }
      return { label: `rename column ${t!.name}.${from} → ${c.name}`, schema: s, renames: [{ table: t!.name, from, to: c.name }] };
    }
    case 'type': {
      const ints = free.filter((c) => !isText(c) && !indexed(t!).has(c.name) && c.default === undefined);
      if (!ints.length) return undefined;
      const c = r.pick(ints);
      Object.assign(c, text(c.name, c.nullable));
      return { label: `type of ${t!.name}.${c.name}: integer → text`, schema: s };
    }
    case 'nullability': {
      if (!plain.length) return undefined;
      const c = r.pick(plain);
      c.nullable = !c.nullable;
      return { label: `${t!.name}.${c.name} ${c.nullable ? 'nullable' : 'not null'}`, schema: s };
    }
    case 'default': {
      if (!plain.length) return undefined;
      const c = r.pick(plain);
      if (c.default === undefined) c.default = isText(c) ? "'d'" : '7';
      else if (c.nullable) delete c.default;
      else c.default = c.default === (isText(c) ? "'d'" : '7') ? (isText(c) ? "'e'" : '8') : isText(c) ? "'d'" : '7';
      return { label: `default of ${t!.name}.${c.name}: ${c.default ?? 'none'}`, schema: s };
    }
    case 'unique':
    case 'index':
    case 'partial-index': {
      // not on a column added with a default: its existing rows share that value
      const cands = plain.filter((c) => !indexed(t!).has(c.name) && (kind !== 'unique' || c.default === undefined));
      if (!cands.length) return undefined;
      const c = r.pick(cands);
      const ix = { name: name(`ix_${t!.name}_`), columns: [c.name], ...(kind === 'unique' ? { unique: true } : {}), ...(kind === 'partial-index' ? { where: `${c.name} IS NOT NULL` } : {}) };
      (t!.indexes ??= []).push(ix);
      return { label: `${kind} ${ix.name} on ${t!.name}(${c.name})`, schema: s };
    }
    case 'drop-index': {
      if (!t!.indexes?.length) return undefined;
      const ix = r.pick(t!.indexes);
      t!.indexes = t!.indexes.filter((x) => x !== ix);
      return { label: `drop index ${ix.name}`, schema: s };
    }
    case 'foreign-key': {
      const parent = r.pick(tables.filter((x) => x !== t));
      const c = name('ref');
      t!.columns.push(int(c));
      (t!.foreignKeys ??= []).push({ columns: [c], references: { table: parent.name, columns: ['id'] }, onDelete: r.pick(ACTIONS_DELETE), onUpdate: r.pick(ACTIONS_UPDATE) });
      return { label: `foreign key ${t!.name}.${c} → ${parent.name}`, schema: s };
    }
    case 'check': {
      const cands = plain.filter((c) => !checked(t!).has(c.name));
      if (!cands.length) return undefined;
      const c = r.pick(cands);
      const ck = { name: name(`ck_${t!.name}_`), expression: checkOn(c) };
      (t!.checks ??= []).push(ck);
      return { label: `check ${ck.name} on ${t!.name}: ${ck.expression}`, schema: s };
    }
    case 'drop-check': {
      if (!t!.checks?.length) return undefined;
      const ck = r.pick(t!.checks);
      t!.checks = t!.checks.filter((x) => x !== ck); // [] when it was the last: the table declares it has none
      return { label: `drop check ${ck.name} on ${t!.name}`, schema: s };
    }
    case 'add-enum-column': {
      // a new enum type half the time (declared before the column that uses it), else one that exists
      const e = s.enums?.length && r.next() < 0.5 ? r.pick(s.enums) : { name: name('mood'), values: ['a', 'b'] };
      if (!(s.enums ?? []).includes(e)) (s.enums ??= []).push(e);
      const c = enumCol(name('e'), e, r.next() < 0.7);
      if (!c.nullable) c.default = `'${e.values[0]}'`;
      t!.columns.push(c);
      return { label: `add enum column ${t!.name}.${c.name} (${e.name}: ${e.values.join(', ')})${c.nullable ? '' : ' not null default'}`, schema: s };
    }
    case 'add-enum-value': {
      if (!s.enums?.length) return undefined;
      const e = r.pick(s.enums);
      const v = name('v');
      // at the end, or first (PostgreSQL: ADD VALUE … BEFORE)
      if (r.next() < 0.7) e.values.push(v);
      else e.values.unshift(v);
      return { label: `enum type ${e.name}: add value ${v} (${e.values.join(', ')})`, schema: s, ...(opts.enumTypes === false ? { noChange: true } : {}) };
    }
    case 'drop-enum-column': {
      const cands = t!.columns.filter((c) => enumOf(s, c) && !indexed(t!).has(c.name));
      if (!cands.length) return undefined;
      const c = r.pick(cands);
      t!.columns = t!.columns.filter((x) => x !== c);
      return { label: `drop enum column ${t!.name}.${c.name}`, schema: s, allowDrop: true };
    }
    case 'drop-foreign-key': {
      if (!t!.foreignKeys?.length) return undefined;
      const f = r.pick(t!.foreignKeys);
      t!.foreignKeys = t!.foreignKeys.filter((x) => x !== f);
      return { label: `drop foreign key ${t!.name}(${f.columns.join(',')})`, schema: s };
    }
  }
  return undefined;
}

/**
 * One row per table per step, its foreign keys pointing at an existing parent row (so a rebuild that
 * cascaded would lose it), and no NULL left in plain columns (so NOT NULL can be declared later).
 */
export async function fill(conn: Connection, s: ExpectedSchema, step: number): Promise<void> {
  for (const t of s.tables) {
    const id = step * 1000 + s.tables.indexOf(t);
    const refs = new Map((t.foreignKeys ?? []).map((f) => [f.columns[0]!, f.references.table]));
    const vals = t.columns.map((c) => {
      const parent = refs.get(c.name);
      if (parent) return sql`(select min(id) from ${sql.table(parent)})`;
      const e = enumOf(s, c);
      if (e) return sql.lit(e.values[0]!);
      return c.name === 'id' ? sql.lit(id) : isText(c) ? sql.lit(`v${id}`) : sql.lit(id);
    });
    await sql`insert into ${sql.table(t.name)} (${sql.join(t.columns.map((c) => sql.id(c.name)))}) values (${sql.join(vals)})`.execute(conn.db);
    for (const c of t.columns) {
      if (c.name === 'id' || refs.has(c.name) || enumOf(s, c)) continue;
      // distinct values: a unique index may be declared on the column later
      await sql`update ${sql.table(t.name)} set ${sql.id(c.name)} = ${isText(c) ? sql`'f' || cast(id as varchar)` : sql.ref('id')} where ${sql.id(c.name)} is null`.execute(conn.db);
    }
  }
}
