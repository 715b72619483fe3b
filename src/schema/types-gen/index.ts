/**
 * `eventdb types` (issue 17): a Kysely `Database` interface for one engine, from the declaration
 * (schema/) or the live database, with each column typed as eventdb's connection for that engine
 * returns it. What each engine's connection returns per type family is the engine's fact
 * (src/dialects/<engine>/ts-types.ts, reached through the registry without a connection).
 * `Generated<>` (or an optional insert type) marks columns with a default, an identity or SQLite's rowid;
 * `GeneratedAlways<>` a generated (computed) column, which no engine lets an INSERT or UPDATE set.
 * Deterministic: tables and columns in name / table order, no timestamps.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Engine } from '../../config/url.js';
import { engineEntry } from '../../dialects/registry.js';
import { arrayElement, arrayOf, type TsTypes } from '../../dialects/ts-types.js';
import type { SchemaSnapshot, TypeFamily } from '../../dialects/types.js';
import { EventdbError } from '../../errors.js';
import { isInternalTable, tablesFor } from '../diff.js';
import { forEngine, type ExpectedSchema } from '../model.js';

/** A table as types needs it. */
interface TypedColumn {
  name: string;
  family: TypeFamily;
  type: string;
  nullable: boolean;
  generated: boolean;
  /** A generated (computed) column: read only — every engine refuses a value for it. */
  computed?: boolean;
}
interface TypedTable {
  name: string;
  columns: TypedColumn[];
}
type Triple = { select: string; insert: string; update: string };

/** How one column reads and writes through eventdb's connection for an engine (the engine's facts: dialects/<engine>/ts-types.ts). */
function tsType(facts: TsTypes, c: TypedColumn, enums: Map<string, string[]>): Triple {
  const t = c.type.toLowerCase();
  const valuesOf = (type: string) => enums.get(type) ?? (type.toLowerCase().startsWith('enum(') && !type.endsWith(']') ? [...type.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replace(/''/g, "'")) : undefined);
  const unionOf = (values: string[]) => values.map((v) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(' | ');
  // an array of an enum type (`mood[]`, DuckDB's `enum('a', 'b')[]`): the engine's enum-array fact, else an array of the union
  const list = arrayElement(c.type);
  const listValues = list && valuesOf(list.element);
  if (list && listValues) {
    if (facts.enumArray) return { ...facts.enumArray, update: facts.enumArray.insert };
    if (facts.enumUnion) {
      const a = arrayOf(unionOf(listValues), list.dims);
      return { select: a, insert: a, update: a };
    }
  }
  const enumValues = valuesOf(c.type);
  if (enumValues && facts.enumUnion) {
    const union = unionOf(enumValues);
    return { select: union, insert: union, update: union };
  }
  const fact = facts.families[c.family];
  const ts = typeof fact === 'function' ? fact(t) : (fact ?? { select: 'unknown', insert: 'unknown' });
  return { select: ts.select, insert: ts.insert, update: ts.insert };
}

function render(t: Triple, nullable: boolean, generated: boolean, computed = false): string {
  const n = (s: string) => (nullable ? `${s} | null` : s);
  if (computed) return `GeneratedAlways<${n(t.select)}>`;
  if (t.select === t.insert && t.insert === t.update) return generated ? `Generated<${n(t.select)}>` : n(t.select);
  return `ColumnType<${n(t.select)}, ${n(t.insert)}${generated ? ' | undefined' : ''}, ${n(t.update)}>`;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const prop = (k: string) => (IDENT.test(k) ? k : `'${k.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);

function interfaceName(table: string, taken: Set<string>): string {
  let n = table
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('');
  if (!n || /^\d/.test(n)) n = `T${n}`;
  if (n === 'Database' || n === 'JsonValue' || n === 'Generated' || n === 'GeneratedAlways' || n === 'ColumnType') n = `${n}Table`;
  let out = n;
  for (let k = 2; taken.has(out); k++) out = `${n}${k}`;
  taken.add(out);
  return out;
}

function source(engine: Engine, from: 'schema' | 'database', tables: TypedTable[], enums: Map<string, string[]>): string {
  const body: string[] = [];
  const db: string[] = [];
  const taken = new Set<string>();
  let usesJson = false;
  const kysely = new Set<string>();
  for (const t of [...tables].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const iname = interfaceName(t.name, taken);
    body.push(`export interface ${iname} {`);
    for (const c of t.columns) {
      const s = render(tsType(engineEntry(engine).tsTypes, c, enums), c.nullable, c.generated, c.computed);
      if (s.includes('JsonValue')) usesJson = true;
      if (s.startsWith('Generated<')) kysely.add('Generated');
      if (s.startsWith('GeneratedAlways<')) kysely.add('GeneratedAlways');
      if (s.startsWith('ColumnType<')) kysely.add('ColumnType');
      body.push(`  ${prop(c.name)}: ${s};`);
    }
    body.push('}', '');
    db.push(`  ${prop(t.name)}: ${iname};`);
  }
  return [
    `/**`,
    ` * Kysely types for the ${engine} database, generated by \`eventdb types\` from ${from === 'schema' ? 'the declaration (schema/)' : 'the live database'}.`,
    ` * Do not edit: run \`eventdb types\` again (\`eventdb types --check\` in CI tells when this is stale).`,
    ` */`,
    ...(kysely.size ? [`import type { ${[...kysely].sort().join(', ')} } from 'kysely';`, ''] : []),
    ...(usesJson ? [`export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };`, ''] : []),
    ...body,
    `export interface Database {`,
    ...db,
    `}`,
    ``,
  ].join('\n');
}

/** Types from the declaration, for one engine. */
export function typesFromSchema(schema: ExpectedSchema, engine: Engine): string {
  const enums = new Map((schema.enums ?? []).filter((e) => !e.engines || e.engines.includes(engine)).map((e) => [e.name, e.values]));
  const facts = engineEntry(engine).tsTypes;
  const tables = tablesFor(schema, engine).map((t) => ({
    name: t.name,
    columns: t.columns.map((c) => {
      const type = forEngine(c.type, engine) ?? c.family;
      const rowid = facts.integerKeyIsRowid && t.primaryKey.length === 1 && t.primaryKey[0] === c.name && type.toLowerCase() === 'integer';
      const computed = forEngine(c.generated?.expression, engine) !== undefined;
      return { name: c.name, family: c.family, type, nullable: c.nullable, computed, generated: forEngine(c.default, engine) !== undefined || computed || (facts.identity && !!c.identity) || rowid };
    }),
  }));
  return source(engine, 'schema', tables, enums);
}

/** Types from a live schema. */
export function typesFromSnapshot(snap: SchemaSnapshot): string {
  const enums = new Map((snap.enums ?? []).map((e) => [e.name, e.values]));
  const facts = engineEntry(snap.engine).tsTypes;
  const tables = snap.tables
    .filter((t) => !isInternalTable(t.name))
    .map((t) => ({
      name: t.name,
      columns: [...t.columns]
        .sort((a, b) => a.position - b.position)
        .map((c) => {
          const rowid = facts.integerKeyIsRowid && t.primaryKey.length === 1 && t.primaryKey[0] === c.name && c.type === 'integer';
          // an enum column's type as its enum's name (PostgreSQL quotes some: `"Mood_2"`)
          const enumOf = (x: string) => engineEntry(snap.engine).declaration.enumOf(x, snap.enums ?? []);
          const of = c.type.endsWith('[]') ? enumOf(c.type.slice(0, -2)) : undefined;
          const type = enumOf(c.type) ?? (of === undefined ? c.type : `${of}[]`);
          return { name: c.name, family: c.family, type, nullable: c.nullable && !t.primaryKey.includes(c.name), computed: !!c.generated, generated: c.default !== null || !!c.generated || !!c.identity || rowid };
        }),
    }));
  return source(snap.engine, 'database', tables, enums);
}

export interface TypesOptions {
  /** Where to write (default `src/database.ts`), relative to `cwd`; null: return the text only. */
  out?: string | null;
  cwd?: string;
  /** Compare with the file instead of writing: `stale` tells whether it differs. Writes nothing. */
  check?: boolean;
}

export interface TypesResult {
  engine: Engine;
  from: 'schema' | 'database';
  file: string | null;
  tables: number;
  /** Whether the file was written (false with check, or when it already held this text). */
  written: boolean;
  /** check: whether the file is missing or differs from what would be written. */
  stale: boolean;
  source: string;
}

/**
 * Writes (or with `check`, compares) the generated types. `input` is the declaration with the engine,
 * or a live schema.
 */
export function writeTypes(input: { schema: ExpectedSchema; engine: Engine } | { snapshot: SchemaSnapshot }, opts: TypesOptions = {}): TypesResult {
  const text = 'snapshot' in input ? typesFromSnapshot(input.snapshot) : typesFromSchema(input.schema, input.engine);
  const engine = 'snapshot' in input ? input.snapshot.engine : input.engine;
  const from = 'snapshot' in input ? ('database' as const) : ('schema' as const);
  const tables = (text.match(/^export interface (?!Database\b)/gm) ?? []).length;
  const out = opts.out === undefined ? 'src/database.ts' : opts.out;
  if (out === null) return { engine, from, file: null, tables, written: false, stale: false, source: text };
  const file = isAbsolute(out) ? out : resolve(opts.cwd ?? process.cwd(), out);
  const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  const stale = current !== text;
  if (opts.check) return { engine, from, file, tables, written: false, stale, source: text };
  if (!stale) return { engine, from, file, tables, written: false, stale: false, source: text };
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new EventdbError('TYPES_WRITE', `cannot write ${file}: ${(e as Error).message}`, 'check that the folder is writable, or choose another --out', { cause: e });
  }
  return { engine, from, file, tables, written: true, stale: false, source: text };
}

/** Library entry: the generated types for a connection, from its declaration or its live schema. */
export async function generateTypes(
  conn: { engine: Engine; introspect(): Promise<SchemaSnapshot> },
  opts: TypesOptions & { from?: 'schema' | 'database'; schema?: ExpectedSchema } = {},
): Promise<TypesResult> {
  if ((opts.from ?? 'schema') === 'schema') {
    if (!opts.schema) throw new EventdbError('NO_SCHEMA_DIR', 'types --from schema needs the declaration (schema/)', 'run `eventdb schema pull`, or use --from database');
    return writeTypes({ schema: opts.schema, engine: conn.engine }, opts);
  }
  return writeTypes({ snapshot: await conn.introspect() }, opts);
}
