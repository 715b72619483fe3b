import { EventdbError } from '../errors.js';
import type { UpFailureDetails } from './up.js';

/** Said after the advice when migrations were run in a scratch database (drift check, migrate diff's replay). */
export const SCRATCH_NOTE = 'the replay ran in a scratch database, now removed; yours is untouched';

/**
 * The advice for a failure of migrations replayed into a scratch database: a failed step's own hint
 * (the dialect's advice for that error), without what MIGRATION_FAILED adds about the database it ran
 * on (what stays applied, the log row): that database is gone. Any other EventdbError: its hint.
 */
export function scratchReplayHint(e: unknown): string | undefined {
  if (!(e instanceof EventdbError)) return undefined;
  if (e.code === 'MIGRATION_FAILED') return (e.details as Partial<UpFailureDetails> | undefined)?.failed?.hint;
  return e.hint;
}
