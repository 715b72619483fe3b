import { EventdbError } from '../errors.js';
import { formatDuration } from '../units.js';
import type { Direction } from './types.js';

/**
 * `migrationTimeout` (EVENTDB_MIGRATION_TIMEOUT): the longest a TypeScript migration's up() or down() may
 * run. Without it, one that awaits a promise that never settles ends the process on SQLite, DuckDB and
 * PGlite (nothing keeps it alive: UNFINISHED, exit 1, its transaction never committed) and waits forever
 * on a PostgreSQL server, whose open connection keeps the process alive. With it, every engine stops the
 * migration the same way: MIGRATION_TIMEOUT, its transaction rolled back.
 */

/** The error of a migration stopped by migrationTimeout: its message is the step's, the hint says what to do. */
export function isMigrationTimeout(e: unknown): e is EventdbError {
  return e instanceof EventdbError && e.code === 'MIGRATION_TIMEOUT';
}

export const TIMEOUT_HINT = 'find what it awaits that never settles (or the slow work in it); if it needs longer, raise migrationTimeout (EVENTDB_MIGRATION_TIMEOUT)';

/**
 * Runs `run` (a TypeScript migration's up() or down(), already called) for at most `timeoutMs` (undefined:
 * as long as it takes). Past it, `expire()` is called — the migration's database handle then refuses every
 * query, so an up() still running cannot write once its transaction is rolled back (or outside it) — and
 * MIGRATION_TIMEOUT is thrown for the caller to roll back. The timer keeps the process alive meanwhile. A
 * query in flight at that moment finishes before the rollback (statementTimeout bounds it on PostgreSQL).
 */
export async function withinMigrationTimeout(run: Promise<void>, timeoutMs: number | undefined, direction: Direction, expire: () => void): Promise<void> {
  if (timeoutMs === undefined) return run;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      expire();
      reject(new EventdbError('MIGRATION_TIMEOUT', `its ${direction}() did not finish within ${formatDuration(timeoutMs)} (migrationTimeout)`, TIMEOUT_HINT));
    }, timeoutMs);
  });
  try {
    await Promise.race([run, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a migration's database handle throws once its time is up (withinMigrationTimeout's `expire`). */
export function queryAfterTimeout(id: string): EventdbError {
  return new EventdbError('MIGRATION_TIMEOUT', `${id} ran past migrationTimeout and was rolled back: it can send no more queries`, TIMEOUT_HINT);
}

/**
 * A rehearsal stopped by migrationTimeout (the dry run, or the run-through a plan with TypeScript migrations
 * gets first): MIGRATION_TIMEOUT, and nothing ran for real — the rehearsal's transaction was rolled back.
 */
export function rehearsalTimedOut(failed: { id: string; file: string; message: string }, direction: Direction): EventdbError {
  const verb = direction === 'up' ? 'migration' : 'rollback of';
  return new EventdbError('MIGRATION_TIMEOUT', `${verb} ${failed.id} stopped in the rehearsal (${failed.file}): ${failed.message}`, `${TIMEOUT_HINT} (the rehearsal was rolled back: nothing was ${direction === 'up' ? 'applied' : 'rolled back'})`);
}
