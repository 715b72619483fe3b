/**
 * Worker-thread entry (node:worker_threads): generates the seed's rows as BoundBatch batches
 * (batch-parts.ts) and posts each one to the loading thread. It stays at most `ahead` batches in
 * front of what was loaded: `counters[0]` counts the batches the loading thread is done with,
 * `counters[1]` set means stop. So the batches' arrays live in a ring of `ahead` slots of shared
 * memory, allocated once, the text's bytes too: batch p uses slot p % ahead, whose batch p - ahead the
 * loading thread is done with. (Memory allocated on this thread and freed on the other — transferred
 * arrays, the posted text — made peak RSS grow with the rows: 315 MB at scale 20, 226 MB without the
 * worker.) The CLI bundle builds this file as its own entry (scripts/bundle-cli.mjs).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { BatchArrays } from './bound-batch.js';
import { batchParts, type BatchWork } from './batch-parts.js';
import type { CsvWorkerFailure } from './csv-worker.js';

/** A slot's room for its batch's text (a batch with more text grows past it into memory of its own, copied when posted). */
const TEXT_BYTES = 1 << 20;

export interface BatchWorkerData extends BatchWork {
  counters: SharedArrayBuffer;
  ahead: number;
}

function run(data: BatchWorkerData): void {
  const counters = new Int32Array(data.counters);
  let produced = 0;
  const making = { table: '' };
  const slotValues = Math.max(1, ...data.jobs.map((j) => j.pick.length)) * data.batchRows;
  const ring = Array.from({ length: data.ahead }, () => ({ kinds: new SharedArrayBuffer(slotValues), nums: new SharedArrayBuffer(slotValues * 8), ends: new SharedArrayBuffer(slotValues * 4), bytes: new SharedArrayBuffer(TEXT_BYTES) }));
  let slot = 0;
  const arrays: BatchArrays = (n) => {
    const r = ring[slot++ % ring.length]!;
    return { kinds: new Uint8Array(r.kinds, 0, n), nums: new Float64Array(r.nums, 0, n), ends: new Int32Array(r.ends, 0, n), bytes: Buffer.from(r.bytes) };
  };
  try {
    for (const ev of batchParts(data, making, arrays)) {
      if (Atomics.load(counters, 1)) return;
      parentPort!.postMessage(ev); // the arrays are views of shared memory: not copied
      if (!('batch' in ev)) continue;
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
