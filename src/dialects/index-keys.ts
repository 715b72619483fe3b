import { canonicalExpression } from './ddl-common.js';

/**
 * An index key as the declaration and introspection write it: a column or an expression, then what
 * the engine keeps beside it — `COLLATE x`, an operator class (`gin_trgm_ops`), `ASC`/`DESC`,
 * `NULLS FIRST`/`NULLS LAST` — e.g. `published DESC`, `name gin_trgm_ops`, `lower(email) DESC NULLS LAST`.
 */
const ORDER = /\s+(asc|desc)?(?:\s*\bnulls\s+(first|last))?\s*$/i;

/** The key's sort order, spelled one way: `desc` and `nulls first`/`nulls last` only where not the default. */
export function keyOrder(key: string): { expr: string; order: string } {
  const m = ORDER.exec(key);
  if (!m || (!m[1] && !m[2])) return { expr: key, order: '' };
  const desc = m[1]?.toLowerCase() === 'desc';
  const nulls = m[2]?.toLowerCase();
  // ASC sorts NULLs last and DESC first by default (PostgreSQL, DuckDB; SQLite has no NULLS clause before 3.30)
  const odd = nulls && nulls !== (desc ? 'first' : 'last') ? ` nulls ${nulls}` : '';
  return { expr: key.slice(0, m.index), order: `${desc ? ' desc' : ''}${odd}` };
}

/**
 * A key compared without case, quotes or spacing, and with its order spelled one way; `keepOrder`
 * false (an engine that does not keep it, DuckDB) compares without the order.
 */
export function canonicalIndexKey(key: string, keepOrder = true): string {
  const { expr, order } = keyOrder(key);
  return canonicalExpression(expr) + (keepOrder ? order.replace(/\s+/g, '') : '');
}
