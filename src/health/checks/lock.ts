import { formatDuration } from '../duration.js';
import type { CheckDefinition } from '../types.js';
import { needConnection } from './need.js';

/**
 * The migration lock: free is ok; held for less than the threshold warns (a deploy is running);
 * held longer fails (a stuck deploy).
 */
export const lockCheck: CheckDefinition = {
  name: 'lock',
  needsConnection: true,
  async run(ctx) {
    const conn = needConnection(ctx);
    const status = await conn.lockStatus('migrate');
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
