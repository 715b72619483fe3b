import { entryOf } from '../../dialects/registry.js';
import type { LockStatus } from '../../dialects/types.js';
import { formatDuration } from '../../units.js';
import type { CheckDefinition, CheckOutcome } from '../types.js';

/**
 * The migration lock: free is ok; held for less than the threshold warns (a deploy is running);
 * held longer fails (a stuck deploy). File engines read the sibling lock file directly, so the
 * holder is named even when the database itself cannot be opened (DuckDB admits one process).
 */
export const lockCheck: CheckDefinition = {
  name: 'lock',
  needsConnection: (config) => !entryOf(config.database).lockFiles || config.database.memory,
  async run(ctx): Promise<CheckOutcome> {
    let status: LockStatus;
    const target = ctx.config.database;
    if (ctx.conn) status = await ctx.conn.lockStatus('migrate');
    else if (entryOf(target).lockFiles && !target.memory && target.path) {
      const { existsSync } = await import('node:fs');
      const { fileLockStatus, lockFilePath } = await import('../../dialects/file-lock.js');
      const file = lockFilePath(target.path, 'migrate');
      status = existsSync(file) ? fileLockStatus(file) : { held: false };
    } else {
      return { status: 'skipped', message: 'not run: cannot connect to the database' };
    }
    if (!status.held) return { status: 'ok', message: 'migration lock is free', details: { held: false } };
    const h = status.holder;
    const since = h?.since ? Date.parse(h.since) : NaN;
    const heldMs = Number.isFinite(since) ? Math.max(0, Date.now() - since) : undefined;
    const who = h ? `pid ${h.pid} on ${h.host} (${h.command})` : 'another process';
    const details = { held: true, holder: h ?? null, heldMs: heldMs ?? null, thresholdMs: ctx.opts.lockThresholdMs };
    if (heldMs === undefined) {
      return { status: 'warn', message: `migration lock is held by ${who}; since when is unknown`, details };
    }
    if (heldMs >= ctx.opts.lockThresholdMs) {
      return {
        status: 'fail',
        message: `migration lock held by ${who} for ${formatDuration(heldMs)} (over ${formatDuration(ctx.opts.lockThresholdMs)}): a stuck deploy?`,
        details,
      };
    }
    return { status: 'warn', message: `migration lock held by ${who} for ${formatDuration(heldMs)} (a migration is running)`, details };
  },
};
