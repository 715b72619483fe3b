/**
 * Worker-thread entry (node:worker_threads): generates the seed's rows as BoundBatch batches
 * (batch-parts.ts) and posts each one to the loading thread, its buffers transferred. It stays at
 * most `ahead` batches in front of what was loaded: `counters[0]` counts the batches the loading
 * thread has taken, `counters[1]` set means stop. The CLI bundle builds this file as its own entry
 * (scripts/bundle-cli.mjs).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { batchParts, type BatchWork } from './batch-parts.js';
import type { CsvWorkerFailure } from './csv-worker.js';

export interface BatchWorkerData extends BatchWork {
  counters: SharedArrayBuffer;
  ahead: number;
}

function run(data: BatchWorkerData): void {
  const counters = new Int32Array(data.counters);
  let produced = 0;
  const making = { table: '' };
  try {
    for (const ev of batchParts(data, making)) {
      if (Atomics.load(counters, 1)) return;
      if (!('batch' in ev)) {
        parentPort!.postMessage(ev);
        continue;
      }
      const { kinds, nums, ends } = ev.batch;
      parentPort!.postMessage(ev, [kinds.buffer as ArrayBuffer, nums.buffer as ArrayBuffer, ends.buffer as ArrayBuffer]);
      produced++;
      for (let done = Atomics.load(counters, 0); produced - done >= data.ahead && !Atomics.load(counters, 1); done = Atomics.load(counters, 0)) {
        Atomics.wait(counters, 0, done);
      }
    }
  } catch (e) {
    const x = e as { code?: unknown; message?: unknown; hint?: unknown };
    const failure: CsvWorkerFailure = { failed: { code: typeof x?.code === 'string' ? x.code : undefined, message: String(x?.message ?? e), hint: typeof x?.hint === 'string' ? x.hint : undefined, table: making.table } };
    parentPort!.postMessage(failure);
  }
}

if (parentPort && (workerData as { eventdbSeedBatches?: boolean } | null)?.eventdbSeedBatches) run(workerData as BatchWorkerData);
