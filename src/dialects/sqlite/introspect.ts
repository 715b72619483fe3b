import type Database from 'better-sqlite3';
import { typeFamily } from '../type-family.js';
import type { ForeignKeyInfo, IndexInfo, SchemaSnapshot, TableInfo } from '../types.js';

/** One query per kind over the table-valued pragma functions: no per-table round trips. */
export function introspectSqlite(db: Database.Database): SchemaSnapshot {
  const cols = db
    .prepare(
      `select m.name as tbl, p.name, p.type, p."notnull" as nn, p.dflt_value as dflt, p.pk, p.cid
         from sqlite_schema m join pragma_table_xinfo(m.name) p
        where m.type = 'table' and m.name not like 'sqlite_%' and p.hidden in (0, 2, 3)
        order by m.name, p.cid`,
    )
    .all() as Array<{ tbl: string; name: string; type: string; nn: number; dflt: string | null; pk: number; cid: number }>;
  const idx = db
    .prepare(
      `select m.name as tbl, il.name, il."unique" as uq, il.origin, il.partial, ii.name as col, ii.seqno,
              (select sql from sqlite_schema s where s.type = 'index' and s.name = il.name) as sql
         from sqlite_schema m join pragma_index_list(m.name) il join pragma_index_info(il.name) ii
        where m.type = 'table' and m.name not like 'sqlite_%'
        order by m.name, il.name, ii.seqno`,
    )
    .all() as Array<{ tbl: string; name: string; uq: number; origin: string; partial: number; col: string | null; seqno: number; sql: string | null }>;
  const fks = db
    .prepare(
      `select m.name as tbl, f.id, f.seq, f."table" as ref, f."from" as col, f."to" as refcol, f.on_delete, f.on_update
         from sqlite_schema m join pragma_foreign_key_list(m.name) f
        where m.type = 'table' and m.name not like 'sqlite_%'
        order by m.name, f.id, f.seq`,
    )
    .all() as Array<{ tbl: string; id: number; seq: number; ref: string; col: string; refcol: string | null; on_delete: string; on_update: string }>;

  const tables = new Map<string, TableInfo>();
  const pkCols = new Map<string, Array<{ name: string; pk: number }>>();
  for (const r of cols) {
    let t = tables.get(r.tbl);
    if (!t) tables.set(r.tbl, (t = { name: r.tbl, columns: [], primaryKey: [] }));
    const isIntPk = r.pk > 0 && r.type.toUpperCase() === 'INTEGER';
    t.columns.push({
      name: r.name,
      type: r.type.toLowerCase(),
      family: typeFamily(r.type),
      nullable: r.nn === 0 && !isIntPk,
      default: r.dflt,
      position: r.cid + 1,
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
      indexes.set(r.name, (i = { name: r.name, table: r.tbl, columns: [], unique: r.uq === 1, primary: r.origin === 'pk', ...(where ? { where } : {}) }));
    }
    i.columns.push(r.col ?? '<expression>');
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
  return { engine: 'sqlite', schema: 'main', tables: [...tables.values()], indexes: [...indexes.values()], foreignKeys: [...fkMap.values()] };
}
