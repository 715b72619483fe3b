import type { Kysely } from 'kysely';
import type { Connection } from '../types.js';
import { pgApplyOneTrip, pgErrorPosition } from './fast-apply.js';
import { pgRecordSuccess } from './history-sql.js';
import { pgResetTables, pgSyncIdSequence } from './seed-reset.js';

/** The migration runner's and seeder's members of a PostgreSQL connection (server and PGlite alike). */
export function postgresMigrationMembers(db: Kysely<any>): Pick<Connection, 'applyMigrationFast' | 'recordMigrationSuccess' | 'wholeScripts' | 'tableRebuild' | 'resetTables' | 'syncIdSequence'> {
  return {
    applyMigrationFast: (req) => pgApplyOneTrip(db, req),
    recordMigrationSuccess: (on, s) => pgRecordSuccess(on, s),
    wholeScripts: { errorPosition: pgErrorPosition },
    resetTables: (tables) => pgResetTables(db, tables),
    syncIdSequence: (table) => pgSyncIdSequence(db, table),
  };
}
