import type { Kysely } from 'kysely';
import type { Connection } from '../types.js';
import { sqliteMigrationErrorHint } from './errors.js';
import { sqliteApplyOneCall } from './fast-apply.js';
import { sqliteResetTables } from './seed-reset.js';
import { sqliteRebuildCheck, sqliteRebuildPrepare } from './table-rebuild.js';

/**
 * The migration runner's and seeder's members of a SQLite connection. `exec` runs many statements in
 * one call (better-sqlite3 `exec`) on the connection's only session, inside whatever transaction is open.
 */
export function sqliteMigrationMembers(db: Kysely<any>, exec: (sql: string) => void): Pick<Connection, 'applyMigrationFast' | 'migrationErrorHint' | 'tableRebuild' | 'resetTables' | 'syncIdSequence'> {
  return {
    applyMigrationFast: (req) => sqliteApplyOneCall(exec, req),
    migrationErrorHint: sqliteMigrationErrorHint,
    tableRebuild: { prepare: sqliteRebuildPrepare, check: sqliteRebuildCheck },
    resetTables: (tables) => sqliteResetTables(db, tables),
    // The rowid (and so an INTEGER PRIMARY KEY) follows max(id): nothing to move.
    syncIdSequence: async () => undefined,
  };
}
