/**
 * What a run has created and not yet handed over — a scratch folder, a temp file, a multipart upload, a
 * child process, a lock's files — undone when the process is interrupted (SIGINT, SIGTERM): the CLI's
 * signal handler calls runInterruptCleanups before it exits. Without it those signals ended the process
 * as `kill -9` does, and a restore left its 200 MB download beside the target. Core code registers and
 * unregisters; it never exits or prints.
 */
type Cleanup = () => void | Promise<unknown>;

const cleanups = new Set<Cleanup>();

/** Registers a cleanup; returns the function that unregisters it (call it once the thing is handed over or gone). */
export function onInterrupt(fn: Cleanup): () => void {
  cleanups.add(fn);
  return () => void cleanups.delete(fn);
}

/** How many cleanups are registered now: what a long run (`backup --every`) holds must return to its baseline after each backup. */
export function interruptCleanupCount(): number {
  return cleanups.size;
}

/** Runs every registered cleanup (newest first), each best effort, waiting at most `timeoutMs` for the asynchronous ones. */
export async function runInterruptCleanups(timeoutMs = 3000): Promise<void> {
  const list = [...cleanups].reverse();
  cleanups.clear();
  const pending: Array<Promise<unknown>> = [];
  for (const fn of list) {
    try {
      const r = fn();
      if (r) pending.push(Promise.resolve(r).catch(() => undefined));
    } catch {
      /* best effort: the next cleanup still runs */
    }
  }
  if (!pending.length) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(pending), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}
