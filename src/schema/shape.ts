/**
 * Shape validation of an expected-schema declaration: every problem is reported with the path
 * inside the declaration, e.g. `tables[3].columns[2].family`.
 */
import { ENGINES, type Engine } from '../config/url.js';
import { EventdbError } from '../errors.js';
import type { TypeFamily } from '../dialects/types.js';
import { keyColumn } from '../dialects/ddl-common.js';
import { quoteIdent } from '../dialects/quote.js';
import type { ExpectedSchema } from './model.js';

const FAMILIES: readonly TypeFamily[] = ['integer', 'decimal', 'float', 'text', 'boolean', 'timestamp', 'timestamptz', 'date', 'time', 'interval', 'json', 'uuid', 'binary', 'array', 'other'];
const ACTIONS = ['CASCADE', 'RESTRICT', 'SET NULL', 'SET DEFAULT', 'NO ACTION'];
const RULE_KINDS = ['orphans', 'duplicates', 'capacity', 'negative', 'not-null', 'custom'];
const LEVELS = ['error', 'warning'];
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

class Checker {
  constructor(readonly file: string) {}

  fail(path: string, problem: string): never {
    throw new EventdbError('SCHEMA_INVALID', `${this.file}: ${path}: ${problem}`, `fix ${path} in ${this.file} (see the README section "The event platform schema")`);
  }

  object(v: unknown, path: string): Record<string, unknown> {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail(path, `must be an object, got ${describe(v)}`);
    return v as Record<string, unknown>;
  }

  array(v: unknown, path: string, nonEmpty = false): unknown[] {
    if (!Array.isArray(v)) this.fail(path, `must be an array, got ${describe(v)}`);
    if (nonEmpty && v.length === 0) this.fail(path, 'must not be empty');
    return v;
  }

  string(v: unknown, path: string): string {
    if (typeof v !== 'string' || v.trim() === '') this.fail(path, `must be a non-empty string, got ${describe(v)}`);
    return v;
  }

  /**
   * A table, column or index name: any text without control characters (`Order Details`, `Account`,
   * `order`); eventdb quotes it wherever it writes SQL.
   */
  name(v: unknown, path: string): string {
    const s = this.string(v, path);
    if ([...s].some((ch) => ch.charCodeAt(0) < 32) || s.length > 128) this.fail(path, `${JSON.stringify(s)} is not a usable name (no control characters, at most 128 characters)`);
    return s;
  }

  ident(v: unknown, path: string): string {
    const s = this.string(v, path);
    if (!IDENT.test(s)) this.fail(path, `"${s}" is not a plain identifier (letters, digits, _)`);
    return s;
  }

  boolean(v: unknown, path: string): boolean {
    if (typeof v !== 'boolean') this.fail(path, `must be true or false, got ${describe(v)}`);
    return v;
  }

  optional<T>(o: Record<string, unknown>, key: string, path: string, check: (v: unknown, p: string) => T): T | undefined {
    return o[key] === undefined ? undefined : check(o[key], `${path}.${key}`);
  }

  oneOf(v: unknown, allowed: readonly string[], path: string, what: string): string {
    if (typeof v !== 'string' || !allowed.includes(v)) this.fail(path, `${describe(v)} is not ${what} (${allowed.join(', ')})`);
    return v;
  }

  engines(v: unknown, path: string): Engine[] {
    const list = this.array(v, path, true);
    list.forEach((e, i) => this.oneOf(e, ENGINES, `${path}[${i}]`, 'an engine'));
    return list as Engine[];
  }

  /** A string, or `{ postgres?, sqlite?, duckdb? }` of strings. */
  perEngineString(v: unknown, path: string): void {
    if (typeof v === 'string') return void this.string(v, path);
    const o = this.object(v, path);
    const keys = Object.keys(o);
    if (keys.length === 0) this.fail(path, 'must be a string or an object with postgres, sqlite and/or duckdb');
    for (const k of keys) {
      if (!(ENGINES as readonly string[]).includes(k)) this.fail(`${path}.${k}`, `"${k}" is not an engine (${ENGINES.join(', ')})`);
      this.string(o[k], `${path}.${k}`);
    }
  }

  known(o: Record<string, unknown>, keys: string[], path: string): void {
    for (const k of Object.keys(o)) if (!keys.includes(k)) this.fail(`${path}.${k}`, `unknown field (known: ${keys.join(', ')})`);
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

/** A generated column: `{ expression, stored }`, each one value or per engine; not beside a default. */
function generatedShape(c: Checker, v: unknown, path: string, hasDefault: boolean): void {
  const g = c.object(v, path);
  c.known(g, ['expression', 'stored'], path);
  c.perEngineString(g.expression, `${path}.expression`);
  if (hasDefault) c.fail(path, 'a generated column takes no default');
  if (typeof g.stored === 'boolean') return;
  const o = c.object(g.stored, `${path}.stored`);
  for (const k of Object.keys(o)) {
    if (!(ENGINES as readonly string[]).includes(k)) c.fail(`${path}.stored.${k}`, `"${k}" is not an engine (${ENGINES.join(', ')})`);
    c.boolean(o[k], `${path}.stored.${k}`);
  }
}

/** Checks a declaration's shape and cross-references; returns it typed. Throws SCHEMA_INVALID. */
export function validateExpectedSchema(value: unknown, file: string): ExpectedSchema {
  const c = new Checker(file);
  const root = c.object(value, '(root)');
  c.known(root, ['formatVersion', 'tables', 'rules', 'engines', 'notes', 'enums'], '(root)');
  if (root.formatVersion !== 1) c.fail('formatVersion', `must be 1, got ${describe(root.formatVersion)}`);
  const tables = c.array(root.tables, 'tables', true);
  c.optional(root, 'engines', '', (v, p) => c.engines(v, p.slice(1)));

  const columnsOf = new Map<string, Set<string>>();
  tables.forEach((tv, ti) => {
    const p = `tables[${ti}]`;
    const t = c.object(tv, p);
    const name = c.name(t.name, `${p}.name`);
    if (columnsOf.has(name)) c.fail(`${p}.name`, `table "${name}" is declared twice`);
    const cols = new Set<string>();
    c.array(t.columns, `${p}.columns`, true).forEach((cv, ci) => {
      const cp = `${p}.columns[${ci}]`;
      const col = c.object(cv, cp);
      c.known(col, ['name', 'family', 'nullable', 'type', 'default', 'collate', 'identity', 'generated'], cp);
      const cn = c.name(col.name, `${cp}.name`);
      if (cols.has(cn)) c.fail(`${cp}.name`, `column "${cn}" is declared twice in ${name}`);
      cols.add(cn);
      c.oneOf(col.family, FAMILIES, `${cp}.family`, 'a type family');
      c.boolean(col.nullable, `${cp}.nullable`);
      c.perEngineString(col.type, `${cp}.type`);
      c.optional(col, 'default', cp, (v, q) => c.perEngineString(v, q));
      c.optional(col, 'collate', cp, (v, q) => c.perEngineString(v, q));
      c.optional(col, 'identity', cp, (v, q) => c.oneOf(v, ['always', 'by default'], q, 'an identity kind'));
      c.optional(col, 'generated', cp, (v, q) => generatedShape(c, v, q, col.default !== undefined)); // issue 17
    });
    columnsOf.set(name, cols);
  });

  tables.forEach((tv, ti) => {
    const p = `tables[${ti}]`;
    const t = tv as Record<string, unknown>;
    const name = t.name as string;
    const cols = columnsOf.get(name)!;
    c.known(t, ['name', 'required', 'description', 'columns', 'primaryKey', 'indexes', 'foreignKeys', 'engines', 'referenceRows', 'checks'], p);
    c.boolean(t.required, `${p}.required`);
    c.optional(t, 'description', p, (v, q) => c.string(v, q));
    c.optional(t, 'engines', p, (v, q) => c.engines(v, q));
    const colRef = (v: unknown, q: string, table = name, set = cols) => {
      const s = c.string(v, q);
      if (!set.has(s)) c.fail(q, `"${s}" is not a column of ${table}`);
    };
    // an empty primary key: the table has none (schema pull declares such tables as they are)
    c.array(t.primaryKey, `${p}.primaryKey`).forEach((k, i) => colRef(k, `${p}.primaryKey[${i}]`));
    const seen = new Map<string, Engine[] | undefined>();
    c.optional(t, 'indexes', p, (v, q) => c.array(v, q))?.forEach((iv, ii) => {
      const ip = `${p}.indexes[${ii}]`;
      const ix = c.object(iv, ip);
      c.known(ix, ['name', 'columns', 'unique', 'where', 'engines', 'using', 'include', 'nullsNotDistinct'], ip);
      const iname = c.name(ix.name, `${ip}.name`);
      const engines = c.optional(ix, 'engines', ip, (w, q) => c.engines(w, q));
      const prior = seen.get(iname);
      if (seen.has(iname) && (!prior || !engines || prior.some((e) => engines.includes(e)))) {
        c.fail(`${ip}.name`, `index "${iname}" is declared twice for the same engine`);
      }
      seen.set(iname, engines);
      const icols = c.array(ix.columns, `${ip}.columns`, true);
      icols.forEach((cv, ci) => {
        const s = c.string(cv, `${ip}.columns[${ci}]`);
        // a column's own name first (`Product ID` is a column, not `Product` with an operator class); then `published DESC`: the column is `published`
        const col = cols.has(s) || IDENT.test(s) ? s : keyColumn(s)?.column;
        if (col !== undefined && !cols.has(col)) c.fail(`${ip}.columns[${ci}]`, `"${col}" is not a column of ${name}`);
        // a declared column whose name is no plain identifier (`Product ID`) is written quoted, so that the entry is SQL like an expression
        if (!IDENT.test(s) && cols.has(s)) icols[ci] = quoteIdent(s);
      });
      c.optional(ix, 'unique', ip, (w, q) => c.boolean(w, q));
      c.optional(ix, 'where', ip, (w, q) => c.string(w, q));
      c.optional(ix, 'using', ip, (w, q) => c.ident(w, q));
      c.optional(ix, 'include', ip, (w, q) => c.array(w, q, true))?.forEach((cv, ci) => {
        const s = c.string(cv, `${ip}.include[${ci}]`);
        if (!cols.has(s)) c.fail(`${ip}.include[${ci}]`, `"${s}" is not a column of ${name}`);
      });
      c.optional(ix, 'nullsNotDistinct', ip, (w, q) => c.boolean(w, q));
    });
    c.optional(t, 'foreignKeys', p, (v, q) => c.array(v, q))?.forEach((fv, fi) => {
      const fp = `${p}.foreignKeys[${fi}]`;
      const f = c.object(fv, fp);
      c.known(f, ['columns', 'references', 'onDelete', 'onUpdate', 'notValid', 'engines'], fp);
      const fcols = c.array(f.columns, `${fp}.columns`, true);
      fcols.forEach((k, i) => colRef(k, `${fp}.columns[${i}]`));
      const r = c.object(f.references, `${fp}.references`);
      const rt = c.name(r.table, `${fp}.references.table`);
      const rcols = columnsOf.get(rt);
      if (!rcols) c.fail(`${fp}.references.table`, `"${rt}" is not a declared table`);
      const rc = c.array(r.columns, `${fp}.references.columns`, true);
      if (rc.length !== fcols.length) c.fail(`${fp}.references.columns`, `has ${rc.length} columns; the key has ${fcols.length}`);
      rc.forEach((k, i) => colRef(k, `${fp}.references.columns[${i}]`, rt, rcols));
      c.optional(f, 'onDelete', fp, (w, q) => c.oneOf(w, ACTIONS, q, 'a referential action'));
      c.optional(f, 'onUpdate', fp, (w, q) => c.oneOf(w, ACTIONS, q, 'a referential action'));
      c.optional(f, 'notValid', fp, (w, q) => c.boolean(w, q));
      c.optional(f, 'engines', fp, (w, q) => c.engines(w, q));
    });
    // schema as code (issue 17): CHECK constraints, named once per engine
    const checkNames = new Set<string>();
    c.optional(t, 'checks', p, (v, q) => c.array(v, q))?.forEach((kv, ki) => {
      const kp = `${p}.checks[${ki}]`;
      const k = c.object(kv, kp);
      c.known(k, ['name', 'expression', 'engines'], kp);
      const kn = c.name(k.name, `${kp}.name`);
      const ke = c.optional(k, 'engines', kp, (w, q) => c.engines(w, q));
      const key = `${kn}\u0000${(ke ?? ['*']).join(',')}`;
      if (checkNames.has(key)) c.fail(`${kp}.name`, `check "${kn}" is declared twice`);
      checkNames.add(key);
      c.string(k.expression, `${kp}.expression`);
    });
    c.optional(t, 'referenceRows', p, (v, q) => c.array(v, q))?.forEach((rv, ri) => {
      const rp = `${p}.referenceRows[${ri}]`;
      const row = c.object(rv, rp);
      for (const k of Object.keys(row)) if (!cols.has(k)) c.fail(`${rp}.${k}`, `"${k}" is not a column of ${name}`);
      for (const k of t.primaryKey as string[]) if (row[k] === undefined || row[k] === null) c.fail(`${rp}.${k}`, 'a reference row needs its primary key');
    });
  });

  const ruleNames = new Set<string>();
  c.array(root.rules ?? [], 'rules').forEach((rv, ri) => {
    const rp = `rules[${ri}]`;
    const r = c.object(rv, rp);
    c.known(r, ['name', 'kind', 'description', 'table', 'sql', 'level', 'engines'], rp);
    const rn = c.string(r.name, `${rp}.name`);
    if (ruleNames.has(rn)) c.fail(`${rp}.name`, `rule "${rn}" is declared twice`);
    ruleNames.add(rn);
    c.oneOf(r.kind, RULE_KINDS, `${rp}.kind`, 'a rule kind');
    c.string(r.description, `${rp}.description`);
    const table = c.string(r.table, `${rp}.table`);
    if (!columnsOf.has(table)) c.fail(`${rp}.table`, `"${table}" is not a declared table`);
    c.perEngineString(r.sql, `${rp}.sql`);
    c.oneOf(r.level, LEVELS, `${rp}.level`, 'a level');
    c.optional(r, 'engines', rp, (w, q) => c.engines(w, q));
  });

  c.optional(root, 'notes', '', (v) => {
    const n = c.object(v, 'notes');
    for (const [k, list] of Object.entries(n)) {
      c.oneOf(k, ENGINES, `notes.${k}`, 'an engine');
      c.array(list, `notes.${k}`).forEach((s, i) => c.string(s, `notes.${k}[${i}]`));
    }
  });
  // schema as code (issue 17): enumerated types
  const enumNames = new Set<string>();
  c.optional(root, 'enums', '', (v) => c.array(v, 'enums'))?.forEach((ev, ei) => {
    const ep = `enums[${ei}]`;
    const e = c.object(ev, ep);
    c.known(e, ['name', 'values', 'engines'], ep);
    const en = c.name(e.name, `${ep}.name`);
    if (enumNames.has(en)) c.fail(`${ep}.name`, `enum "${en}" is declared twice`);
    enumNames.add(en);
    const values = c.array(e.values, `${ep}.values`, true);
    values.forEach((x, i) => {
      if (typeof x !== 'string') c.fail(`${ep}.values[${i}]`, `must be a string, got ${describe(x)}`);
      if (values.indexOf(x) !== i) c.fail(`${ep}.values[${i}]`, `${JSON.stringify(x)} is listed twice`);
    });
    c.optional(e, 'engines', ep, (w, q) => c.engines(w, q));
  });
  if (root.rules === undefined) root.rules = [];
  return root as unknown as ExpectedSchema;
}
