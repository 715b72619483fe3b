/** An SQL identifier in double quotes, inner quotes doubled (PostgreSQL, SQLite and DuckDB alike). */
export const quoteIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** `schema.table` or `table`, each part quoted. */
export function qualifiedName(table: string): string {
  return table.split('.').map(quoteIdent).join('.');
}
