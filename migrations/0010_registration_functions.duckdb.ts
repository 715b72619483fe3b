/**
 * DuckDB (analytics copies) has no stored procedures: nothing to create. Registrations are
 * written on the PostgreSQL or SQLite primary; the copy is checked by the data rules in schema/.
 */
export const meta = { description: 'no-op on DuckDB: registration functions are PostgreSQL only' };

export async function up(): Promise<void> {}

export async function down(): Promise<void> {}
