import type pg from 'pg';
import { onInterrupt } from '../../interrupt-cleanup.js';
import { dropDatabase } from './database-swap.js';

/**
 * SIGINT or SIGTERM during a PostgreSQL restore: the database it loads into (`<name>_restore_<time>`,
 * marked in progress) is dropped before the process exits, instead of being left for the next restore of
 * the target to find. DROP DATABASE … WITH (FORCE) first ends the sessions on it — the load's, the row
 * count's, pg_restore's (which its own cleanup also stops). It runs on the restore's admin session,
 * within the CLI's bounded wait for cleanups (interrupt-cleanup.ts). Once the swap has begun the database
 * is the restore's result, not a leftover: the cleanup then waits for the swap instead, so the target is
 * the old database or the new one, never neither.
 */
export interface RestoreInterrupt {
  /** A signal started the cleanup: a failure of the restore from then on is the cleanup's doing. */
  readonly interrupted: boolean;
  /** The swap has begun (`swap`: until the names are in place, or put back). */
  swapping(swap: Promise<unknown>): void;
  /** Never settles: a restore failing because the cleanup ended its sessions waits here for the exit, so it reports nothing of its own. */
  parked(): Promise<never>;
  /** Unregisters the cleanup (the restore ended). */
  off(): void;
}

/** Registers the drop of `name` once `created` (its CREATE DATABASE and marker) has succeeded. */
export function dropOnInterrupt(admin: pg.Client, name: string, created: Promise<unknown>): RestoreInterrupt {
  let interrupted = false;
  let swap: Promise<unknown> | undefined;
  const off = onInterrupt(async () => {
    interrupted = true;
    if (swap) return swap.catch(() => undefined);
    // Not ours to drop when it could not be made (the name may be another's by then).
    if (!(await created.then(() => true, () => false))) return;
    await dropDatabase(admin, name);
  });
  return {
    get interrupted() {
      return interrupted;
    },
    swapping(s) {
      swap = s;
    },
    parked: () => new Promise<never>(() => undefined),
    off,
  };
}
