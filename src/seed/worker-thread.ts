/**
 * What the seed's two worker threads share (csv-worker.ts writes CSV files for DuckDB, batch-worker.ts
 * bound batches for SQLite; src/worker-file.ts finds their files): how the worker stays a bounded
 * number of parts ahead of the loading thread, and how its failure crosses to that thread.
 */
import { parentPort } from 'node:worker_threads';

/** What a worker posts when it fails: the error's code, message and hint, for the loading thread to throw. */
export interface WorkerFailure {
  failed: { code?: string; message: string; hint?: string; table?: string };
}

/**
 * The worker's side: posts each event to the loading thread, at most `ahead` parts (events for which
 * `isPart` holds) in front of those the loading thread is done with (`counters[0]`); returns when
 * `counters[1]` is set. An error thrown while making the events is posted as a WorkerFailure naming
 * `current.table`.
 */
export function postAhead<E>(events: Iterable<E>, isPart: (e: E) => boolean, counters: Int32Array, ahead: number, current: { table: string }): void {
  let produced = 0;
  try {
    for (const ev of events) {
      if (Atomics.load(counters, 1)) return;
      parentPort!.postMessage(ev);
      if (!isPart(ev)) continue;
      produced++;
      for (let done = Atomics.load(counters, 0); produced - done >= ahead && !Atomics.load(counters, 1); done = Atomics.load(counters, 0)) {
        Atomics.wait(counters, 0, done);
      }
    }
  } catch (e) {
    const x = e as { code?: unknown; message?: unknown; hint?: unknown };
    const failure: WorkerFailure = { failed: { code: typeof x?.code === 'string' ? x.code : undefined, message: String(x?.message ?? e), hint: typeof x?.hint === 'string' ? x.hint : undefined, table: current.table } };
    parentPort!.postMessage(failure);
  }
}
