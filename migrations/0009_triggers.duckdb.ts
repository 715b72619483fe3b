/**
 * DuckDB has no triggers: nothing to create. On DuckDB (analytics copies of the platform)
 * updated_at is whatever the copied rows say, no trigger guards capacity or keeps
 * users.loyalty_points equal to the ledger, and nothing writes audit_log — the data rules in
 * schema/ (`eventdb validate`) report any row that breaks those rules instead.
 */
export const meta = { description: 'no-op on DuckDB: it has no triggers (see schema/ notes)' };

export async function up(): Promise<void> {}

export async function down(): Promise<void> {}
