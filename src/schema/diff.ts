import { sql, type Kysely } from 'kysely';
import type { Engine } from '../config/url.js';
import type { ColumnInfo, ForeignKeyInfo, IndexInfo, SchemaSnapshot, TableInfo } from '../dialects/types.js';
import { ddlFor } from '../dialects/ddl.js';
import { quoteIdent } from '../dialects/quote.js';
import { typeFamily } from '../dialects/type-family.js';
import { addColumnSql, addForeignKeyPgSql, alterTypeSql, createIndexSql, ddlIndex, dropIndexSql, createTableSql, insertRowsSql, missingSequencesSql, rebuildTableSql, setNotNullSql, validateConstraintSql } from './autofix/sql.js';
import { diffChecks, diffEnums } from './diff-checks-enums.js';
import { sameIndexColumns, sameIndexExtras, samePredicate } from './generate/compare.js';
import { enumTypeNames } from './generate/enums.js';
import { finding, type DiffItem, type FindingFix } from './findings.js';
import { appliesTo, forEngine, type ExpectedColumn, type ExpectedForeignKey, type ExpectedIndex, type ExpectedSchema, type ExpectedTable } from './model.js';

/** eventdb's own tables (history, logs) are not part of the platform schema. */
export function isInternalTable(name: string): boolean {
  return name.startsWith('eventdb_');
}

/** The tables of the expected schema that exist on this engine. */
/** A missing foreign key added in place: NOT VALID, then VALIDATE (engines that alter constraints in place). `why`: said after "is missing". */
function addForeignKeyItem(db: Kysely<any>, table: string, fk: ExpectedForeignKey, engine: Engine, level: 'error' | 'warning', why = ''): DiffItem {
  const s = addForeignKeyPgSql(db, table, fk, engine);
  const obj = `foreign key ${table}(${fk.columns.join(', ')}) → ${fk.references.table}`;
  const msg = `foreign key ${table}(${fk.columns.join(', ')}) → ${fk.references.table}(${fk.references.columns.join(', ')}) is missing${why}`;
  const fix = fk.notValid ? auto('add the foreign key NOT VALID (declared notValid: existing rows are not checked)', [s.add]) : auto('add the foreign key NOT VALID, then VALIDATE it', [s.add, s.validate]);
  return { finding: finding('schema', level, 'missing-foreign-key', obj, msg, fix), action: { type: 'add-foreign-key', table, fk } };
}

/**
 * An INVALID index (PostgreSQL: a CREATE INDEX CONCURRENTLY that failed left it): never used for
 * reads, still maintained on every write — an error when schema/ declares it (what it should give is
 * missing), a warning otherwise. Rebuilt outside a transaction: dropped, then built again.
 */
function invalidIndexItem(db: Kysely<any>, table: string, li: IndexInfo, engine: Engine, level: 'error' | 'warning', declared?: ExpectedIndex): DiffItem {
  const rebuild = declared ? [dropIndexSql(db, li.name, { concurrently: true }), createIndexSql(db, table, declared, engine, { concurrently: true })] : [dropIndexSql(db, li.name, { concurrently: true })];
  return {
    finding: finding('schema', level, 'index-invalid', `index ${li.name}`, `index ${li.name} on ${table} is INVALID: a CREATE INDEX CONCURRENTLY that failed left it; it is never used and still slows every write`,
      migration(declared ? 'drop it and build it again, in a `-- eventdb:no-transaction` migration (a build over duplicates fails again: remove them first)' : 'drop it (in a `-- eventdb:no-transaction` migration), or build it again once the cause is fixed', rebuild)),
  };
}

export function tablesFor(expected: ExpectedSchema, engine: Engine): ExpectedTable[] {
  return expected.tables.filter((t) => appliesTo(t, engine));
}

const norm = (s: string) => s.replace(/["`\s]/g, '').toLowerCase();
const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => norm(x) === norm(b[i]!));

/** Whether a live column's family satisfies the declaration (declared family, or the family of the engine's declared type). */
export function familyMatches(col: ExpectedColumn, live: ColumnInfo, engine: Engine): boolean {
  if (live.family === col.family) return true;
  const declared = forEngine(col.type, engine);
  return declared !== undefined && typeFamily(declared) === live.family;
}

/** The live index of a declared one: by name, else an index of the same keys. `keyOrder`: see DdlFacts.indexKeyOrder. */
export function findIndex(live: IndexInfo[], table: string, i: ExpectedIndex, keyOrder = true): IndexInfo | undefined {
  const onTable = live.filter((l) => l.table === table);
  return onTable.find((l) => l.name === i.name) ?? onTable.find((l) => !!l.unique === !!i.unique && sameIndexColumns(i, l, keyOrder));
}

export function findForeignKey(live: ForeignKeyInfo[], table: string, fk: ExpectedForeignKey): ForeignKeyInfo | undefined {
  return live.find((l) => l.table === table && l.refTable === fk.references.table && sameList(l.columns, fk.columns) && sameList(l.refColumns, fk.references.columns));
}

const migration = (description: string, sqlText: string[]): FindingFix => ({ kind: 'migration', description, sql: sqlText });
export const manual = (description: string): FindingFix => ({ kind: 'manual', description, sql: [] });
const auto = (description: string, sqlText: string[]): FindingFix => ({ kind: 'auto-fix', description, sql: sqlText });

/**
 * The "schema" check group: the live database against the expected schema. Pure: no queries (the
 * SQL is compiled with the connection's Kysely instance, nothing is executed).
 */
export function diffSchema(db: Kysely<any>, expected: ExpectedSchema, live: SchemaSnapshot): DiffItem[] {
  const engine = live.engine;
  const items: DiffItem[] = [];
  const liveTables = new Map(live.tables.map((t) => [t.name, t]));
  const wanted = tablesFor(expected, engine);
  const wantedNames = new Set(expected.tables.map((t) => t.name));
  items.push(...diffEnums(expected, live)); // enum types first: auto-fix creates them before the tables that use them
  const enumTypes = [...enumTypeNames(live, expected, engine)]; // their names quoted in column types where they need it
  const enums = enumTypes.length ? { enumTypes } : {};

  const sequences = new Set(live.sequences ?? []); // sequences auto-fix creates are added as it plans them
  const { facts } = ddlFor(engine);
  const missing = orderByDependencies(wanted.filter((x) => !liveTables.has(x.name)));
  const position = new Map(missing.map((t, i) => [t.name, i]));
  const cycleKeys: DiffItem[] = [];
  for (const [i, declared] of missing.entries()) {
    // Missing tables whose foreign keys form a cycle (Synapse's read/write locks): a CREATE TABLE cannot name
    // a table not there yet (PostgreSQL), so the key to the one made later is added once both exist —
    // NOT VALID, then VALIDATE, as any missing key. SQLite takes the forward reference as it is.
    const later = !facts.forwardForeignKeys && facts.alterConstraintsInPlace && facts.notValid
      ? (declared.foreignKeys ?? []).filter((fk) => appliesTo(fk, engine) && (position.get(fk.references.table) ?? -1) > i)
      : [];
    const t = later.length ? { ...declared, foreignKeys: (declared.foreignKeys ?? []).filter((fk) => !later.includes(fk)) } : declared;
    for (const fk of later) cycleKeys.push(addForeignKeyItem(db, t.name, fk, engine, t.required ? 'error' : 'warning', ` (added once ${fk.references.table} exists: the missing tables reference each other)`));
    const seq = missingSequencesSql(t.columns, engine, sequences);
    const sqlText = [...seq, ...createTableSql(db, t, engine, enumTypes)];
    items.push({
      finding: finding('schema', t.required ? 'error' : 'warning', t.required ? 'missing-table' : 'missing-optional-table', `table ${t.name}`,
        `${t.required ? 'required' : 'optional'} table ${t.name} is missing`, auto(`create table ${t.name}`, sqlText)),
      action: { type: 'create-table', table: t, required: t.required, ...(seq.length ? { sequences: seq } : {}), ...enums },
    });
  }
  items.push(...cycleKeys); // auto-fix orders them after every create-table
  for (const t of wanted) {
    const lt = liveTables.get(t.name);
    if (lt) items.push(...diffTable(db, t, lt, live, engine, sequences, enumTypes));
  }
  for (const lt of live.tables) {
    if (isInternalTable(lt.name) || wantedNames.has(lt.name)) continue;
    items.push({ finding: finding('schema', 'info', 'unknown-table', `table ${lt.name}`, `table ${lt.name} is not in the expected schema`, manual('declare it in schema/ (as an optional table) if the application uses it, or drop it in a migration')) });
  }
  return items;
}

function diffTable(db: Kysely<any>, t: ExpectedTable, lt: TableInfo, live: SchemaSnapshot, engine: Engine, sequences: Set<string>, enumTypes: string[] = []): DiffItem[] {
  const items: DiffItem[] = [];
  const enums = enumTypes.length ? { enumTypes } : {};
  const liveCols = new Map(lt.columns.map((c) => [c.name, c]));
  const rebuild = () => rebuildTableSql(db, t, lt.columns.map((c) => c.name), engine);
  const { facts } = ddlFor(engine);
  const rebuildNote = `${facts.label} cannot alter this in place: rebuild the table in a migration`;

  for (const c of t.columns) {
    const lc = liveCols.get(c.name);
    const obj = `column ${t.name}.${c.name}`;
    if (!lc && facts.notNullBlockedByDependants && !c.nullable && hasDependants(live, t.name)) {
      items.push({
        finding: finding('schema', 'error', 'missing-column', obj, `column ${t.name}.${c.name} (${columnTypeLabel(c, engine)} not null) is missing`,
          migration('DuckDB cannot SET NOT NULL on a table with indexes or referencing foreign keys: rebuild the table and its dependants in a migration', [...addColumnSql(db, t.name, c, engine, enumTypes).slice(0, 1), `-- then rebuild ${quoteIdent(t.name)} with ${quoteIdent(c.name)} NOT NULL`])),
      });
      continue;
    }
    if (!lc) {
      const seq = missingSequencesSql([c], engine, sequences);
      items.push({
        finding: finding('schema', 'error', 'missing-column', obj, `column ${t.name}.${c.name} (${columnTypeLabel(c, engine)}${c.nullable ? '' : ' not null'}) is missing`, auto(`add column ${t.name}.${c.name}`, [...seq, ...addColumnSql(db, t.name, c, engine, enumTypes)])),
        action: { type: 'add-column', table: t.name, column: c, ...(seq.length ? { sequences: seq } : {}), ...enums },
      });
      continue;
    }
    if (!familyMatches(c, lc, engine)) {
      items.push({
        finding: finding('schema', 'error', 'type-mismatch', obj, `column ${t.name}.${c.name} is ${lc.type} (${lc.family}); expected ${c.family}`,
          !facts.alterTypeInPlace ? migration(rebuildNote, rebuild()) : migration('change the column type in a migration (it rewrites the table; check the cast)', [alterTypeSql(db, t.name, c, engine)])),
      });
    }
    const collate = forEngine(c.collate, engine);
    if (facts.collations && norm(collate ?? '') !== norm(lc.collation ?? '')) {
      items.push({
        finding: finding('schema', 'error', 'collation-mismatch', obj, `column ${t.name}.${c.name} has ${lc.collation ? `collation ${lc.collation}` : 'the default collation'}; expected ${collate ? `collation ${collate}` : 'the default collation'}`,
          !facts.alterCollationInPlace ? migration(rebuildNote, rebuild()) : migration('change the collation in a migration (it rebuilds the column\'s indexes)', [alterTypeSql(db, t.name, c, engine)])),
      });
    }
    const liveNullable = lc.nullable && !lt.primaryKey.includes(c.name);
    if (liveNullable !== c.nullable) {
      const fixSql = !facts.setNotNullInPlace ? rebuild() : [setNotNullSql(db, t.name, c.name, !c.nullable)];
      items.push({
        finding: finding('schema', 'error', 'nullability', obj, `column ${t.name}.${c.name} is ${liveNullable ? 'nullable' : 'not null'}; expected ${c.nullable ? 'nullable' : 'not null'}`,
          migration(!facts.setNotNullInPlace ? rebuildNote : c.nullable ? 'drop the NOT NULL in a migration' : 'backfill the NULLs, then set NOT NULL in a migration', fixSql)),
      });
    }
    const generated = generatedMismatch(t.name, c, lc, engine);
    if (generated) items.push(generated);
  }
  const declared = new Set(t.columns.map((c) => c.name));
  for (const lc of lt.columns) {
    if (!declared.has(lc.name)) items.push({ finding: finding('schema', 'info', 'unknown-column', `column ${t.name}.${lc.name}`, `column ${t.name}.${lc.name} (${lc.type}) is not in the expected schema`, manual('declare it in schema/ if the application uses it, or drop it in a migration')) });
  }

  if (t.primaryKey.length && !sameList(lt.primaryKey, t.primaryKey)) {
    items.push({
      finding: finding('schema', 'error', 'primary-key-mismatch', `table ${t.name}`, `primary key of ${t.name} is (${lt.primaryKey.join(', ') || 'none'}); expected (${t.primaryKey.join(', ')})`,
        facts.alterPrimaryKeyInPlace ? migration('replace the primary key in a migration', []) : migration(rebuildNote, rebuild())),
    });
  }

  const liveIdx = live.indexes.filter((i) => i.table === t.name);
  const matched = new Set<string>();
  for (const i of t.indexes ?? []) {
    if (!appliesTo(i, engine)) continue;
    const li = findIndex(liveIdx, t.name, i, facts.indexKeyOrder);
    const obj = `index ${i.name}`;
    if (!li) {
      items.push({
        finding: finding('schema', 'error', 'missing-index', obj, `${i.unique ? 'unique ' : ''}index ${i.name} on ${t.name} (${i.columns.join(', ')}) is missing`, auto(`create index ${i.name}`, [createIndexSql(db, t.name, i, engine)])),
        action: { type: 'create-index', table: t.name, index: i },
      });
      continue;
    }
    matched.add(li.name);
    if (li.invalid) items.push(invalidIndexItem(db, t.name, li, engine, 'error', i));
    const method = li.definition && i.using ? /\bUSING (\w+)/i.exec(li.definition)?.[1] : undefined;
    if (method && method.toLowerCase() !== i.using!.toLowerCase()) {
      items.push({ finding: finding('schema', 'error', 'index-mismatch', obj, `index ${li.name} on ${t.name} uses ${method}; expected ${i.using}`, migration('recreate the index in a migration', [dropIndexSql(db, li.name), createIndexSql(db, t.name, i, engine)])) });
    }
    // the keys (with their order, operator class and collation) and the predicate: the same name is not the same index
    const expected = ddlIndex(i, engine);
    const keysDiffer = !sameIndexColumns(i, li, facts.indexKeyOrder) || !sameIndexExtras(expected, li);
    const whereDiffers = !samePredicate(i.where, li.where);
    if (keysDiffer || whereDiffers) {
      const what = (x: { columns: string[]; where?: string; include?: string[]; nullsNotDistinct?: boolean }) =>
        `(${x.columns.join(', ')})${x.include?.length ? ` include (${x.include.join(', ')})` : ''}${x.nullsNotDistinct ? ' nulls not distinct' : ''}${x.where ? ` where ${x.where}` : ''}`;
      items.push({ finding: finding('schema', 'error', 'index-mismatch', obj, `index ${li.name} on ${t.name} is ${what(li)}; expected ${what(expected)}`, migration('recreate the index in a migration', [dropIndexSql(db, li.name), createIndexSql(db, t.name, i, engine)])) });
    }
    if (!!li.unique !== !!i.unique) {
      items.push({ finding: finding('schema', 'error', 'index-mismatch', obj, `index ${li.name} on ${t.name} is ${li.unique ? '' : 'not '}unique; expected ${i.unique ? 'unique' : 'not unique'}`, migration('recreate the index in a migration', [dropIndexSql(db, li.name), createIndexSql(db, t.name, i, engine)])) });
    }
  }
  for (const li of liveIdx) {
    if (li.primary || matched.has(li.name)) continue;
    if (li.invalid) items.push(invalidIndexItem(db, t.name, li, engine, 'warning'));
    items.push({ finding: finding('schema', 'info', 'unknown-index', `index ${li.name}`, `index ${li.name} on ${t.name} (${li.columns.join(', ')}) is not in the expected schema`, manual('declare it in schema/ if the application needs it, or drop it in a migration')) });
  }

  const liveFks = live.foreignKeys.filter((f) => f.table === t.name);
  const fkMatched = new Set<string>();
  for (const fk of t.foreignKeys ?? []) {
    if (!appliesTo(fk, engine)) continue;
    const lf = findForeignKey(liveFks, t.name, fk);
    const obj = `foreign key ${t.name}(${fk.columns.join(', ')}) → ${fk.references.table}`;
    if (!lf) {
      const msg = `foreign key ${t.name}(${fk.columns.join(', ')}) → ${fk.references.table}(${fk.references.columns.join(', ')}) is missing`;
      if (facts.alterConstraintsInPlace && facts.notValid) {
        items.push(addForeignKeyItem(db, t.name, fk, engine, 'error'));
      } else {
        items.push({ finding: finding('schema', 'error', 'missing-foreign-key', obj, msg, migration(`${rebuildNote} (it cannot add a foreign key to an existing table)`, rebuild())) });
      }
      continue;
    }
    fkMatched.add(lf.name);
    if (lf.validated === false && !fk.notValid) {
      // Left NOT VALID (an auto-fix or migration killed between ADD … NOT VALID and VALIDATE): rows were never checked.
      items.push({ finding: finding('schema', 'error', 'foreign-key-not-valid', obj, `foreign key ${lf.name} is NOT VALID: existing rows of ${t.name} were never checked against it`, auto('VALIDATE the constraint (checks existing rows without blocking writes)', [validateConstraintSql(db, t.name, lf.name)])), action: { type: 'validate-foreign-key', table: t.name, name: lf.name } });
    }
    const want = fk.onDelete ?? 'NO ACTION';
    if (facts.referentialActions && norm(lf.onDelete) !== norm(want) && !(norm(want) === 'noaction' && norm(lf.onDelete) === 'restrict')) {
      items.push({ finding: finding('schema', 'warning', 'foreign-key-action', obj, `foreign key ${lf.name} has ON DELETE ${lf.onDelete}; expected ${want}`, migration('replace the constraint in a migration', [])) });
    }
  }
  for (const lf of liveFks) {
    if (!fkMatched.has(lf.name)) items.push({ finding: finding('schema', 'info', 'unknown-foreign-key', `foreign key ${lf.name}`, `foreign key ${lf.table}(${lf.columns.join(', ')}) → ${lf.refTable} is not in the expected schema`, manual('declare it in schema/, or drop it in a migration')) });
  }

  items.push(...diffChecks(t, live, engine, rebuild));

  if (!items.some((i) => i.finding.level === 'error' || i.finding.level === 'warning')) {
    const n = (t.indexes ?? []).filter((i) => appliesTo(i, engine)).length;
    const f = (t.foreignKeys ?? []).filter((x) => appliesTo(x, engine)).length;
    items.unshift({ finding: finding('schema', 'ok', 'table-ok', `table ${t.name}`, `table ${t.name}: ${t.columns.length} columns, ${n} indexes, ${f} foreign keys as expected`) });
  }
  return items;
}

/** A generated column whose expression or kind differs from the declaration, or a plain column declared generated (issue 17). */
function generatedMismatch(table: string, c: ExpectedColumn, lc: ColumnInfo, engine: Engine): DiffItem | undefined {
  const expression = forEngine(c.generated?.expression, engine);
  const stored = forEngine(c.generated?.stored, engine) ?? false;
  const live = lc.generated;
  const describe = (g: { expression: string; stored: boolean } | undefined) => (g ? `generated always as (${g.expression}) ${g.stored ? 'stored' : 'virtual'}` : 'not generated');
  const canon = (e: string) => ddlFor(engine).canonicalDefault(e);
  if (expression === undefined && !live) return undefined;
  if (expression !== undefined && live && canon(expression) === canon(live.expression) && stored === live.stored) return undefined;
  const want = expression === undefined ? undefined : { expression, stored };
  return {
    finding: finding('schema', 'error', 'generated-mismatch', `column ${table}.${c.name}`, `column ${table}.${c.name} is ${describe(live)}; expected ${describe(want)}`,
      migration('drop the column and add it again as declared in a migration (a generated column cannot be altered in place)', [])),
  };
}

/** DuckDB refuses to alter a constraint on a table that has indexes or is referenced by a foreign key. */
function hasDependants(live: SchemaSnapshot, table: string): boolean {
  return live.indexes.some((i) => i.table === table && !i.primary) || live.foreignKeys.some((f) => f.refTable === table && f.table !== table);
}

function columnTypeLabel(c: ExpectedColumn, engine: Engine): string {
  return forEngine(c.type, engine) ?? c.family;
}

/** Tables in an order where every referenced table is created first (cycles keep the declared order). */
export function orderByDependencies(tables: ExpectedTable[]): ExpectedTable[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const out: ExpectedTable[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: ExpectedTable) => {
    if (state.get(t.name)) return;
    state.set(t.name, 'visiting');
    for (const fk of t.foreignKeys ?? []) {
      const dep = byName.get(fk.references.table);
      if (dep && dep !== t) visit(dep);
    }
    state.set(t.name, 'done');
    out.push(t);
  };
  tables.forEach(visit);
  return out;
}

/** Reference rows (e.g. membership tiers) that a present table lacks, found by primary key. */
export async function checkReferenceRows(db: Kysely<any>, expected: ExpectedSchema, live: SchemaSnapshot): Promise<DiffItem[]> {
  const items: DiffItem[] = [];
  const liveTables = new Map(live.tables.map((t) => [t.name, t]));
  for (const t of tablesFor(expected, live.engine)) {
    const rows = t.referenceRows ?? [];
    const lt = liveTables.get(t.name);
    if (!rows.length || !lt) continue;
    const key = t.primaryKey.length ? t.primaryKey : Object.keys(rows[0]!);
    if (!key.every((k) => lt.columns.some((c) => c.name === k))) continue; // a missing key column is reported already
    const present = await sql<Record<string, unknown>>`select ${sql.join(key.map((k) => sql.id(k)))} from ${sql.id(t.name)}`.execute(db);
    const have = new Set(present.rows.map((r) => keyOf(r, key)));
    const missing = rows.filter((r) => !have.has(keyOf(r, key)));
    if (!missing.length) continue;
    const names = missing.map((r) => key.map((k) => String(r[k])).join('/'));
    items.push({
      finding: finding('schema', t.required ? 'error' : 'warning', 'missing-reference-rows', `table ${t.name}`, `${missing.length} of ${rows.length} reference rows missing from ${t.name}: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}`, auto(`insert ${missing.length} reference rows into ${t.name}`, insertRowsSql(db, t, missing))),
      action: { type: 'insert-reference-rows', table: t, rows: missing },
    });
  }
  return items;
}

function keyOf(r: Record<string, unknown>, key: string[]): string {
  return JSON.stringify(key.map((k) => (r[k] === null || r[k] === undefined ? null : String(r[k]))));
}
