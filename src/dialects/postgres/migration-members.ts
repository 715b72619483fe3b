import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Connection } from '../types.js';
import { kyselyOneTrip, pgApplyOneTrip, pgErrorPosition, poolOneTrip } from './fast-apply.js';
import { pgMigrationErrorHint, pgMigrationErrorNotes } from './errors.js';
import { pgRecordSuccess } from './history-sql.js';
import { pgRehearsalLimit } from './rehearsal-limit.js';
import { pgResetTables, pgSyncIdSequence } from './seed-reset.js';

/**
 * The migration runner's and seeder's members of a PostgreSQL connection (server and PGlite alike).
 * `pool`, the server's pg pool under `db`: the one-trip path then queries its sessions directly
 * (poolOneTrip) instead of through Kysely.
 */
export function postgresMigrationMembers(db: Kysely<any>, pool?: pg.Pool): Pick<Connection, 'applyMigrationFast' | 'recordMigrationSuccess' | 'wholeScripts' | 'migrationErrorHint' | 'migrationErrorNotes' | 'tableRebuild' | 'rehearsalLimit' | 'resetTables' | 'syncIdSequence'> {
  const session = pool ? poolOneTrip(pool) : kyselyOneTrip(db);
  return {
    applyMigrationFast: (req) => pgApplyOneTrip(session, req),
    recordMigrationSuccess: (on, s) => pgRecordSuccess(on, s),
    wholeScripts: { errorPosition: pgErrorPosition },
    migrationErrorHint: pgMigrationErrorHint,
    migrationErrorNotes: pgMigrationErrorNotes,
    rehearsalLimit: pgRehearsalLimit,
    resetTables: (tables) => pgResetTables(db, tables),
    syncIdSequence: (table) => pgSyncIdSequence(db, table),
  };
}
