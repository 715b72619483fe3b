/**
 * The loading thread's side of the seed's bound-batch path (Connection.bulkInsertBound): the rows
 * generated and encoded by a worker thread (or, without the worker's file, by this thread as the
 * loader asks), handed to the engine table by table. The worker stays a few batches ahead, so memory
 * does not grow with the rows.
 */
import { Worker } from 'node:worker_threads';
import type { BoundBatch } from '../dialects/types.js';
import { EventdbError, isErrorCode } from '../errors.js';
import { batchParts, type BatchEvent, type BatchWork } from './batch-parts.js';
import { decodeBatch } from './bound-batch.js';
import type { BatchWorkerData } from './batch-worker.js';
import { type WorkerFailure } from './worker-thread.js';
import { workerFile } from '../worker-file.js';

/** Batches the worker may be ahead of the loader (each ~1 MB at 2,048 rows). */
const AHEAD = 3;

export interface BatchParts {
  /** Job `job`'s batches, in order. Jobs are taken in the order given. */
  batches(job: number): AsyncIterable<BoundBatch>;
  /** Stops the worker and lets it go. */
  close(): Promise<void>;
  /** Whether a worker thread makes the batches (false: this thread, as they are asked for). */
  readonly threaded: boolean;
}

/**
 * What the worker's failure becomes on this thread: its EventdbError as it was, or an Error with its
 * message, which the engine's loader reports as it reports a generator's error on this thread.
 */
function failure(f: WorkerFailure['failed']): Error {
  if (f.code && isErrorCode(f.code)) return new EventdbError(f.code, f.message, f.hint ?? 'this is a bug in eventdb: please report it');
  return new Error(f.message);
}

export function openBatchParts(work: BatchWork, opts: { threads?: boolean } = {}): BatchParts {
  const file = opts.threads === false ? undefined : workerFile(import.meta.url, 'batch-worker');
  const counters = new Int32Array(new SharedArrayBuffer(8));
  /** Events not yet taken, in the worker's order (the loader takes the jobs in that order too). */
  const queue: Array<BatchEvent | { failed: Error }> = [];
  let broken: Error | undefined;
  let wake: (() => void) | undefined;
  let worker: Worker | undefined;
  let inline: Generator<BatchEvent> | undefined;
  const ping = () => {
    wake?.();
    wake = undefined;
  };
  if (file) {
    const data: BatchWorkerData & { eventdbSeedBatches: true } = { ...work, counters: counters.buffer as SharedArrayBuffer, ahead: AHEAD, eventdbSeedBatches: true };
    worker = new Worker(file, { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    worker.on('message', (m: BatchEvent | WorkerFailure) => {
      queue.push('failed' in m ? { failed: failure(m.failed) } : m);
      ping();
    });
    worker.on('error', (e) => {
      broken ??= new Error(e.message);
      ping();
    });
    worker.on('exit', (code) => {
      if (code !== 0) broken ??= new Error(`the worker thread exited with code ${code}`);
      ping();
    });
  } else inline = batchParts(work);

  const pull = async (): Promise<BatchEvent> => {
    for (;;) {
      const ev = queue.shift();
      if (ev) {
        if ('failed' in ev) throw ev.failed;
        return ev;
      }
      if (broken) throw broken;
      if (inline) {
        const r = inline.next(); // a generator's error is thrown here, as on the rows path
        if (r.done) throw new EventdbError('INTERNAL', 'the seed batches ended early', 'this is a bug in eventdb: please report it');
        queue.push(r.value);
      } else await new Promise<void>((resolve) => (wake = resolve));
    }
  };

  let next = 0;
  return {
    threaded: worker !== undefined,
    async *batches(job) {
      if (job !== next) throw new EventdbError('INTERNAL', `seed batches asked for job ${job} before job ${next}`, 'this is a bug in eventdb: please report it');
      for (;;) {
        const ev = await pull();
        if (ev.job !== job) throw new EventdbError('INTERNAL', `seed batches of job ${ev.job} came while loading job ${job}`, 'this is a bug in eventdb: please report it');
        if (!('batch' in ev)) break;
        yield decodeBatch(ev.batch);
        // The loader is done with the batch (it asks for the next): its slot may be written again.
        Atomics.add(counters, 0, 1);
        Atomics.notify(counters, 0);
      }
      next++;
    },
    async close() {
      Atomics.store(counters, 1, 1);
      Atomics.notify(counters, 0);
      if (worker) await worker.terminate();
      inline?.return(undefined);
    },
  };
}
