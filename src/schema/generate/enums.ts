import type { Engine } from '../../config/url.js';
import { ddlFor } from '../../dialects/ddl.js';
import { isRefusal } from '../../dialects/ddl-common.js';
import { engineEntry } from '../../dialects/registry.js';
import type { DdlColumn, DdlRefusal, DdlTable, SchemaDdl, SchemaSnapshot } from '../../dialects/types.js';
import { appliesTo, type ExpectedEnum, type ExpectedSchema } from '../model.js';
import type { PlanExclusion, PlanOptions, PlannedStep } from './types.js';

/**
 * Enumerated types in the planner (issue 17): what `planSchemaChange` asks about enum types and enum
 * columns. The SQL is each engine's (SchemaDdl `createEnum`, `addEnumValue` …); the decisions are here.
 */

const step = (up: string[], down: string[], opts: { transaction?: boolean; note?: string } = {}): PlannedStep => ({ up, down, transaction: opts.transaction ?? true, ...(opts.note ? { note: opts.note } : {}) });

/** The enum types the plan knows, and its steps: `before` anything uses a type, `after` its last use. */
export interface EnumPlan {
  /** Enum type names on this engine, declared or live (a column of such a type is an enum column). */
  names: ReadonlySet<string>;
  before: PlannedStep[];
  after: PlannedStep[];
  omitted: PlanExclusion[];
  refused: PlanExclusion[];
}

/**
 * The snapshot with each enum column's type as its enum's name (DuckDB reports `enum('a', 'b')`). When
 * several types have the same values (DuckDB cannot tell them apart), the one `declaredType` names
 * for the column is taken if it is among them, else the first.
 */
export function enumNamedColumns(live: SchemaSnapshot, engine: Engine, declaredType?: (table: string, column: string) => string | undefined): SchemaSnapshot {
  const enums = live.enums ?? [];
  if (!enums.length) return live;
  const { declaration } = engineEntry(engine);
  const named = (table: string, column: string, type: string): string | undefined => {
    // an array of an enum type (`mood[]`, PostgreSQL `"Mood_2"[]`): the enum's name and `[]`
    if (type.endsWith('[]')) {
      const of = named(table, column, type.slice(0, -2));
      return of === undefined ? undefined : `${of}[]`;
    }
    const first = declaration.enumOf(type, enums);
    const want = first === undefined ? undefined : declaredType?.(table, column);
    if (want === undefined || want === first) return first;
    const e = enums.find((x) => x.name === want);
    return e && declaration.enumOf(type, [e]) === want ? want : first;
  };
  return { ...live, tables: live.tables.map((t) => ({ ...t, columns: t.columns.map((c) => ({ ...c, type: named(t.name, c.name, c.type) ?? c.type })) })) };
}

/** The enum types the declaration and the database know, on an engine that has them. */
export function enumTypeNames(live: SchemaSnapshot, declared: ExpectedSchema, engine: Engine): Set<string> {
  if (!ddlFor(engine).facts.enumTypes) return new Set();
  return new Set([...(declared.enums ?? []).filter((e) => appliesTo(e, engine)).map((e) => e.name), ...(live.enums ?? []).map((e) => e.name)]);
}

const sameValues = (a: string[], b: string[]) => a.length === b.length && a.every((v, i) => v === b[i]);
/** Whether `sub`'s values all appear in `all`, in the same order (only additions between them). */
const isSubsequence = (sub: string[], all: string[]) => {
  let i = 0;
  for (const v of all) if (i < sub.length && v === sub[i]) i++;
  return i === sub.length;
};

export interface EnumUser {
  table: string;
  column: string;
  /** An array of the type (`mood[]`). */
  array?: boolean;
  /** The live default (e.g. `'a'::mood`), if any. */
  default?: string;
}

/** The columns of a snapshot (its enum columns named: enumNamedColumns) whose type is the enum type `name` or an array of it. */
export function enumUsers(named: SchemaSnapshot, name: string): EnumUser[] {
  return named.tables.flatMap((t) =>
    t.columns
      .filter((c) => c.type === name || c.type === `${name}[]`)
      .map((c) => ({ table: t.name, column: c.name, ...(c.type !== name ? { array: true } : {}), ...(c.default !== null && c.default !== undefined ? { default: c.default } : {}) })),
  );
}

/**
 * Plans the declared enum types against the live ones: a new type is created before the columns that
 * use it; a type no longer declared is dropped after its last column (kept, and reported, while a
 * column still uses it); values only added are `ALTER TYPE … ADD VALUE` in a step of their own outside a
 * transaction (a value added cannot be used in the transaction that added it); values removed or
 * reordered rebuild the type (a new type, each column cast to it through text, the old type dropped,
 * the new one renamed) — a removal only with allowDrop (rows holding the value fail the cast). An engine
 * that cannot alter a type (DuckDB) drops and creates it again while no column uses it, else refuses.
 * Engines without enum types (SQLite: the column is text) plan nothing here.
 */
export function planEnums(ddl: SchemaDdl, live: SchemaSnapshot, declared: ExpectedSchema, wanted: Map<string, DdlTable>, opts: PlanOptions): EnumPlan {
  const out: EnumPlan = { names: new Set(), before: [], after: [], omitted: [], refused: [] };
  if (!ddl.facts.enumTypes) return out;
  const declaredEnums: ExpectedEnum[] = (declared.enums ?? []).filter((e) => appliesTo(e, ddl.engine));
  const liveEnums = new Map((live.enums ?? []).map((e) => [e.name, e.values]));
  out.names = new Set([...declaredEnums.map((e) => e.name), ...liveEnums.keys()]);
  const declaredNames = new Set(declaredEnums.map((e) => e.name));
  const users = (name: string) => enumUsers(live, name);
  const declaredColumn = (u: EnumUser) => wanted.get(u.table)?.columns.find((c) => c.name === u.column);
  const label = ddl.facts.label;

  for (const e of declaredEnums) {
    const liveValues = liveEnums.get(e.name);
    if (!liveValues) {
      const up = ddl.createEnum(e.name, e.values);
      const down = ddl.dropEnum(e.name);
      if (isRefusal(up) || isRefusal(down)) out.refused.push({ change: isRefusal(up) ? up.refused : `create enum type ${e.name}`, reason: isRefusal(up) ? up.reason : (down as DdlRefusal).reason });
      else out.before.push(step([up], [down], { note: `creates enum type ${e.name}` }));
      continue;
    }
    if (sameValues(liveValues, e.values)) continue;
    const removed = liveValues.filter((v) => !e.values.includes(v));
    const change = `change values of enum type ${e.name} from (${liveValues.join(', ')}) to (${e.values.join(', ')})`;
    const used = users(e.name);
    if (isRefusal(ddl.renameEnum(e.name, `${e.name}__new`))) {
      // No ALTER TYPE: drop and create again, while no column holds the type.
      if (used.length) {
        out.refused.push({ change, reason: `${label} cannot alter an enumerated type (no ALTER TYPE) while columns use it: ${used.map((u) => `${u.table}.${u.column}`).join(', ')}` });
        continue;
      }
      out.before.push(step([ddl.dropEnum(e.name) as string, ddl.createEnum(e.name, e.values) as string], [ddl.dropEnum(e.name) as string, ddl.createEnum(e.name, liveValues) as string], { note: `enum type ${e.name} dropped and created again (no column uses it)` }));
      continue;
    }
    if (removed.length && !opts.allowDrop) {
      out.omitted.push({ change, reason: `values ${removed.join(', ')} are removed: rows holding them would fail the cast; removing enum values needs allowDrop` });
      continue;
    }
    const liveDefaults = (u: EnumUser) => u.default;
    const deps = enumDependents(ddl, live, e.name);
    const back = rebuildEnum(ddl, e.name, liveValues, used, liveDefaults, deps);
    if (isSubsequence(liveValues, e.values)) {
      const adds: string[] = [];
      e.values.forEach((v, i) => {
        if (liveValues.includes(v)) return;
        const next = e.values.slice(i + 1).find((x) => liveValues.includes(x));
        const at = i > 0 ? { after: e.values[i - 1]! } : next !== undefined ? { before: next } : undefined;
        adds.push(ddl.addEnumValue(e.name, v, at) as string);
      });
      out.before.push(
        step(adds, ddl.atomic(back), {
          transaction: false,
          note: `ALTER TYPE ${e.name} ADD VALUE on its own, outside a transaction (a value added cannot be used in the transaction that added it); down rebuilds the type without the added values in one statement (it fails while rows hold them)`,
        }),
      );
      continue;
    }
    const declaredDefaults = (u: EnumUser) => {
      const d = declaredColumn(u);
      return d && d.type === (u.array ? `${e.name}[]` : e.name) ? d.default : u.default;
    };
    out.before.push(
      step(rebuildEnum(ddl, e.name, e.values, used, declaredDefaults, deps), back, {
        note: `values of ${e.name} removed or reordered: a new type, ${used.length ? `${used.map((u) => `${u.table}.${u.column}`).join(', ')} cast to it through text (rewrites the table${used.length > 1 ? 's' : ''}), ` : ''}the old type dropped, the new one renamed`,
      }),
    );
  }

  for (const [name, values] of liveEnums) {
    if (declaredNames.has(name)) continue;
    const still = users(name).filter((u) => {
      const t = wanted.get(u.table);
      if (!t) return !opts.allowDrop;
      const d = t.columns.find((c) => c.name === u.column);
      return d ? d.type === (u.array ? `${name}[]` : name) : !opts.allowDrop;
    });
    if (still.length) {
      out.omitted.push({ change: `drop enum type ${name}`, reason: `it is not declared, but ${still.map((u) => `${u.table}.${u.column}`).join(', ')} still use${still.length === 1 ? 's' : ''} it` });
      continue;
    }
    const up = ddl.dropEnum(name);
    const down = ddl.createEnum(name, values);
    if (isRefusal(up) || isRefusal(down)) out.refused.push({ change: `drop enum type ${name}`, reason: (isRefusal(up) ? up : (down as DdlRefusal)).reason });
    else out.after.push(step([up], [down], { note: `drops enum type ${name} (no column uses it any more)` }));
  }
  return out;
}

/** What must be dropped before a rebuild of an enum type and created again after it (enumDependents). */
export interface EnumDependents {
  drop: string[];
  create: string[];
}

/**
 * Checks and indexes whose expression or predicate names the type (`status <> 'closed'::mood`): the
 * column's type change cannot carry them over (PostgreSQL: "operator does not exist: mood__new =
 * mood"), so a rebuild drops them first and creates them again, as the engine reported them, once the
 * new type has the old name.
 */
export function enumDependents(ddl: SchemaDdl, live: SchemaSnapshot, name: string): EnumDependents {
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const cast = new RegExp(`::\\s*(?:"${esc}"|${esc}\\b)`, 'i');
  const out: EnumDependents = { drop: [], create: [] };
  for (const c of live.checks ?? []) {
    if (!cast.test(c.expression)) continue;
    const drop = ddl.dropConstraint(c.table, c.name);
    const add = ddl.addCheck(c.table, { name: c.name, expression: c.expression });
    if (isRefusal(drop) || isRefusal(add)) continue;
    out.drop.push(drop);
    out.create.push(add);
  }
  for (const i of live.indexes) {
    if (i.primary || !cast.test(`${i.where ?? ''} ${i.definition ?? ''}`)) continue;
    out.drop.push(ddl.dropIndex(i.name));
    out.create.push(i.definition ?? ddl.createIndex(i.table, { name: i.name, columns: i.columns, unique: i.unique, ...(i.where ? { where: i.where } : {}) }));
  }
  return out;
}

/**
 * A type rebuilt with other values: its dependent checks and indexes dropped, a new type, columns cast
 * through text (defaults dropped and set again), old dropped, new renamed, the dependents created again.
 */
export function rebuildEnum(ddl: SchemaDdl, name: string, values: string[], used: EnumUser[], defaultOf: (u: EnumUser) => string | undefined, deps: EnumDependents = { drop: [], create: [] }): string[] {
  const tmp = `${name}__new`;
  const out = [...deps.drop, ddl.createEnum(tmp, values) as string];
  for (const u of used) if (u.default !== undefined) out.push(ddl.dropDefault(u.table, u.column));
  for (const u of used) out.push(ddl.alterColumnToEnum(u.table, u.column, tmp, u.array ? { array: true } : {}) as string);
  out.push(ddl.dropEnum(name) as string, ddl.renameEnum(tmp, name) as string);
  for (const u of used) {
    const d = defaultOf(u);
    if (d !== undefined) out.push(ddl.setDefault(u.table, u.column, d));
  }
  out.push(...deps.create);
  return out;
}

/**
 * A column changed to or from an enum type: its default dropped first (PostgreSQL cannot cast a
 * default such as `'a'::text` to the enum), the type changed through text, the default set again.
 */
export function enumColumnStep(ddl: SchemaDdl, table: string, declared: DdlColumn, live: DdlColumn, names: ReadonlySet<string>, refuse: (r: DdlRefusal) => void): PlannedStep | undefined {
  const to = (c: DdlColumn) => (names.has(c.type) ? ddl.alterColumnToEnum(table, c.name, c.type) : ddl.alterColumnType(table, c));
  const up = to(declared);
  const down = to(live);
  if (isRefusal(up)) return void refuse(up);
  if (isRefusal(down)) return void refuse(down);
  const around = (from: DdlColumn, into: DdlColumn, alter: string) => [
    ...(from.default !== undefined ? [ddl.dropDefault(table, from.name)] : []),
    alter,
    ...(into.default !== undefined ? [ddl.setDefault(table, into.name, into.default)] : []),
  ];
  return step(around(live, declared, up), around(declared, live, down), { note: `changes ${table}.${declared.name} to ${declared.type}: rewrites ${table}; a value the new type lacks fails the cast` });
}
