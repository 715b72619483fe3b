/**
 * Whether a driver error says the queried table (or its schema) does not exist — each engine's own words:
 * PostgreSQL and PGlite by SQLSTATE (42P01 undefined_table, 3F000 invalid_schema_name), SQLite by
 * "no such table", DuckDB by its catalog error. Anything else (privileges, locks, I/O) is not absence.
 */
export function isAbsentTable(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown } | null;
  const code = typeof err?.code === 'string' ? err.code : '';
  if (code === '42P01' || code === '3F000') return true;
  const message = typeof err?.message === 'string' ? err.message : '';
  return /^no such table: /.test(message) || /^Catalog Error: (Table|Schema) with name \S+ does not exist/.test(message);
}
