/** Why a migration that turns on PRAGMA writable_schema fails under eventdb (the risk rule and the runtime hint say the same). */
export const WRITABLE_SCHEMA_REFUSED = 'PRAGMA writable_schema: eventdb opens SQLite in defensive mode, where sqlite_schema cannot be edited by hand ("table sqlite_master may not be modified"; a wrong edit corrupts the file)';
export const WRITABLE_SCHEMA_ADVICE = 'rebuild the table instead: CREATE the new shape, INSERT … SELECT, DROP the old, RENAME the new (in a `-- eventdb:no-transaction` migration with PRAGMA foreign_keys = OFF around it, PRAGMA foreign_key_check before COMMIT)';

/**
 * Advice for an error a migration written for another tool meets on eventdb's SQLite connection
 * (Connection.migrationErrorHint): a hand edit of sqlite_schema under PRAGMA writable_schema, which
 * better-sqlite3's defensive mode refuses.
 */
export function sqliteMigrationErrorHint(e: unknown): string | undefined {
  const msg = e instanceof Error ? e.message : String(e);
  if (/table sqlite_(master|schema) may not be modified/i.test(msg)) return `eventdb opens SQLite in defensive mode, where sqlite_schema cannot be edited by hand; ${WRITABLE_SCHEMA_ADVICE}`;
  return undefined;
}
