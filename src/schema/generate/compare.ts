import { canonicalExpression, checkSpelling } from '../../dialects/ddl-common.js';
import { canonicalIndexKey } from '../../dialects/index-keys.js';
import { typeFamily } from '../../dialects/type-family.js';
import type { ColumnInfo, DdlColumn, DdlForeignKey, DdlIndex, ForeignKeyInfo, IndexInfo, SchemaDdl } from '../../dialects/types.js';

/**
 * Comparisons of a declared object with the live one, as the engine reports it: equal when applying
 * the declaration again would change nothing (so that planning right after applying finds nothing).
 */

const norm = (s: string) => s.replace(/["`\s]/g, '').toLowerCase();
export const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => norm(x) === norm(b[i]!));

export function sameType(ddl: SchemaDdl, declared: string, live: string): boolean {
  return ddl.canonicalType(declared) === ddl.canonicalType(live);
}

/** PostgreSQL identity and serial columns report a sequence default the declaration does not write. */
function generatedDefault(live: ColumnInfo): boolean {
  return !!live.identity || /^nextval\(/i.test(live.default ?? '');
}

export function sameDefault(ddl: SchemaDdl, declared: DdlColumn, live: ColumnInfo): boolean {
  if (declared.default === undefined) return live.default === null || live.default === undefined || generatedDefault(live);
  if (live.default === null || live.default === undefined) return /^null$/i.test(declared.default.trim());
  return ddl.canonicalDefault(declared.default) === ddl.canonicalDefault(live.default);
}

/** Whether a column is generated as declared: both plain, or the same expression (as the engine compares defaults) and kind (issue 17). */
export function sameGenerated(ddl: SchemaDdl, declared: DdlColumn, live: ColumnInfo): boolean {
  const d = declared.generated;
  const l = live.generated;
  if (!d || !l) return !d && !l;
  return d.stored === l.stored && ddl.canonicalDefault(d.expression) === ddl.canonicalDefault(l.expression);
}

export function sameCollation(declared: DdlColumn, live: ColumnInfo): boolean {
  return norm(declared.collate ?? '') === norm(live.collation ?? '');
}

const INT_RANK: Record<string, number> = { tinyint: 1, int1: 1, smallint: 2, int2: 2, integer: 3, int: 3, int4: 3, mediumint: 3, bigint: 4, int8: 4, hugeint: 5 };
const FLOAT_RANK: Record<string, number> = { real: 1, float4: 1, float: 1, double: 2, 'double precision': 2, float8: 2 };
const args = (t: string) => /\((\d+)(?:,\s*(\d+))?\)/.exec(t)?.slice(1).map((x) => (x === undefined ? 0 : Number(x)));

/**
 * Whether changing a column from `live` to `declared` keeps every value as it is: a wider integer,
 * integer to decimal or float, a longer or unbounded text, a wider decimal, anything to text.
 * Everything else narrows (and needs allowDrop).
 */
export function isWidening(ddl: SchemaDdl, declared: string, live: string): boolean {
  const d = ddl.canonicalType(declared);
  const l = ddl.canonicalType(live);
  if (d === l) return true;
  const fd = typeFamily(d);
  const fl = typeFamily(l);
  const base = (t: string) => t.replace(/\(.*$/, '').trim();
  if (fd === 'text') {
    if (fl !== 'text') return true;
    const ad = args(d);
    const al = args(l);
    return !ad || (!!al && ad[0]! >= al[0]!);
  }
  if (fl === 'integer' && fd === 'integer') return (INT_RANK[base(d)] ?? 0) >= (INT_RANK[base(l)] ?? 99);
  if (fl === 'integer' && (fd === 'decimal' || fd === 'float')) return true;
  if (fl === 'float' && fd === 'float') return (FLOAT_RANK[base(d)] ?? 0) >= (FLOAT_RANK[base(l)] ?? 99);
  if (fl === 'decimal' && fd === 'decimal') {
    const ad = args(d);
    const al = args(l);
    if (!ad) return true;
    return !!al && ad[0]! - ad[1]! >= al[0]! - al[1]! && ad[1]! >= al[1]!;
  }
  return false;
}

/** `keyOrder` false: the engine does not keep a key's ASC/DESC (DuckDB), so it is not compared. */
export function findLiveIndex(live: IndexInfo[], i: DdlIndex, keyOrder = true): IndexInfo | undefined {
  return live.find((l) => l.name === i.name) ?? live.find((l) => !!l.unique === !!i.unique && sameIndexColumns(i, l, keyOrder) && !!l.where === !!i.where);
}

/** SQLite reports an expression of an index as `<expression>`: it is then found in the index's CREATE text. */
export function sameIndexColumns(i: Pick<DdlIndex, 'columns'>, live: IndexInfo, keyOrder = true): boolean {
  if (i.columns.length !== live.columns.length) return false;
  const def = canonicalExpression(live.definition ?? '');
  return i.columns.every((c, n) => (live.columns[n] === '<expression>' ? def.includes(canonicalIndexKey(c, keyOrder)) : canonicalIndexKey(c, keyOrder) === canonicalIndexKey(live.columns[n]!, keyOrder)));
}

/** Two partial-index predicates alike once spelled one way (`x in (a, b)` is PostgreSQL's `x = any (array[a, b])`). */
export function samePredicate(a: string | undefined, b: string | undefined): boolean {
  return canonicalExpression(checkSpelling(a ?? '')) === canonicalExpression(checkSpelling(b ?? ''));
}

/** INCLUDE columns and NULLS NOT DISTINCT alike (`i` resolved for the engine: ddlIndex leaves them out where it has none). */
export function sameIndexExtras(i: Pick<DdlIndex, 'include' | 'nullsNotDistinct'>, live: IndexInfo): boolean {
  return sameList(i.include ?? [], live.include ?? []) && !!i.nullsNotDistinct === !!live.nullsNotDistinct;
}

export function sameIndex(i: DdlIndex, live: IndexInfo, keyOrder = true): boolean {
  if (!!i.unique !== !!live.unique || !sameIndexColumns(i, live, keyOrder)) return false;
  if (!samePredicate(i.where, live.where)) return false;
  if (!sameIndexExtras(i, live)) return false;
  if (i.using && live.definition) {
    const method = /\bUSING (\w+)/i.exec(live.definition)?.[1];
    if (method && method.toLowerCase() !== i.using.toLowerCase()) return false;
  }
  return true;
}

export function findLiveForeignKey(live: ForeignKeyInfo[], fk: DdlForeignKey): ForeignKeyInfo | undefined {
  return live.find((l) => l.refTable === fk.refTable && sameList(l.columns, fk.columns) && sameList(l.refColumns, fk.refColumns));
}

const action = (a: string | undefined) => norm(a ?? 'NO ACTION');

export function sameForeignKey(ddl: SchemaDdl, fk: DdlForeignKey, live: ForeignKeyInfo): boolean {
  if (!ddl.facts.referentialActions) return true;
  return action(fk.onDelete) === action(live.onDelete) && action(fk.onUpdate) === action(live.onUpdate);
}
