import type { ColumnInfo, DdlCheck, DdlColumn, DdlForeignKey, DdlIndex, DdlTable, ForeignKeyInfo, IndexInfo, SchemaDdl, SchemaSnapshot } from '../../dialects/types.js';
import { isInternalTable } from '../diff.js';

/** A live table with what hangs on it, as the planner tracks it while it plans (renames applied). */
export interface LiveTable {
  name: string;
  columns: ColumnInfo[];
  primaryKey: string[];
  /** Secondary indexes (not the primary key's). */
  indexes: IndexInfo[];
  /** Foreign keys of this table (it is the child). */
  foreignKeys: ForeignKeyInfo[];
  /** Checks, when the engine's introspection reports them (else undefined: unknown). */
  checks?: DdlCheck[];
  /** CREATE TRIGGER texts of the table's triggers. */
  triggers: string[];
  /** The live primary key's name (PostgreSQL constraint; other engines: its index entry). */
  primaryKeyName?: string;
  /** Renamed (or a column renamed) by the plan: live CREATE texts no longer apply. */
  renamed?: boolean;
}

export function liveTables(live: SchemaSnapshot): Map<string, LiveTable> {
  const checks = live.checks;
  const out = new Map<string, LiveTable>();
  for (const t of live.tables) {
    // A virtual table (SQLite FTS) cannot be declared: the plan neither makes nor drops one.
    if (isInternalTable(t.name) || t.virtual) continue;
    const pk = live.indexes.find((i) => i.table === t.name && i.primary);
    out.set(t.name, {
      name: t.name,
      columns: t.columns.map((c) => ({ ...c })),
      primaryKey: [...t.primaryKey],
      indexes: live.indexes.filter((i) => i.table === t.name && !i.primary).map((i) => ({ ...i, columns: [...i.columns] })),
      foreignKeys: live.foreignKeys.filter((f) => f.table === t.name).map((f) => ({ ...f, columns: [...f.columns], refColumns: [...f.refColumns] })),
      ...(checks ? { checks: checks.filter((c) => c.table === t.name).map((c) => ({ name: c.name, expression: c.expression })) } : {}),
      // as stored where the engine keeps the text (SQLite): the canonical form joins a `--` comment's line with the rest of the body
      triggers: (live.triggers ?? []).filter((g) => g.table === t.name).map((g) => g.sql ?? g.definition),
      ...(pk ? { primaryKeyName: pk.name } : {}),
    });
  }
  return out;
}

export function liveColumn(c: ColumnInfo): DdlColumn {
  return {
    name: c.name,
    type: c.type,
    nullable: c.nullable,
    ...(c.default !== null && c.default !== undefined && !c.identity ? { default: c.default } : {}),
    ...(c.collation ? { collate: c.collation } : {}),
    ...(c.identity ? { identity: c.identity } : {}),
    ...(c.generated ? { generated: { ...c.generated } } : {}),
  };
}

export function liveForeignKey(f: ForeignKeyInfo): DdlForeignKey {
  return { name: f.name, columns: f.columns, refTable: f.refTable, refColumns: f.refColumns, onDelete: f.onDelete, onUpdate: f.onUpdate };
}

export function liveIndex(i: IndexInfo): DdlIndex {
  return { name: i.name, columns: i.columns, ...(i.unique ? { unique: true } : {}), ...(i.where ? { where: i.where } : {}) };
}

/** An index created by a constraint (SQLite `sqlite_autoindex_…`; DuckDB: no CREATE INDEX text), not by CREATE INDEX. */
export function constraintIndex(i: IndexInfo, ddl: SchemaDdl): boolean {
  return i.name.startsWith('sqlite_autoindex_') || (ddl.facts.indexesBlockAlter && !i.definition);
}

/**
 * The CREATE INDEX that re-creates a live index: its own text when the engine reports one (SQLite: as
 * written, not the canonical `definition`, so that a predicate keeps its letter case and quoting).
 */
export function recreateIndex(ddl: SchemaDdl, table: string, i: IndexInfo, opts: { concurrently?: boolean; renamed?: boolean } = {}): string {
  const own = i.sql ?? i.definition;
  if (own && /^create\b/i.test(own) && !opts.renamed) {
    return opts.concurrently ? own.replace(/^(create (?:unique )?index)\s+/i, '$1 CONCURRENTLY ') : own;
  }
  return ddl.createIndex(table, liveIndex(i), opts);
}

/** The live table as a DDL table (for the inverse of a rebuild or a drop); its primary key's name where the engine names it. */
export function liveDdlTable(t: LiveTable, ddl?: SchemaDdl): DdlTable {
  return {
    name: t.name,
    columns: t.columns.map(liveColumn),
    primaryKey: t.primaryKey,
    ...(ddl?.facts.namedPrimaryKeys && t.primaryKeyName && t.primaryKey.length ? { primaryKeyName: t.primaryKeyName } : {}),
    foreignKeys: t.foreignKeys.map(liveForeignKey),
    checks: t.checks ?? [],
    indexes: [],
  };
}
