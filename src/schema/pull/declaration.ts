/**
 * A live schema (SchemaSnapshot) written as a declaration file with the authoring API (issue 17):
 * deterministic (tables, indexes, foreign keys and checks sorted by name; columns in table order),
 * one helper call per line, readable. Types are named by family helper; where an engine's type is
 * not the helper's, the helper gets `type: { <engine>: '…' }`.
 */
import type { Engine } from '../../config/url.js';
import { FAMILY_HELPERS, type SizedHelper } from '../../dialects/declaration-facts.js';
import { engineEntry } from '../../dialects/registry.js';
import type { ColumnInfo, IndexInfo, SchemaSnapshot, TableInfo } from '../../dialects/types.js';
import { isInternalTable } from '../diff.js';
import { FAMILY_TYPES } from '../authoring.js';

export interface DeclarationOptions {
  /** The module the file imports the helpers from (default `eventdb`). */
  importFrom?: string;
}

export interface DeclarationText {
  source: string;
  tables: number;
  columns: number;
  indexes: number;
  foreignKeys: number;
  checks: number;
  enums: number;
}

/** JavaScript string literal: single-quoted, or double-quoted when that needs no escapes (SQL text such as `'draft'`). */
export function js(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  return q === '"' ? `"${body}"` : `'${body.replace(/'/g, "\\'")}'`;
}
const list = (xs: string[]) => `[${xs.map(js).join(', ')}]`;
const one = (xs: string[]) => (xs.length === 1 ? js(xs[0]!) : list(xs));
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const key = (k: string) => (IDENT.test(k) ? k : js(k));

function obj(entries: Array<[string, string | undefined]>): string {
  const kept = entries.filter((e): e is [string, string] => e[1] !== undefined);
  return kept.length ? `{ ${kept.map(([k, v]) => `${key(k)}: ${v}`).join(', ')} }` : '';
}

/** Helpers tried in this order: the first whose family and this engine's type match is used. */
const SIMPLE = FAMILY_HELPERS;
const HELPER_FAMILY: Record<keyof typeof FAMILY_TYPES, string> = {
  text: 'text', integer: 'integer', bigint: 'integer', smallint: 'integer', real: 'float', double: 'float', boolean: 'boolean', timestamptz: 'timestamptz',
  timestamp: 'timestamp', date: 'date', time: 'time', interval: 'interval', json: 'json', jsonb: 'json', uuid: 'uuid', bytes: 'binary',
};
/** The helper for a family when no helper's type matches (the engine's type then given as an override). */
const FAMILY_HELPER: Record<string, keyof typeof FAMILY_TYPES | undefined> = {
  text: 'text', integer: 'integer', float: 'double', boolean: 'boolean', timestamptz: 'timestamptz', timestamp: 'timestamp', date: 'date', time: 'time',
  interval: 'interval', json: 'json', uuid: 'uuid', binary: 'bytes',
};

/** A default that reads the same on every engine: a number or a plain quoted string. */
const PORTABLE_DEFAULT = /^(-?\d+(\.\d+)?|'(?:[^']|'')*')$/;

class Writer {
  readonly used = new Set<string>();
  constructor(readonly engine: Engine, readonly snap: SchemaSnapshot) {}

  call(helper: string, args: string[]): string {
    this.used.add(helper);
    return `${helper}(${args.filter((a) => a !== '').join(', ')})`;
  }

  perEngine(v: string): string {
    return `{ ${this.engine}: ${js(v)} }`;
  }

  column(t: TableInfo, c: ColumnInfo): string {
    const e = this.engine;
    const nullable = c.nullable && !t.primaryKey.includes(c.name);
    const opts: Array<[string, string | undefined]> = [
      ['nullable', nullable ? 'true' : undefined],
      ['default', c.default === null || c.default === undefined ? undefined : PORTABLE_DEFAULT.test(c.default) ? js(c.default) : this.perEngine(c.default)],
      ['collate', c.collation ? this.perEngine(c.collation) : undefined],
      ['identity', c.identity ? js(c.identity) : undefined],
      ['generated', c.generated ? `{ expression: ${this.perEngine(c.generated.expression)}, stored: ${c.generated.stored} }` : undefined],
    ];
    const withType = (type?: string) => obj(type === undefined ? opts : [...opts, ['type', this.perEngine(type)]]);
    const name = js(c.name);

    const en = this.enumOf(c);
    if (en) return this.call('enumColumn', [name, js(en), obj(opts)]);
    const ofArray = c.type.endsWith('[]') ? this.enumOf({ ...c, type: c.type.slice(0, -2) }) : undefined;
    if (ofArray) return this.call('enumColumn', [name, js(ofArray), obj([...opts, ['array', 'true']])]);
    for (const h of SIMPLE) {
      if (HELPER_FAMILY[h] === c.family && FAMILY_TYPES[h][e] === c.type) return this.call(h, [name, obj(opts)]);
    }
    const sized = this.sized(c);
    if (sized) return this.call(sized.helper, [name, ...sized.args, obj(opts)]);
    const fallback = FAMILY_HELPER[c.family];
    if (fallback && c.type !== '') return this.call(fallback, [name, withType(c.type)]);
    // no helper for this family (arrays, engine-specific types), or a SQLite column without a declared type (BLOB affinity)
    return this.call('column', [name, js(c.family), this.perEngine(c.type === '' ? 'blob' : c.type), obj(opts)]);
  }

  /** varchar(n), char(n), numeric(p,s) as each engine reports them (the engine's fact). */
  sized(c: ColumnInfo): SizedHelper | undefined {
    return engineEntry(this.engine).declaration.sized(c.family, c.type);
  }

  /** The enumerated type a column uses (PostgreSQL names it; DuckDB spells out its values: the engine's fact). */
  enumOf(c: ColumnInfo): string | undefined {
    return engineEntry(this.engine).declaration.enumOf(c.type, this.snap.enums ?? []);
  }

  index(t: TableInfo, i: IndexInfo, name: string): string {
    const columns = this.indexColumns(i);
    const method = i.definition ? engineEntry(this.engine).declaration.indexMethod(i.definition) : undefined;
    const o = obj([
      ['where', i.where ? js(i.where) : undefined],
      ['using', method && method !== 'btree' ? js(method) : undefined],
      ['include', i.include?.length ? list(i.include) : undefined],
      ['nullsNotDistinct', i.nullsNotDistinct ? 'true' : undefined],
    ]);
    void t;
    return this.call(i.unique ? 'unique' : 'index', [js(name), list(columns), o]);
  }

  /** Index entries; SQLite reports an expression as `<expression>`: its text comes from the CREATE INDEX. */
  indexColumns(i: IndexInfo): string[] {
    if (!i.columns.includes('<expression>') || !i.definition) return i.columns;
    const parsed = indexedTerms(i.definition);
    return parsed && parsed.length === i.columns.length ? i.columns.map((c, k) => (c === '<expression>' ? parsed[k]! : c)) : i.columns;
  }
}

/** The comma-separated terms inside `CREATE INDEX … ON t (…)`. */
function indexedTerms(def: string): string[] | undefined {
  const on = /\bON\s+(?:"(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|[^\s(]+)\s*\(/i.exec(def);
  if (!on) return undefined;
  const terms: string[] = [];
  let depth = 0;
  let quote = '';
  let cur = '';
  for (const ch of def.slice(on.index + on[0].length)) {
    if (quote) {
      cur += ch;
      if (ch === quote) quote = '';
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    if (ch === '(') depth++;
    if (ch === ')' && depth-- === 0) {
      terms.push(cur.trim());
      return terms;
    }
    if (ch === ',' && depth === 0) {
      terms.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  return undefined;
}

/** SQLite's automatic index for a UNIQUE constraint gets a name auto-fix could create (`sqlite_` names are reserved). */
function indexName(i: IndexInfo, taken: Set<string>): string {
  if (!/^sqlite_autoindex_/.test(i.name)) return i.name;
  let n = `${i.table}_${i.columns.join('_')}_key`;
  for (let k = 2; taken.has(n); k++) n = `${i.table}_${i.columns.join('_')}_key${k}`;
  return n;
}

/** The declaration source for a live schema. */
export function declarationSource(snap: SchemaSnapshot, opts: DeclarationOptions = {}): DeclarationText {
  const w = new Writer(snap.engine, snap);
  const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  // A virtual table has no declaration (pullSchema names those it leaves out).
  const tables = snap.tables.filter((t) => !isInternalTable(t.name) && !t.virtual).sort(byName);
  const declared = new Map(tables.map((t) => [t.name, new Set(t.columns.map((c) => c.name))]));
  const counts = { tables: tables.length, columns: 0, indexes: 0, foreignKeys: 0, checks: 0, enums: 0 };
  const blocks: string[] = [];

  for (const t of tables) {
    const lines: string[] = [];
    const cols = [...t.columns].sort((a, b) => a.position - b.position);
    counts.columns += cols.length;
    lines.push(`      columns: [`, ...cols.map((c) => `        ${w.column(t, c)},`), `      ],`);
    if (t.primaryKey.length) lines.push(`      primaryKey: ${list(t.primaryKey)},`);

    const taken = new Set<string>();
    const idx = snap.indexes.filter((i) => i.table === t.name && !i.primary).sort(byName);
    const idxLines: string[] = [];
    for (const i of idx) {
      const name = indexName(i, taken);
      if (taken.has(name)) continue; // DuckDB reports a unique constraint and its index alike
      taken.add(name);
      idxLines.push(`        ${w.index(t, i, name)},`);
    }
    if (idxLines.length) lines.push(`      indexes: [`, ...idxLines, `      ],`);
    counts.indexes += idxLines.length;

    const fks = snap.foreignKeys
      .filter((f) => f.table === t.name && declared.get(f.refTable) && f.refColumns.every((c) => declared.get(f.refTable)!.has(c)))
      .sort((a, b) => `${a.columns.join(',')}>${a.refTable}`.localeCompare(`${b.columns.join(',')}>${b.refTable}`));
    if (fks.length) {
      lines.push(`      foreignKeys: [`);
      for (const f of fks) {
        const action = (a: string) => (a && a.toUpperCase() !== 'NO ACTION' ? js(a.toUpperCase()) : undefined);
        lines.push(`        ${w.call('foreignKey', [one(f.columns), js(f.refTable), one(f.refColumns), obj([['onDelete', action(f.onDelete)], ['onUpdate', action(f.onUpdate)], ['notValid', f.validated === false ? 'true' : undefined]])])},`);
      }
      lines.push(`      ],`);
    }
    counts.foreignKeys += fks.length;

    const checks = (snap.checks ?? []).filter((c) => c.table === t.name).sort(byName);
    const checkNames = new Set<string>();
    const uniqueName = (name: string) => {
      let out = name; // DuckDB names every check on a column `<table>_<column>_check`
      for (let k = 2; checkNames.has(out); k++) out = `${name}${k}`;
      checkNames.add(out);
      return out;
    };
    if (checks.length) lines.push(`      checks: [`, ...checks.map((c) => `        ${w.call('check', [js(uniqueName(c.name)), js(c.expression)])},`), `      ],`);
    counts.checks += checks.length;
    blocks.push(`    ${w.call('table', [js(t.name), `{\n${lines.join('\n')}\n    }`])},`);
  }

  const enums = [...(snap.enums ?? [])].sort(byName);
  counts.enums = enums.length;
  const enumLines = enums.map((e) => `    ${w.call('enumType', [js(e.name), list(e.values)])},`);
  w.used.add('defineSchema');
  const imports = [...w.used].sort();
  const source = [
    `/**`,
    ` * The expected schema, pulled from a ${snap.engine} database by \`eventdb schema pull\`. Edit it freely:`,
    ` * validate, auto-fix and types read it. Column helpers are named by type family and know each`,
    ` * engine's type names; \`type: { ${snap.engine}: '…' }\` keeps a type the helper does not name.`,
    ` */`,
    `import { ${imports.join(', ')} } from ${js(opts.importFrom ?? 'eventdb')};`,
    ``,
    `export default defineSchema({`,
    `  engines: [${js(snap.engine)}],`,
    ...(enumLines.length ? [`  enums: [`, ...enumLines, `  ],`] : []),
    `  tables: [`,
    ...blocks,
    `  ],`,
    `});`,
    ``,
  ].join('\n');
  return { source, ...counts };
}
