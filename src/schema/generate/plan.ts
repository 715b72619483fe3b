import type { Engine } from '../../config/url.js';
import { ddlFor } from '../../dialects/ddl.js';
import { isRefusal } from '../../dialects/ddl-common.js';
import { withEnumTypes } from '../../dialects/enum-ddl.js';
import type { DdlCheck, DdlColumn, DdlForeignKey, DdlIndex, DdlRefusal, DdlTable, SchemaDdl, SchemaSnapshot } from '../../dialects/types.js';
import { ddlTable } from '../autofix/sql.js';
import { tablesFor } from '../diff.js';
import { appliesTo, forEngine, type ExpectedSchema, type ExpectedTable } from '../model.js';
import { enumColumnStep, enumNamedColumns, enumTypeNames, planEnums } from './enums.js';
import { findLiveForeignKey, findLiveIndex, isWidening, sameCollation, sameDefault, sameForeignKey, sameGenerated, sameIndex, sameList, sameType } from './compare.js';
import { constraintIndex, liveColumn, liveDdlTable, liveForeignKey, liveTables, recreateIndex, type LiveTable } from './live.js';
import type { PlanExclusion, PlanOptions, PlannedStep, RenameCandidate, SchemaChangePlan } from './types.js';

/**
 * A declared table resolved for the engine, with its checks. A table that declares no `checks` field leaves
 * its live checks alone (as `validate` does); `checks: []` declares that it has none.
 */
function declaredTable(t: ExpectedTable, engine: Engine): DdlTable {
  const declared = t.checks;
  if (declared === undefined) return ddlTable(t, engine);
  const checks = declared.filter((c) => appliesTo(c, engine)).map((c) => ({ name: c.name, expression: c.expression }));
  return { ...ddlTable(t, engine), checks };
}

/** One column change of an existing table, found by comparing it with the declaration. */
interface ColumnChange {
  declared: DdlColumn;
  live: DdlColumn;
  type: boolean;
  nullability: boolean;
  default: boolean;
  collation: boolean;
  /** Generated or not, expression or kind (issue 17). */
  generated?: boolean;
}

/** What must change in one existing table. */
interface TableDiff {
  declared: DdlTable;
  live: LiveTable;
  /** Columns to add, as declared. */
  add: DdlColumn[];
  /** Live columns to drop (allowDrop). */
  drop: DdlColumn[];
  /** Live columns kept although undeclared (no allowDrop, or a rename candidate). */
  keep: DdlColumn[];
  change: ColumnChange[];
  primaryKey: boolean;
  dropIndexes: LiveTable['indexes'];
  addIndexes: DdlIndex[];
  dropForeignKeys: LiveTable['foreignKeys'];
  addForeignKeys: DdlForeignKey[];
  dropChecks: DdlCheck[];
  addChecks: DdlCheck[];
}

const step = (up: string[], down: string[], opts: { transaction?: boolean; note?: string } = {}): PlannedStep => ({ up, down, transaction: opts.transaction ?? true, ...(opts.note ? { note: opts.note } : {}) });

/**
 * Plans the DDL that turns the live schema into the declared one, per engine, safe by default:
 * PostgreSQL builds indexes CONCURRENTLY (each its own step outside a transaction), adds foreign keys
 * and checks NOT VALID then VALIDATE, sets NOT NULL through a validated check, and never adds a column
 * with a volatile default in one statement; SQLite rebuilds a table for what ALTER TABLE cannot do
 * (foreign keys off, data, indexes and triggers kept, foreign keys checked before the commit); DuckDB
 * does what its ALTER TABLE can, and what it cannot is `refused`, named. Drops of tables and columns
 * and narrowing type changes are planned only with `allowDrop` (else `omitted`); a column gone and one
 * of the same type added in one table is a `renameCandidates` entry unless `renames` says what it is.
 * Pure: no database is touched.
 */
export function planSchemaChange(liveSnapshot: SchemaSnapshot, declared: ExpectedSchema, engine: Engine, opts: PlanOptions = {}): SchemaChangePlan {
  // columns of enum types: their type names quoted where they need it (`"Mood_2"`)
  const ddl = withEnumTypes(ddlFor(engine), enumTypeNames(liveSnapshot, declared, engine));
  // the declared type of each column: DuckDB cannot tell two enum types with the same values apart
  const declaredTypes = new Map(tablesFor(declared, engine).flatMap((t) => t.columns.map((c) => [`${t.name}\u0000${c.name}`, forEngine(c.type, engine)] as const)));
  const live = enumNamedColumns(liveSnapshot, engine, (t, c) => declaredTypes.get(`${t}\u0000${c}`));
  const { facts } = ddl;
  const omitted: PlanExclusion[] = [];
  const refused: PlanExclusion[] = [];
  const renameCandidates: RenameCandidate[] = [];
  const state = liveTables(live);
  const wantedList = tablesFor(declared, engine);
  const wanted = new Map(wantedList.map((t) => [t.name, declaredTable(t, engine)]));
  const refuse = (r: DdlRefusal) => refused.push({ change: r.refused, reason: r.reason });
  if (!facts.indexIncludeAndNulls) {
    // a unique index with NULLs as equal is a stronger constraint than the engine can keep: refused, never weakened
    for (const t of wantedList) {
      for (const i of (t.indexes ?? []).filter((x) => x.nullsNotDistinct && appliesTo(x, engine))) {
        refused.push({ change: `create unique index ${i.name} on ${t.name} nulls not distinct`, reason: `${facts.label} has no NULLS NOT DISTINCT: its unique indexes count NULLs as distinct (declare the index with engines: ['postgres'])` });
        const d = wanted.get(t.name);
        if (d) d.indexes = (d.indexes ?? []).filter((x) => x.name !== i.name);
      }
    }
  }
  if (!facts.partialIndexes) {
    for (const t of wanted.values()) {
      for (const i of (t.indexes ?? []).filter((x) => x.where)) refused.push({ change: `create partial index ${i.name} on ${t.name}`, reason: `${facts.label} cannot create a partial index (CREATE INDEX … WHERE)` });
      t.indexes = (t.indexes ?? []).filter((x) => !x.where);
    }
  }
  const must = <T>(x: T | DdlRefusal): T | undefined => {
    if (isRefusal(x)) {
      refuse(x);
      return undefined;
    }
    return x;
  };
  const referencedBy = (table: string) => [...state.values()].flatMap((t) => t.foreignKeys.filter((f) => f.refTable === table && t.name !== table));

  // 1. Renames the caller resolved: tables first, then columns (of the table's new name).
  const renameSteps: PlannedStep[] = [];
  const preSteps: PlannedStep[] = []; // DuckDB: indexes dropped before an ALTER they would block
  const droppedForAlter = new Set<string>();
  const dropIndexesForAlter = (t: LiveTable) => {
    if (!facts.indexesBlockAlter || droppedForAlter.has(t.name)) return;
    droppedForAlter.add(t.name);
    for (const i of t.indexes.filter((x) => !constraintIndex(x, ddl))) {
      preSteps.push(step([ddl.dropIndex(i.name)], [recreateIndex(ddl, t.name, i)], { note: `${facts.label} cannot alter ${t.name} while index ${i.name} exists: dropped here, created again below` }));
    }
    t.indexes = t.indexes.filter((x) => constraintIndex(x, ddl));
  };
  for (const r of opts.renames ?? []) {
    if (!('fromTable' in r)) continue;
    const t = state.get(r.fromTable);
    if (!t || state.has(r.table) || !wanted.has(r.table)) {
      refused.push({ change: `rename table ${r.fromTable} to ${r.table}`, reason: !t ? `table ${r.fromTable} does not exist` : state.has(r.table) ? `table ${r.table} exists already` : `table ${r.table} is not declared` });
      continue;
    }
    if (!facts.renameReferencedTable && referencedBy(t.name).length) {
      refused.push({ change: `rename table ${r.fromTable} to ${r.table}`, reason: `${facts.label} cannot rename a table other tables reference by foreign key` });
      continue;
    }
    dropIndexesForAlter(t);
    renameSteps.push(step([ddl.renameTable(r.fromTable, r.table)], [ddl.renameTable(r.table, r.fromTable)]));
    state.delete(r.fromTable);
    t.name = r.table;
    state.set(r.table, t);
    t.renamed = true;
    for (const o of state.values()) for (const f of o.foreignKeys) if (f.refTable === r.fromTable) f.refTable = r.table;
    for (const i of t.indexes) i.table = r.table;
  }
  for (const r of opts.renames ?? []) {
    if ('fromTable' in r) continue;
    const t = state.get(r.table);
    const col = t?.columns.find((c) => c.name === r.from);
    const change = `rename column ${r.table}.${r.from} to ${r.to}`;
    if (!t || !col || t.columns.some((c) => c.name === r.to)) {
      refused.push({ change, reason: !t ? `table ${r.table} does not exist` : !col ? `column ${r.table}.${r.from} does not exist` : `column ${r.table}.${r.to} exists already` });
      continue;
    }
    if (!facts.alterReferencedTable && referencedBy(t.name).length) {
      refused.push({ change, reason: `${facts.label} cannot alter ${t.name} while other tables reference it by foreign key` });
      continue;
    }
    if (facts.constrainedColumnsFrozen && constrained(state, t, r.from)) {
      refused.push({ change, reason: `${facts.label} cannot rename a column that is in a primary key, unique constraint or foreign key` });
      continue;
    }
    dropIndexesForAlter(t);
    renameSteps.push(step([ddl.renameColumn(r.table, r.from, r.to)], [ddl.renameColumn(r.table, r.to, r.from)]));
    col.name = r.to;
    t.renamed = true;
    const ren = (cols: string[]) => cols.map((c) => (c === r.from ? r.to : c));
    t.primaryKey = ren(t.primaryKey);
    for (const i of t.indexes) {
      i.columns = i.columns.map((c) => (c === r.from ? r.to : renameIn(c, r.from, r.to)));
      if (i.where) i.where = renameIn(i.where, r.from, r.to);
    }
    for (const f of t.foreignKeys) f.columns = ren(f.columns);
    for (const o of state.values()) for (const f of o.foreignKeys) if (f.refTable === t.name) f.refColumns = ren(f.refColumns);
  }

  // 2. Table rename candidates: a table gone and one with the same columns added.
  const newTables = wantedList.filter((t) => !state.has(t.name)).map((t) => wanted.get(t.name)!);
  const goneTables = [...state.values()].filter((t) => !wanted.has(t.name));
  const candidateTables = new Set<string>();
  for (const n of newTables) {
    const g = goneTables.find((x) => !candidateTables.has(x.name) && x.columns.length === n.columns.length && n.columns.every((c) => x.columns.some((lc) => lc.name === c.name && sameType(ddl, c.type, lc.type))));
    if (!g) continue;
    candidateTables.add(g.name).add(n.name);
    renameCandidates.push({ kind: 'table', table: n.name, from: g.name, to: n.name });
  }

  // 3. What changes in each existing table.
  const diffs: TableDiff[] = [];
  const enumPlan = planEnums(ddl, live, declared, wanted, opts);
  omitted.push(...enumPlan.omitted);
  refused.push(...enumPlan.refused);
  for (const [name, d] of wanted) {
    const t = state.get(name);
    if (t) diffs.push(diffTable(ddl, d, t, opts, omitted, renameCandidates, enumPlan.names));
  }

  const out: PlannedStep[] = [];
  const rebuildSteps: PlannedStep[] = [];
  const dropFkSteps: PlannedStep[] = [];
  const dropIndexSteps: PlannedStep[] = [];
  const columnSteps: PlannedStep[] = [];
  const pkSteps: PlannedStep[] = [];
  const indexSteps: PlannedStep[] = [];
  const fkSteps: PlannedStep[] = [];
  const dropColumnSteps: PlannedStep[] = [];
  const droppedFks = new Set<LiveTable['foreignKeys'][number]>();

  for (const d of diffs) {
    const t = d.live;
    const needsRebuild = facts.rebuild && rebuildNeeded(ddl, d, state);
    if (needsRebuild && t.renamed && t.triggers.length) {
      // The triggers' CREATE texts still name the old table or columns: re-creating them would fail.
      refused.push({ change: `rebuild ${t.name}`, reason: `its triggers name what this plan renames: apply the renames first, then plan again` });
      continue;
    }
    if (needsRebuild) {
      rebuildSteps.push(rebuildStep(ddl, d));
      d.dropForeignKeys.forEach((f) => droppedFks.add(f));
      continue;
    }
    columnSteps.push(...generatedSteps(ddl, d, opts, omitted, refused));
    // Foreign keys and checks going away or changing.
    for (const f of d.dropForeignKeys) {
      const s = must(ddl.dropConstraint(t.name, f.name));
      if (s) droppedFks.add(f);
      if (s) dropFkSteps.push(step([s], [addConstraintBack(ddl, t.name, liveForeignKey(f))]));
    }
    for (const c of d.dropChecks) {
      const s = must(ddl.dropConstraint(t.name, c.name));
      const back = ddl.addCheck(t.name, c);
      if (s) dropFkSteps.push(step([s], isRefusal(back) ? [] : [back]));
    }
    // DuckDB: a table other tables reference takes defaults only (ADD COLUMN works, but not the DROP COLUMN of its down).
    if (!facts.alterReferencedTable && referencedBy(t.name).length) {
      const reason = `${facts.label} cannot alter ${t.name} while other tables reference it by foreign key`;
      for (const c of d.add.filter((x) => !x.nullable)) refused.push({ change: `add column ${t.name}.${c.name} not null`, reason });
      // ADD COLUMN itself works, but its down (DROP COLUMN) would not: refused rather than irreversible.
      for (const c of d.add.filter((x) => x.nullable)) refused.push({ change: `add column ${t.name}.${c.name}`, reason: `${reason} (the down, DROP COLUMN, would fail)` });
      for (const c of d.change.filter((x) => x.type || x.collation)) refused.push({ change: `alter type of ${t.name}.${c.declared.name}`, reason });
      for (const c of d.change.filter((x) => x.nullability)) refused.push({ change: `${c.declared.nullable ? 'drop' : 'set'} not null on ${t.name}.${c.declared.name}`, reason });
      for (const c of d.drop) refused.push({ change: `drop column ${t.name}.${c.name}`, reason });
      d.add = [];
      d.change = d.change.filter((x) => x.default).map((x) => ({ ...x, type: false, collation: false, nullability: false }));
      d.drop = [];
    }
    // Indexes going away or changing (DuckDB: all of them first, when an ALTER below needs it).
    // (an added column counts: its down drops it again)
    const blocking = facts.indexesBlockAlter && (d.change.some((c) => c.type || c.nullability || c.collation) || d.drop.length > 0 || d.add.length > 0);
    if (blocking) dropIndexesForAlter(t);
    for (const i of blocking ? [] : d.dropIndexes) {
      if (constraintIndex(i, ddl)) {
        refused.push({ change: `drop index ${i.name} on ${t.name}`, reason: `the index belongs to a constraint of ${t.name}: ${facts.rebuild ? 'rebuild the table' : 'recreate the table'} to drop it` });
        continue;
      }
      const concurrently = facts.concurrentIndex;
      dropIndexSteps.push(step([ddl.dropIndex(i.name, { concurrently })], [recreateIndex(ddl, t.name, i, { concurrently, renamed: !!t.renamed })], { transaction: !concurrently }));
    }

    // Columns.
    for (const c of d.add) columnSteps.push(...addColumnSteps(ddl, t.name, c));
    for (const c of d.change) {
      if ((c.type || c.collation) && facts.constrainedColumnsFrozen && constrained(state, t, c.declared.name)) {
        refused.push({ change: `alter type of ${t.name}.${c.declared.name}`, reason: `${facts.label} cannot change the type of a column in a primary key, unique constraint or foreign key` });
      } else if (c.type && (enumPlan.names.has(c.declared.type) || enumPlan.names.has(c.live.type))) {
        const s = enumColumnStep(ddl, t.name, c.declared, c.live, enumPlan.names, refuse);
        if (s) columnSteps.push(s);
        c.default = false; // the enum step sets the declared default (and its down the live one)
      } else if (c.type || c.collation) {
        const up = must(ddl.alterColumnType(t.name, c.declared));
        const down = ddl.alterColumnType(t.name, c.live);
        if (up) columnSteps.push(step([up], isRefusal(down) ? [] : [down], { note: `rewrites ${t.name}; the cast must hold for every row` }));
      }
      if (c.default) {
        const up = c.declared.default === undefined ? ddl.dropDefault(t.name, c.declared.name) : ddl.setDefault(t.name, c.declared.name, c.declared.default);
        const down = c.live.default === undefined ? ddl.dropDefault(t.name, c.declared.name) : ddl.setDefault(t.name, c.declared.name, c.live.default);
        columnSteps.push(step([up], [down]));
      }
      if (c.nullability) {
        if (c.declared.nullable) columnSteps.push(step([ddl.dropNotNull(t.name, c.declared.name)], [ddl.setNotNull(t.name, c.declared.name)]));
        else columnSteps.push(...setNotNullSteps(ddl, t.name, c.declared.name));
      }
    }
    if (d.primaryKey && !facts.alterPrimaryKeyInPlace) {
      refuse(ddl.addPrimaryKey(t.name, `${t.name}_pkey`, d.declared.primaryKey) as DdlRefusal);
    } else if (d.primaryKey) {
      const pkName = `${t.name}_pkey`;
      const livePk = t.primaryKeyName ?? pkName;
      const up: string[] = [];
      const down: string[] = [];
      const dropLive = t.primaryKey.length ? must(ddl.dropConstraint(t.name, livePk)) : '';
      const addNew = d.declared.primaryKey.length ? must(ddl.addPrimaryKey(t.name, pkName, d.declared.primaryKey)) : '';
      if (dropLive !== undefined && addNew !== undefined) {
        if (dropLive) up.push(dropLive);
        if (addNew) up.push(addNew);
        if (addNew) down.push(ddl.dropConstraint(t.name, pkName) as string);
        if (dropLive) down.push(ddl.addPrimaryKey(t.name, livePk, t.primaryKey) as string);
        pkSteps.push(step(up, down, { note: `replaces the primary key of ${t.name} (an exclusive lock while the new key's index builds)` }));
      }
    }
    // Indexes: declared ones missing (and those dropped above so an ALTER could run).
    const toCreate = droppedForAlter.has(t.name) ? (d.declared.indexes ?? []).filter((i) => !t.indexes.some((li) => li.name === i.name || sameIndex(i, li, facts.indexKeyOrder))) : d.addIndexes;
    for (const i of toCreate) {
      const concurrently = facts.concurrentIndex;
      indexSteps.push(step([ddl.createIndex(t.name, i, { concurrently })], [ddl.dropIndex(i.name, { concurrently })], { transaction: !concurrently, ...(concurrently ? { note: 'CREATE INDEX CONCURRENTLY: runs outside a transaction; writes go on while it builds' } : {}) }));
    }
    for (const f of d.addForeignKeys) fkSteps.push(...addConstraintSteps(ddl, t.name, f.name, (notValid) => ddl.addForeignKey(t.name, f, { notValid }), refuse, f.notValid));
    for (const c of d.addChecks) fkSteps.push(...addConstraintSteps(ddl, t.name, c.name, (notValid) => ddl.addCheck(t.name, c, { notValid }), refuse));
    for (const c of d.drop) {
      if (facts.constrainedColumnsFrozen && constrained(state, t, c.name)) {
        refused.push({ change: `drop column ${t.name}.${c.name}`, reason: `${facts.label} cannot drop a column that is in a primary key, unique constraint or foreign key` });
        continue;
      }
      // Down adds it back empty; a NOT NULL one without a default through a placeholder default, dropped again.
      const back = !c.nullable && c.default === undefined ? [...ddl.addColumn(t.name, { ...c, default: ddl.placeholder(c.type) }), ddl.dropDefault(t.name, c.name)] : ddl.addColumn(t.name, c);
      dropColumnSteps.push(step([ddl.dropColumn(t.name, c.name)], back, { note: `drops ${t.name}.${c.name} and its data; down adds the column back without it` }));
    }
  }

  // 4. New tables, referenced ones first, each with its indexes.
  const ordered = orderTables(newTables.filter((t) => !candidateTables.has(t.name)));
  refused.push(...uncreatableGenerated(ddl, ordered)); // issue 17
  const cycles = cycleForeignKeys(ddl, ordered, refuse);
  const created = cycles.tables;
  const referenced = referencedKeys(wanted.values());
  const createSteps = created.map((t) => {
    const { table, indexes } = ddl.facts.foreignKeysNeedUniqueConstraints ? withUniqueConstraints(t, referenced) : { table: t, indexes: t.indexes ?? [] };
    return step([ddl.createTable(table), ...indexes.map((i) => ddl.createIndex(t.name, i))], [ddl.dropTable(t.name)], { note: `creates ${t.name}` });
  });
  createSteps.push(...cycles.steps);

  // 5. Tables no longer declared: dropped (children first) with allowDrop, else left.
  const dropTableSteps: PlannedStep[] = [];
  const gone = goneTables.filter((t) => !candidateTables.has(t.name));
  const goneNames = new Set(gone.map((t) => t.name));
  for (const t of orderLiveTables(gone).reverse()) {
    if (!opts.allowDrop) {
      omitted.push({ change: `drop table ${t.name}`, reason: 'it is not declared; dropping a table needs allowDrop' });
      continue;
    }
    const kept = referencedBy(t.name).filter((f) => !goneNames.has(f.table) && !droppedFks.has(f));
    if (kept.length && !facts.alterConstraintsInPlace) {
      refused.push({ change: `drop table ${t.name}`, reason: `${facts.label} cannot drop a table that ${kept.map((f) => f.table).join(', ')} references by foreign key` });
      continue;
    }
    const recreate = [ddl.createTable(liveDdlTable(t, ddl)), ...t.indexes.filter((i) => !constraintIndex(i, ddl)).map((i) => recreateIndex(ddl, t.name, i)), ...t.triggers];
    const up = [...kept.map((f) => ddl.dropConstraint(f.table, f.name) as string), ddl.dropTable(t.name)];
    const down = [...recreate, ...kept.map((f) => addConstraintBack(ddl, f.table, liveForeignKey(f)))];
    dropTableSteps.push(facts.rebuild ? foreignKeysOff(up, down, `drops ${t.name} and its rows; down creates it again empty`) : step(up, down, { note: `drops ${t.name} and its rows; down creates it again empty` }));
  }

  // Columns are dropped before indexes are (re)built: DuckDB builds them again only after its last ALTER.
  // Enum types are created (and their values changed) before anything uses them, dropped after the last use.
  out.push(...enumPlan.before, ...dropFkSteps, ...dropIndexSteps, ...sequenceSteps(ddl, live, [...wanted.values()]), ...createSteps, ...rebuildSteps, ...columnSteps, ...pkSteps, ...dropColumnSteps, ...indexSteps, ...fkSteps, ...dropTableSteps, ...enumPlan.after);
  // Indexes an ALTER needed gone go first: their downs, run last, see the original names again.
  return { engine, steps: [...preSteps, ...renameSteps, ...out], omitted, refused, renameCandidates };
}

/** An expression with a column renamed (`"from"` or bare `from`, not inside a string literal). */
function renameIn(expr: string, from: string, to: string): string {
  const esc = from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return expr
    .split(/('(?:[^']|'')*')/)
    .map((part, n) => (n % 2 ? part : part.replace(new RegExp(`"${esc}"|\\b${esc}\\b`, 'g'), /^[a-z_][a-z0-9_]*$/.test(to) ? to : `"${to.replace(/"/g, '""')}"`)))
    .join('');
}

/** Whether a column is in the table's primary key, a unique constraint or a foreign key (either side). */
function constrained(state: Map<string, LiveTable>, t: LiveTable, column: string): boolean {
  if (t.primaryKey.includes(column)) return true;
  if (t.indexes.some((i) => i.unique && !i.definition && i.columns.includes(column))) return true;
  if (t.foreignKeys.some((f) => f.columns.includes(column))) return true;
  return [...state.values()].some((o) => o.foreignKeys.some((f) => f.refTable === t.name && f.refColumns.includes(column)));
}

function diffTable(ddl: SchemaDdl, d: DdlTable, t: LiveTable, opts: PlanOptions, omitted: PlanExclusion[], candidates: RenameCandidate[], enumNames: ReadonlySet<string> = new Set()): TableDiff {
  const liveCols = new Map(t.columns.map((c) => [c.name, c]));
  const declaredNames = new Set(d.columns.map((c) => c.name));
  const added = d.columns.filter((c) => !liveCols.has(c.name));
  const gone = t.columns.filter((c) => !declaredNames.has(c.name)).map(liveColumn);
  const add: DdlColumn[] = [];
  const drop: DdlColumn[] = [];
  const keep: DdlColumn[] = [];
  const paired = new Set<string>();
  for (const c of added) {
    const g = gone.find((x) => !paired.has(x.name) && sameType(ddl, c.type, x.type));
    if (g) {
      paired.add(g.name);
      candidates.push({ table: d.name, from: g.name, to: c.name });
    } else add.push(c);
  }
  for (const g of gone) {
    if (paired.has(g.name)) keep.push(g);
    else if (opts.allowDrop) drop.push(g);
    else {
      keep.push(g);
      omitted.push({ change: `drop column ${d.name}.${g.name}`, reason: 'it is not declared; dropping a column needs allowDrop' });
    }
  }
  const change: ColumnChange[] = [];
  for (const c of d.columns) {
    const lc = liveCols.get(c.name);
    if (!lc) continue;
    const liveDdl = liveColumn(lc);
    const inPk = d.primaryKey.includes(c.name);
    let type = !sameType(ddl, c.type, lc.type);
    // To an enum type: a value the type lacks fails the cast (nothing is lost silently).
    if (type && !opts.allowDrop && !isWidening(ddl, c.type, lc.type) && !enumNames.has(c.type)) {
      omitted.push({ change: `change type of ${d.name}.${c.name} from ${lc.type} to ${c.type}`, reason: 'a narrowing type change can lose data; it needs allowDrop' });
      type = false;
    }
    const liveNullable = lc.nullable && !t.primaryKey.includes(c.name);
    const nullability = !inPk && liveNullable !== c.nullable;
    const dflt = !sameDefault(ddl, c, lc);
    const collation = ddl.facts.collations && !sameCollation(c, lc);
    let generated = !sameGenerated(ddl, c, lc);
    if (generated && c.generated && !lc.generated && !opts.allowDrop) {
      omitted.push({ change: `make ${d.name}.${c.name} a generated column`, reason: 'its values would be replaced by computed ones; that needs allowDrop' });
      generated = false;
    }
    if (type || nullability || dflt || collation || generated) change.push({ declared: type ? c : { ...c, type: lc.type }, live: liveDdl, type, nullability, default: dflt, collation, generated });
  }
  const primaryKey = d.primaryKey.length > 0 && !sameList(d.primaryKey, t.primaryKey);

  const matchedIdx = new Set<string>();
  const addIndexes: DdlIndex[] = [];
  const dropIndexes: LiveTable['indexes'] = [];
  for (const i of d.indexes ?? []) {
    const li = findLiveIndex(t.indexes, i, ddl.facts.indexKeyOrder);
    if (li && sameIndex(i, li, ddl.facts.indexKeyOrder)) {
      matchedIdx.add(li.name);
      continue;
    }
    if (li) {
      matchedIdx.add(li.name);
      dropIndexes.push(li);
    }
    addIndexes.push(i);
  }
  for (const li of t.indexes) if (!matchedIdx.has(li.name) && !constraintIndex(li, ddl)) dropIndexes.push(li);

  const matchedFk = new Set<string>();
  const addForeignKeys: DdlForeignKey[] = [];
  const dropForeignKeys: LiveTable['foreignKeys'] = [];
  for (const f of d.foreignKeys ?? []) {
    const lf = findLiveForeignKey(t.foreignKeys, f);
    if (lf && sameForeignKey(ddl, f, lf)) {
      matchedFk.add(lf.name);
      continue;
    }
    if (lf) {
      matchedFk.add(lf.name);
      dropForeignKeys.push(lf);
    }
    addForeignKeys.push(f);
  }
  for (const lf of t.foreignKeys) if (!matchedFk.has(lf.name)) dropForeignKeys.push(lf);

  const addChecks: DdlCheck[] = [];
  const dropChecks: DdlCheck[] = [];
  if (t.checks && d.checks) {
    // by name, else by expression (DuckDB names checks itself); expressions as the engine spells them back
    const canon = (e: string) => ddl.canonicalCheck(e);
    const kept = new Set<DdlCheck>();
    for (const c of d.checks ?? []) {
      const lc = t.checks.find((x) => x.name === c.name && !kept.has(x)) ?? t.checks.find((x) => !kept.has(x) && !(d.checks ?? []).some((o) => o.name === x.name) && canon(x.expression) === canon(c.expression));
      if (lc) kept.add(lc);
      if (lc && canon(lc.expression) === canon(c.expression)) continue;
      if (lc) dropChecks.push(lc);
      addChecks.push(c);
    }
    for (const lc of t.checks) if (!kept.has(lc)) dropChecks.push(lc);
  }
  return { declared: d, live: t, add, drop, keep, change, primaryKey, dropIndexes, addIndexes, dropForeignKeys, addForeignKeys, dropChecks, addChecks };
}

const LITERAL = /^\s*(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?|'(?:[^']|'')*'|null|true|false)\s*$/i;

/** Whether the engine's ALTER TABLE cannot do a change of this table (SQLite: it rebuilds then). */
function rebuildNeeded(ddl: SchemaDdl, d: TableDiff, state: Map<string, LiveTable>): boolean {
  const f = ddl.facts;
  if (d.change.some((c) => c.generated) || d.add.some((c) => c.generated && !f.generatedColumns?.add.includes(c.generated.stored ? 'stored' : 'virtual'))) return true; // issue 17
  if (d.change.some((c) => (c.type && !f.alterTypeInPlace) || (c.collation && !f.alterCollationInPlace) || (c.nullability && !f.setNotNullInPlace) || (c.default && !f.setDefaultInPlace))) return true;
  if (d.primaryKey && !f.alterPrimaryKeyInPlace) return true;
  if ((d.addForeignKeys.length || d.dropForeignKeys.length || d.addChecks.length || d.dropChecks.length) && !f.alterConstraintsInPlace) return true;
  const fkCols = new Set((d.declared.foreignKeys ?? []).flatMap((x) => x.columns));
  if (d.add.some((c) => (!c.nullable && c.default === undefined && !f.addNotNullWithoutDefault) || (c.default !== undefined && !f.addColumnExpressionDefault && !LITERAL.test(c.default)) || fkCols.has(c.name))) return true;
  if (d.drop.some((c) => !f.dropColumnInPlace || (!c.nullable && c.default === undefined && !f.setDefaultInPlace) || constrained(state, d.live, c.name) || d.live.indexes.some((i) => i.columns.includes(c.name)))) return true;
  return false;
}

/** Foreign keys off around a transaction of its own, checked before the commit (SQLite). */
function foreignKeysOff(up: string[], down: string[], note: string): PlannedStep {
  const wrap = (s: string[]) => ['pragma foreign_keys = off', 'begin', ...s, 'commit', 'pragma foreign_keys = on'];
  return step(wrap(up), wrap(down), { transaction: false, note });
}

/** SQLite's rebuild of one table to its declared shape (undeclared columns kept unless dropped), and back. */
function rebuildStep(ddl: SchemaDdl, d: TableDiff): PlannedStep {
  const t = d.live;
  const liveCols = new Map(t.columns.map((c) => [c.name, c]));
  const liveNames = new Set(liveCols.keys());
  // Declared columns (a rename candidate's new column is not added; a type change left out keeps the live type), then the undeclared ones kept.
  const columns: DdlColumn[] = [];
  for (const c of d.declared.columns) {
    const lc = liveCols.get(c.name);
    if (!lc) {
      if (d.add.includes(c)) columns.push(c);
      continue;
    }
    const ch = d.change.find((x) => x.declared.name === c.name);
    const col = ch?.type ? c : { ...c, type: lc.type };
    const { generated: _declared, ...plain } = col;
    // a generated-column change left out (or none) keeps the live column's generation
    columns.push(ch?.generated ? col : lc.generated ? { ...plain, generated: lc.generated } : plain);
  }
  const target: DdlTable = { ...d.declared, columns: [...columns, ...d.keep] };
  const copyUp = target.columns.filter((c) => liveNames.has(c.name) && !c.generated).map((c) => ({ to: c.name, from: c.name })); // generated: computed, never inserted
  const up = ddl.rebuildTable(target, copyUp, { triggers: t.triggers, selfCheck: true });
  const back = liveDdlTable(t);
  const targetNames = new Set(target.columns.map((c) => c.name));
  // A NOT NULL column without a default the rebuild dropped comes back with a placeholder value (its data is gone).
  const copyDown = back.columns
    .filter((c) => !c.generated && (targetNames.has(c.name) || (!c.nullable && c.default === undefined)))
    .map((c) => (targetNames.has(c.name) ? { to: c.name, from: c.name } : { to: c.name, value: ddl.placeholder(c.type) }));
  const liveIndexes = t.indexes.filter((i) => !constraintIndex(i, ddl)).map((i) => recreateIndex(ddl, t.name, i, { renamed: !!t.renamed }));
  const down = ddl.rebuildTable(back, copyDown, { triggers: [...liveIndexes, ...t.triggers], selfCheck: true });
  return step(isRefusal(up) ? [] : up, isRefusal(down) ? [] : down, {
    transaction: false,
    note: `rebuilds ${t.name} (${ddl.facts.label} cannot alter it in place): foreign keys off, rows copied, indexes and triggers created again, foreign keys checked before the commit`,
  });
}

/** ADD COLUMN the safe way: a volatile default (PostgreSQL) or NOT NULL after a backfill where needed. */
function addColumnSteps(ddl: SchemaDdl, table: string, c: DdlColumn): PlannedStep[] {
  const drop = [ddl.dropColumn(table, c.name)];
  if (c.default !== undefined && ddl.isVolatile(c.default) && ddl.facts.notValid) {
    const { default: _volatile, ...bare } = c;
    const up = [ddl.addNullableColumn(table, bare), ddl.setDefault(table, c.name, c.default), `update ${quote(table)} set ${quote(c.name)} = ${c.default} where ${quote(c.name)} is null`];
    const steps = [step(up, drop, { note: `a volatile default would rewrite ${table} under an exclusive lock: the column is added without it, then the default is set and existing rows are filled` })];
    if (!c.nullable) steps.push(...setNotNullSteps(ddl, table, c.name));
    return steps;
  }
  const note = !c.nullable && c.default === undefined ? `NOT NULL without a default: fails if ${table} has rows (declare a default, or add it nullable, backfill, then declare it NOT NULL)` : undefined;
  return [step(ddl.addColumn(table, c), drop, note ? { note } : {})];
}

const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** SET NOT NULL; on PostgreSQL through a CHECK added NOT VALID and validated (no long exclusive lock). */
function setNotNullSteps(ddl: SchemaDdl, table: string, column: string): PlannedStep[] {
  if (!ddl.facts.notValid) return [step([ddl.setNotNull(table, column)], [ddl.dropNotNull(table, column)])];
  const check = { name: `${table}_${column}_not_null`, expression: `${quote(column)} is not null` };
  const add = ddl.addCheck(table, check, { notValid: true }) as string;
  const drop = ddl.dropConstraint(table, check.name) as string;
  return [
    step([add], [drop], { note: `NOT NULL on ${table}.${column}: a check added NOT VALID first (a short lock)` }),
    step([ddl.validateConstraint(table, check.name)], [], { note: 'VALIDATE scans the rows without blocking writes' }),
    step([ddl.setNotNull(table, column), drop], [ddl.addCheck(table, check) as string, ddl.dropNotNull(table, column)], { note: 'SET NOT NULL uses the validated check instead of scanning' }),
  ];
}

/** A constraint added NOT VALID then validated (PostgreSQL) — left NOT VALID when declared so (`keepNotValid`) — or in one statement. */
function addConstraintSteps(ddl: SchemaDdl, table: string, name: string, add: (notValid: boolean) => string | DdlRefusal, refuse: (r: DdlRefusal) => void, keepNotValid = false): PlannedStep[] {
  const notValid = ddl.facts.notValid;
  const up = add(notValid);
  if (isRefusal(up)) {
    refuse(up);
    return [];
  }
  const drop = ddl.dropConstraint(table, name) as string;
  if (!notValid) return [step([up], [drop])];
  if (keepNotValid) return [step([up], [drop], { note: `${name} added NOT VALID and left so (declared notValid): existing rows are not checked` })];
  return [step([up], [drop], { note: `${name} added NOT VALID: new rows are checked from now on` }), step([ddl.validateConstraint(table, name)], [], { note: `VALIDATE ${name}: existing rows checked without blocking writes` })];
}

function addConstraintBack(ddl: SchemaDdl, table: string, fk: DdlForeignKey): string {
  const s = ddl.addForeignKey(table, fk);
  return isRefusal(s) ? `-- ${s.reason}` : s;
}

/**
 * New tables that reference each other in a cycle (documenso: Organisation → OrganisationGlobalSettings →
 * OrganisationEmail → EmailDomain → Organisation): no order creates every table after those it references.
 * A foreign key to a table created later is left out of CREATE TABLE and added once all exist (its down
 * drops it before the tables go); SQLite takes the forward reference as it is; DuckDB, which cannot add a
 * foreign key to an existing table, refuses such tables, naming them.
 */
function cycleForeignKeys(ddl: SchemaDdl, ordered: DdlTable[], refuse: (r: DdlRefusal) => void): { tables: DdlTable[]; steps: PlannedStep[] } {
  if (ddl.facts.forwardForeignKeys) return { tables: ordered, steps: [] };
  const position = new Map(ordered.map((t, i) => [t.name, i]));
  const steps: PlannedStep[] = [];
  const tables: DdlTable[] = [];
  ordered.forEach((t, i) => {
    const later = (t.foreignKeys ?? []).filter((f) => (position.get(f.refTable) ?? -1) > i);
    if (!later.length) return tables.push(t);
    if (!ddl.facts.alterConstraintsInPlace) {
      const to = [...new Set(later.map((f) => f.refTable))].join(', ');
      refuse({ refused: `create table ${t.name}`, reason: `${ddl.facts.label} cannot create tables whose foreign keys form a cycle (${t.name} → ${to} → … → ${t.name}): it has no ALTER TABLE … ADD FOREIGN KEY` });
      return;
    }
    tables.push({ ...t, foreignKeys: (t.foreignKeys ?? []).filter((f) => !later.includes(f)) });
    for (const f of later) {
      const add = ddl.addForeignKey(t.name, f);
      if (isRefusal(add)) refuse(add);
      else steps.push(step([add], [ddl.dropConstraint(t.name, f.name) as string], { note: `${f.name}: added once ${f.refTable} exists (the new tables reference each other in a cycle)` }));
    }
  });
  return { tables, steps };
}

/** Tables in an order where every referenced table comes first (cycles keep the given order). */
/** The column lists foreign keys reference, per table (`users` → `email`). */
function referencedKeys(tables: Iterable<DdlTable>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const t of tables) for (const f of t.foreignKeys ?? []) (out.get(f.refTable) ?? out.set(f.refTable, new Set()).get(f.refTable)!).add(f.refColumns.join('\0'));
  return out;
}

/**
 * A new table's plain unique indexes that a foreign key references, as UNIQUE constraints of its CREATE
 * TABLE (DuckDB refuses a foreign key to a unique index: "does not have a primary key or unique
 * constraint"); its other indexes stay indexes.
 */
function withUniqueConstraints(t: DdlTable, referenced: Map<string, Set<string>>): { table: DdlTable; indexes: DdlIndex[] } {
  const keys = referenced.get(t.name);
  const isKey = (i: DdlIndex) => !!keys && !!i.unique && !i.where && !i.using && !i.include?.length && keys.has(i.columns.join('\0'));
  const indexes = t.indexes ?? [];
  const uniques = indexes.filter(isKey).map((i) => ({ name: i.name, columns: i.columns }));
  return { table: uniques.length ? { ...t, uniques } : t, indexes: indexes.filter((i) => !isKey(i)) };
}

function orderTables(tables: DdlTable[]): DdlTable[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const out: DdlTable[] = [];
  const seen = new Set<string>();
  const visit = (t: DdlTable) => {
    if (seen.has(t.name)) return;
    seen.add(t.name);
    for (const f of t.foreignKeys ?? []) {
      const dep = byName.get(f.refTable);
      if (dep && dep !== t) visit(dep);
    }
    out.push(t);
  };
  tables.forEach(visit);
  return out;
}

function orderLiveTables(tables: LiveTable[]): LiveTable[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const out: LiveTable[] = [];
  const seen = new Set<string>();
  const visit = (t: LiveTable) => {
    if (seen.has(t.name)) return;
    seen.add(t.name);
    for (const f of t.foreignKeys) {
      const dep = byName.get(f.refTable);
      if (dep && dep !== t) visit(dep);
    }
    out.push(t);
  };
  tables.forEach(visit);
  return out;
}

/**
 * Generated columns of a table altered in place (issue 17): one added as the engine's ADD COLUMN takes it, else
 * refused; one whose expression or kind changed (or that became or stopped being generated) is dropped and
 * added again (its values are computed again; a plain column's data is lost: that needs allowDrop). Taken out
 * of `d.add` and `d.change` so that nothing else plans them.
 */
function generatedSteps(ddl: SchemaDdl, d: TableDiff, opts: PlanOptions, omitted: PlanExclusion[], refused: PlanExclusion[]): PlannedStep[] {
  const { facts } = ddl;
  const table = d.live.name;
  const kind = (c: DdlColumn) => (c.generated!.stored ? 'stored' : 'virtual');
  const canAdd = (c: DdlColumn) => !c.generated || !!facts.generatedColumns?.add.includes(kind(c));
  const out: PlannedStep[] = [];
  for (const c of d.add.filter((x) => x.generated)) {
    if (canAdd(c)) out.push(step(ddl.addColumn(table, c), [ddl.dropColumn(table, c.name)]));
    else refused.push({ change: `add generated column ${table}.${c.name}`, reason: `${facts.label} cannot add a ${kind(c)} generated column to an existing table` });
  }
  d.add = d.add.filter((x) => !x.generated);
  for (const ch of d.change.filter((x) => x.generated)) {
    const change = `make ${table}.${ch.declared.name} ${ch.declared.generated ? `generated always as (${ch.declared.generated.expression}) ${kind(ch.declared)}` : 'a plain column'}`;
    if (!canAdd(ch.declared) || !canAdd(ch.live)) {
      refused.push({ change, reason: `${facts.label} cannot add ${ch.declared.generated && !canAdd(ch.declared) ? `a ${kind(ch.declared)}` : 'a'} generated column to an existing table (drop and add is the only way)` });
    } else if (!ch.live.generated && !opts.allowDrop) {
      omitted.push({ change, reason: `the column's values would be replaced by computed ones; that needs allowDrop` });
    } else {
      out.push(step([ddl.dropColumn(table, ch.declared.name), ...ddl.addColumn(table, ch.declared)], [ddl.dropColumn(table, ch.declared.name), ...ddl.addColumn(table, ch.live)], { note: `${table}.${ch.declared.name} dropped and added again: a generated column cannot be altered in place` }));
    }
  }
  d.change = d.change.filter((x) => !x.generated);
  return out;
}

/** CREATE SEQUENCE for each sequence a declared default draws from that the schema lacks (PostgreSQL `nextval('…')`; issue 17). */
function sequenceSteps(ddl: SchemaDdl, live: SchemaSnapshot, tables: DdlTable[]): PlannedStep[] {
  if (!ddl.sequenceOf || !ddl.createSequence || !ddl.dropSequence || !live.sequences) return [];
  const have = new Set(live.sequences);
  const out: PlannedStep[] = [];
  for (const t of tables) {
    for (const c of t.columns) {
      const s = c.default === undefined ? undefined : ddl.sequenceOf(c.default);
      if (!s || have.has(s.name)) continue;
      have.add(s.name);
      out.push(step([ddl.createSequence(s.sql)], [ddl.dropSequence(s.sql)], { note: `the default of ${t.name}.${c.name} draws from ${s.sql}` }));
    }
  }
  return out;
}

/** Generated columns of a kind the engine's CREATE TABLE does not take (PostgreSQL: virtual; DuckDB: stored). */
function uncreatableGenerated(ddl: SchemaDdl, tables: DdlTable[]): PlanExclusion[] {
  const kinds = ddl.facts.generatedColumns?.create ?? [];
  return tables.flatMap((t) =>
    t.columns
      .filter((c) => c.generated && !kinds.includes(c.generated.stored ? 'stored' : 'virtual'))
      .map((c) => ({ change: `create ${t.name} with generated column ${c.name}`, reason: `${ddl.facts.label} has no ${c.generated!.stored ? 'stored' : 'virtual'} generated columns (declare \`stored: { ${ddl.engine}: ${!c.generated!.stored} }\`)` })),
  );
}
