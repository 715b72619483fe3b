import { EventdbError } from '../errors.js';

/** What a backup schedule reports, in order, as it runs. */
export type ScheduleEvent<R> =
  | { type: 'backup'; ok: true; backup: R; final: boolean }
  | { type: 'backup'; ok: false; error: unknown; final: boolean }
  /** A stop was asked for (`stop.reason`, e.g. "SIGTERM"): a final backup follows unless the one running succeeds. */
  | { type: 'stopping'; reason: string; finalTimeoutMs: number }
  /** The final backup did not finish in time; it was not committed. */
  | { type: 'final-timeout'; error: EventdbError };

export interface ScheduleOptions<R> {
  /** Takes one backup (throws on failure). */
  take: () => Promise<R>;
  intervalMs: number;
  /** Time limit of the final backup after a stop. */
  finalTimeoutMs: number;
  /** Aborting it stops the schedule after one final backup; its reason names why (a signal name). */
  stop: AbortSignal;
  onEvent: (e: ScheduleEvent<R>) => void;
}

export interface ScheduleResult {
  /** The last backup (the final one) succeeded in time. */
  ok: boolean;
  backups: number;
  failures: number;
  /** The final backup was still running at `finalTimeoutMs`: the caller must stop it before it commits (the CLI exits). */
  timedOut?: true;
}

/**
 * `backup --every`: back up now and then every `intervalMs`, until `stop` is aborted; then take one
 * final backup within `finalTimeoutMs` — unless the stop came during a backup that succeeded, which
 * then is the final one. A failed backup is reported and the schedule goes on. Never prints: the
 * caller renders the events.
 */
export async function runBackupSchedule<R>(o: ScheduleOptions<R>): Promise<ScheduleResult> {
  const result: ScheduleResult = { ok: false, backups: 0, failures: 0 };
  let wake: (() => void) | undefined;
  const onStop = () => {
    o.onEvent({ type: 'stopping', reason: String(o.stop.reason ?? 'stop'), finalTimeoutMs: o.finalTimeoutMs });
    wake?.();
  };
  const once = async (final: boolean): Promise<boolean> => {
    try {
      const backup = await o.take();
      result.backups++;
      o.onEvent({ type: 'backup', ok: true, backup, final });
      return true;
    } catch (error) {
      result.failures++;
      o.onEvent({ type: 'backup', ok: false, error, final });
      return false;
    }
  };
  if (o.stop.aborted) onStop();
  else o.stop.addEventListener('abort', onStop, { once: true });
  try {
    while (!o.stop.aborted) {
      const ok = await once(false);
      // A stop during a backup: that backup is the final one if it succeeded.
      if (o.stop.aborted) {
        if (ok) return { ...result, ok: true };
        break;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, o.intervalMs);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = undefined;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), o.finalTimeoutMs);
      timer.unref();
    });
    const final = await Promise.race([once(true), timeout]);
    clearTimeout(timer);
    if (final === 'timeout') {
      o.onEvent({ type: 'final-timeout', error: new EventdbError('BACKUP_TIMEOUT', `the final backup did not finish within ${Math.round(o.finalTimeoutMs / 1000)} s`, 'raise --final-timeout; the snapshot was not committed') });
      return { ...result, ok: false, timedOut: true };
    }
    return { ...result, ok: final };
  } finally {
    o.stop.removeEventListener('abort', onStop);
  }
}
