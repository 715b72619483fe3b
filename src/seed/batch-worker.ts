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
import { postAhead } from './worker-thread.js';

/** A slot's room for its batch's text (a batch with more text grows past it into memory of its own, copied when posted). */
const TEXT_BYTES = 1 << 20;

export interface BatchWorkerData extends BatchWork {
  counters: SharedArrayBuffer;
  ahead: number;
}

function run(data: BatchWorkerData): void {
  const counters = new Int32Array(data.counters);
  const making = { table: '' };
  const slotValues = Math.max(1, ...data.jobs.map((j) => j.pick.length)) * data.batchRows;
  const ring = Array.from({ length: data.ahead }, () => ({ kinds: new SharedArrayBuffer(slotValues), nums: new SharedArrayBuffer(slotValues * 8), ends: new SharedArrayBuffer(slotValues * 4), bytes: new SharedArrayBuffer(TEXT_BYTES) }));
  let slot = 0;
  const arrays: BatchArrays = (n) => {
    const r = ring[slot++ % ring.length]!;
    return { kinds: new Uint8Array(r.kinds, 0, n), nums: new Float64Array(r.nums, 0, n), ends: new Int32Array(r.ends, 0, n), bytes: Buffer.from(r.bytes) };
  };
  // the arrays are views of shared memory: posted, not copied
  postAhead(batchParts(data, making, arrays), (ev) => 'batch' in ev, counters, data.ahead, making);
}

if (parentPort && (workerData as { eventdbSeedBatches?: boolean } | null)?.eventdbSeedBatches) run(workerData as BatchWorkerData);
