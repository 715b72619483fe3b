import type Database from 'better-sqlite3';
import { typeFamily } from '../type-family.js';
import { messageOf } from '../../errors.js';
import { canonicalSql } from '../sql-text.js';
import { isIdentifier } from '../ddl-common.js';
import { quoteIdent } from '../quote.js';
import { generatedColumns } from '../generated-columns.js';
import type { ForeignKeyInfo, GeneratedColumn, IndexInfo, SchemaSnapshot, TableInfo } from '../types.js';
import { tableChecks } from './checks.js';

/**
 * Virtual tables this SQLite cannot open (a module it lacks: zipfile, vec0, spatialite …): every
 * pragma on them fails with `no such module`, so they are left out of the queries below and reported.
 */
function unreadableTables(db: Database.Database): Array<{ name: string; reason: string }> {
  const virtual = db.prepare(`select name from sqlite_schema where type = 'table' and sql like 'create virtual table%'`).all() as Array<{ name: string }>;
  const out: Array<{ name: string; reason: string }> = [];
  for (const { name } of virtual) {
    try {
      db.prepare('select count(*) from pragma_table_xinfo(?)').get(name);
    } catch (e) {
      out.push({ name, reason: messageOf(e) });
    }
  }
  return out;
}

/**
 * SQLite's own word on its tables (`pragma table_list`, SQLite 3.37+): `virtual` tables and the `shadow`
 * tables a virtual table's module keeps its data in (FTS4 `x_content`, `x_segdir` …; FTS5 `x_data` …).
 * Shadow tables are the module's storage, made and dropped with their virtual table: not schema.
 * Empty when the pragma fails (an older SQLite): every table is then read as before.
 */
function tableKinds(db: Database.Database): Map<string, string> {
  try {
    const rows = db.prepare(`select name, type from pragma_table_list where schema = 'main'`).all() as Array<{ name: string; type: string }>;
    return new Map(rows.map((r) => [r.name, r.type]));
  } catch {
    return new Map();
  }
}

/** One query per kind over the table-valued pragma functions: no per-table round trips. */
export function introspectSqlite(db: Database.Database): SchemaSnapshot {
  const unreadable = unreadableTables(db);
  const kinds = tableKinds(db);
  const shadow = [...kinds].filter(([, type]) => type === 'shadow').map(([name]) => name);
  const skip = JSON.stringify([...unreadable.map((u) => u.name), ...shadow]);
  const cols = db
    .prepare(
      `select m.name as tbl, p.name, p.type, p."notnull" as nn, p.dflt_value as dflt, p.pk, p.cid, p.hidden
         from sqlite_schema m join pragma_table_xinfo(m.name) p
        where m.type = 'table' and m.name not like 'sqlite_%' and p.hidden in (0, 2, 3)
          and m.name not in (select value from json_each(?))
        order by m.name, p.cid`,
    )
    .all(skip) as Array<{ tbl: string; name: string; type: string; nn: number; dflt: string | null; pk: number; cid: number; hidden: number }>;
  const idx = db
    .prepare(
      `select m.name as tbl, il.name, il."unique" as uq, il.origin, il.partial, ii.name as col, ii.seqno, ii."desc" as descending, ii.coll,
              (select sql from sqlite_schema s where s.type = 'index' and s.name = il.name) as sql
         from sqlite_schema m join pragma_index_list(m.name) il join pragma_index_xinfo(il.name) ii
        where m.type = 'table' and m.name not like 'sqlite_%' and m.name not in (select value from json_each(?)) and ii.key = 1
        order by m.name, il.name, ii.seqno`,
    )
    .all(skip) as Array<{ tbl: string; name: string; uq: number; origin: string; partial: number; col: string | null; seqno: number; descending: number; coll: string | null; sql: string | null }>;
  const fks = db
    .prepare(
      `select m.name as tbl, f.id, f.seq, f."table" as ref, f."from" as col, f."to" as refcol, f.on_delete, f.on_update
         from sqlite_schema m join pragma_foreign_key_list(m.name) f
        where m.type = 'table' and m.name not like 'sqlite_%' and m.name not in (select value from json_each(?))
        order by m.name, f.id, f.seq`,
    )
    .all(skip) as Array<{ tbl: string; id: number; seq: number; ref: string; col: string; refcol: string | null; on_delete: string; on_update: string }>;

  const objects = db.prepare(`select type, name, tbl_name as tbl, sql from sqlite_schema where type in ('table', 'view', 'trigger') and sql is not null order by name`).all() as Array<{ type: string; name: string; tbl: string; sql: string }>;
  const tableSql = new Map(objects.filter((o) => o.type === 'table').map((o) => [o.name, o.sql]));

  const tables = new Map<string, TableInfo>();
  const collations = new Map<string, Map<string, string>>();
  const collationOf = (tbl: string, column: string) => {
    if (!collations.has(tbl)) collations.set(tbl, columnCollations(tableSql.get(tbl) ?? ''));
    return collations.get(tbl)!.get(column.toLowerCase());
  };
  // generated columns (issue 17): pragma_table_xinfo marks them (hidden 2 virtual, 3 stored); the expression is in the CREATE TABLE text
  const generatedByTable = new Map<string, Map<string, GeneratedColumn>>();
  const generatedOf = (tbl: string, column: string, stored: boolean): GeneratedColumn => {
    if (!generatedByTable.has(tbl)) generatedByTable.set(tbl, generatedColumns(tableSql.get(tbl) ?? ''));
    return { expression: generatedByTable.get(tbl)!.get(column.toLowerCase())?.expression ?? '', stored };
  };
  const pkCols = new Map<string, Array<{ name: string; pk: number }>>();
  for (const r of cols) {
    let t = tables.get(r.tbl);
    if (!t) {
      const module = kinds.get(r.tbl) === 'virtual' ? /\busing\s+["`[]?(\w+)/i.exec(tableSql.get(r.tbl) ?? '')?.[1]?.toLowerCase() : undefined;
      tables.set(r.tbl, (t = { name: r.tbl, columns: [], primaryKey: [], ...(module ? { virtual: module } : {}) }));
    }
    const isIntPk = r.pk > 0 && r.type.toUpperCase() === 'INTEGER';
    const generated = r.hidden === 2 || r.hidden === 3 ? generatedOf(r.tbl, r.name, r.hidden === 3) : undefined;
    t.columns.push({
      name: r.name,
      type: r.type.toLowerCase(),
      family: typeFamily(r.type),
      nullable: r.nn === 0 && !isIntPk,
      default: r.dflt,
      position: r.cid + 1,
      ...(collationOf(r.tbl, r.name) ? { collation: collationOf(r.tbl, r.name)! } : {}),
      ...(generated ? { generated } : {}),
    });
    if (r.pk > 0) {
      const list = pkCols.get(r.tbl) ?? [];
      list.push({ name: r.name, pk: r.pk });
      pkCols.set(r.tbl, list);
    }
  }
  for (const [tbl, list] of pkCols) {
    const t = tables.get(tbl);
    if (t) t.primaryKey = list.sort((a, b) => a.pk - b.pk).map((c) => c.name);
  }

  const indexes = new Map<string, IndexInfo>();
  for (const r of idx) {
    let i = indexes.get(r.name);
    if (!i) {
      const where = r.partial && r.sql ? /\bwhere\b([\s\S]*)$/i.exec(r.sql)?.[1]?.trim() : undefined;
      indexes.set(r.name, (i = { name: r.name, table: r.tbl, columns: [], unique: r.uq === 1, primary: r.origin === 'pk', ...(where ? { where } : {}), ...(r.sql ? { definition: canonicalSql(r.sql), sql: r.sql } : {}) }));
    }
    if (r.col === null) {
      i.columns.push('<expression>'); // found in the index's CREATE text (with its COLLATE and DESC)
      continue;
    }
    // what the key keeps beside its column: a collation other than the column's, DESC
    const column = tables.get(r.tbl)?.columns.find((c) => c.name === r.col);
    const coll = r.coll && r.coll.toLowerCase() !== (column?.collation ?? 'binary').toLowerCase() ? ` COLLATE ${isIdentifier(r.coll) ? r.coll : quoteIdent(r.coll)}` : '';
    const suffix = `${coll}${r.descending ? ' DESC' : ''}`;
    // a bare name stays bare (the DDL quotes it); beside a suffix the key is SQL text, so quoted unless plain lower case
    i.columns.push(suffix ? `${/^[a-z_][a-z0-9_$]*$/.test(r.col) ? r.col : quoteIdent(r.col)}${suffix}` : r.col);
  }
  // An INTEGER PRIMARY KEY is the rowid and has no index entry; report it as the primary index.
  for (const t of tables.values()) {
    if (t.primaryKey.length > 0 && ![...indexes.values()].some((i) => i.table === t.name && i.primary)) {
      indexes.set(`${t.name}_pkey`, { name: `${t.name}_pkey`, table: t.name, columns: t.primaryKey, unique: true, primary: true });
    }
  }

  const fkMap = new Map<string, ForeignKeyInfo>();
  for (const r of fks) {
    const key = `${r.tbl}#${r.id}`;
    let f = fkMap.get(key);
    if (!f) fkMap.set(key, (f = { name: `${r.tbl}_${r.ref}_fk${r.id}`, table: r.tbl, columns: [], refTable: r.ref, refColumns: [], onDelete: r.on_delete, onUpdate: r.on_update }));
    f.columns.push(r.col);
    f.refColumns.push(r.refcol ?? tables.get(r.ref)?.primaryKey[r.seq] ?? 'rowid');
  }
  return {
    engine: 'sqlite',
    schema: 'main',
    tables: [...tables.values()],
    indexes: [...indexes.values()],
    foreignKeys: [...fkMap.values()],
    views: objects.filter((o) => o.type === 'view').map((o) => ({ name: o.name, materialized: false, definition: canonicalSql(o.sql) })),
    triggers: objects.filter((o) => o.type === 'trigger').map((o) => ({ name: o.name, table: o.tbl, definition: canonicalSql(o.sql), sql: o.sql })),
    ...(unreadable.length ? { unreadable } : {}),
    checks: [...tables.keys()].flatMap((t) => tableChecks(t, tableSql.get(t) ?? '')), // schema as code (issue 17)
  };
}

/**
 * Column collations from a CREATE TABLE text (SQLite keeps no other record of them): the column
 * definitions are split at top-level commas, and a `COLLATE name` outside parentheses and quotes
 * belongs to the column the definition names. Keys are lower-cased column names.
 */
export function columnCollations(createSql: string): Map<string, string> {
  const out = new Map<string, string>();
  const open = createSql.indexOf('(');
  if (open < 0) return out;
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let cur = '';
  let flat = ''; // the current part with quoted text and nested parentheses blanked
  const closeQuote: Record<string, string> = { "'": "'", '"': '"', '`': '`', '[': ']' };
  for (const ch of createSql.slice(open + 1)) {
    if (quote) {
      cur += ch;
      flat += depth === 0 ? (ch === quote ? ch : '_') : ' ';
      if (ch === quote) quote = '';
      continue;
    }
    if (ch in closeQuote) {
      quote = closeQuote[ch]!;
      cur += ch;
      flat += depth === 0 ? ch : ' ';
      continue;
    }
    if (ch === '(') depth++;
    if (ch === ')') {
      if (depth === 0) break;
      depth--;
      cur += ch;
      flat += ' ';
      continue;
    }
    if (ch === ',' && depth === 0) {
      parts.push(`${cur}\u0000${flat}`);
      cur = flat = '';
      continue;
    }
    cur += ch;
    flat += depth === 0 ? ch : ' ';
  }
  parts.push(`${cur}\u0000${flat}`);
  for (const p of parts) {
    const [text, blanked] = p.split('\u0000') as [string, string];
    const t = text.trim();
    if (/^(constraint|primary|unique|check|foreign)\b/i.test(t)) continue;
    const name = /^(?:"((?:[^"]|"")*)"|`([^`]*)`|\[([^\]]*)\]|'((?:[^']|'')*)'|([^\s]+))/.exec(t);
    // find COLLATE where it is not quoted or nested, then read its name from the text itself
    const at = /\bcollate\s+/i.exec(blanked);
    const coll = at ? /^(?:"((?:[^"]|"")*)"|([A-Za-z_][A-Za-z0-9_]*))/.exec(text.slice(at.index + at[0].length)) : null;
    if (!name || !coll) continue;
    const col = name[1]?.replace(/""/g, '"') ?? name[2] ?? name[3] ?? name[4]?.replace(/''/g, "'") ?? name[5]!;
    out.set(col.toLowerCase(), (coll[1]?.replace(/""/g, '"') ?? coll[2]!).toLowerCase());
  }
  return out;
}
