import { describe, expect, it } from 'vitest';
import { runBackupSchedule, type ScheduleEvent } from '../../src/backup/schedule.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs a schedule whose backups take `takeMs` each and fail when `fails(n)` says so; `stopAt(events)` aborts it. */
async function run(o: { takeMs: number; intervalMs: number; finalTimeoutMs?: number; fails?: (n: number) => boolean; stopWhen: (e: ScheduleEvent<number>[]) => boolean; stopDelayMs?: number }) {
  const events: ScheduleEvent<number>[] = [];
  const stop = new AbortController();
  let n = 0;
  const result = await runBackupSchedule<number>({
    take: async () => {
      const i = ++n;
      await sleep(o.takeMs);
      if (o.fails?.(i)) throw new Error(`backup ${i} failed`);
      return i;
    },
    intervalMs: o.intervalMs,
    finalTimeoutMs: o.finalTimeoutMs ?? 5000,
    stop: stop.signal,
    onEvent: (e) => {
      events.push(e);
      if (!stop.signal.aborted && o.stopWhen(events)) setTimeout(() => stop.abort('SIGTERM'), o.stopDelayMs ?? 0);
    },
  });
  const summary = events.map((e) => (e.type === 'backup' ? (e.ok ? `ok ${e.backup}${e.final ? ' final' : ''}` : `failed: ${(e.error as Error).message}${e.final ? ' final' : ''}`) : e.type === 'stopping' ? `stopping ${e.reason}` : `timeout: ${e.error.code} ${e.error.message}`));
  return { result, summary };
}

describe('backup schedule (backup --every, core)', () => {
  it('a stop while waiting takes one final backup, then returns ok', async () => {
    const r = await run({ takeMs: 5, intervalMs: 60_000, stopWhen: (e) => e.length === 1 });
    expect(r.summary).toEqual(['ok 1', 'stopping SIGTERM', 'ok 2 final']);
    expect(r.result).toEqual({ ok: true, backups: 2, failures: 0 });
  });

  it('a stop during a backup that succeeds makes it the final one', async () => {
    const r = await run({ takeMs: 80, intervalMs: 10, stopWhen: (e) => e.length === 1, stopDelayMs: 30 });
    expect(r.summary).toEqual(['ok 1', 'stopping SIGTERM', 'ok 2']);
    expect(r.result).toEqual({ ok: true, backups: 2, failures: 0 });
  });

  it('a failed backup is reported and the schedule goes on; a failed final backup returns not ok', async () => {
    const r = await run({ takeMs: 1, intervalMs: 10, fails: (i) => i !== 2, stopWhen: (e) => e.length === 3 });
    expect(r.summary.slice(0, 3)).toEqual(['failed: backup 1 failed', 'ok 2', 'failed: backup 3 failed']);
    expect(r.summary.slice(-2)).toEqual(['stopping SIGTERM', expect.stringMatching(/^failed: backup \d+ failed final$/)]);
    expect(r.result.ok).toBe(false);
    expect(r.result.backups).toBe(1);
  });

  it('a final backup slower than the time limit reports BACKUP_TIMEOUT and returns not ok', async () => {
    const r = await run({ takeMs: 200, intervalMs: 60_000, finalTimeoutMs: 50, stopWhen: (e) => e.length === 1 });
    expect(r.summary).toEqual(['ok 1', 'stopping SIGTERM', 'timeout: BACKUP_TIMEOUT the final backup did not finish within 0 s']);
    expect(r.result.ok).toBe(false);
  });
});
