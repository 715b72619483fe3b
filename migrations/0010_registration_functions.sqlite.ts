/**
 * SQLite has no stored functions: nothing to create. The application registers with one
 * transaction (BEGIN IMMEDIATE serialises writers), and the capacity trigger of 0009 refuses a
 * confirmed registration beyond capacity whoever writes it.
 */
export const meta = { description: 'no-op on SQLite: registration functions are PostgreSQL only' };

export async function up(): Promise<void> {}

export async function down(): Promise<void> {}
