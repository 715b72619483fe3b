/**
 * The platform generators' rows as BoundBatch batches (bound-batch.ts), table after table: what a
 * worker thread runs (batch-worker.ts) while the loading thread binds the batches made before, or
 * the loading thread itself when there is no worker.
 */
import { BoundBatchWriter, type BatchArrays, type EncodedBatch } from './bound-batch.js';
import { createGenerators, type Plan } from './platform.js';

/** One table to generate: the generator's name and the indices of its columns to keep, in order. */
export interface BatchJob {
  table: string;
  pick: number[];
}

/** A Plan that crosses a thread boundary (`now` as milliseconds), the jobs in load order, rows per batch. */
export interface BatchWork {
  plan: Omit<Plan, 'now'> & { nowMs: number };
  jobs: BatchJob[];
  batchRows: number;
}

/** A batch of job `job`; or job `job` has no more batches (`end`). */
export type BatchEvent = { job: number; batch: EncodedBatch } | { job: number; end: true };

/**
 * Generates lazily: each `next()` makes at most one batch. `making.table`: the table being generated.
 * `arrays`: where each batch's arrays come from (default: fresh ones).
 */
export function* batchParts(work: BatchWork, making: { table: string } = { table: '' }, arrays?: BatchArrays): Generator<BatchEvent> {
  const { nowMs, ...rest } = work.plan;
  const gens = createGenerators({ ...rest, now: new Date(nowMs) });
  for (let job = 0; job < work.jobs.length; job++) {
    const { table, pick } = work.jobs[job]!;
    making.table = table;
    const gen = gens[table];
    if (!gen) throw new Error(`no generator for table ${table}`);
    const out = new BoundBatchWriter(pick.length, work.batchRows, arrays);
    for (const row of gen.rows()) {
      out.row(row, pick);
      if (out.rows >= work.batchRows) yield { job, batch: out.take() };
    }
    if (out.rows) yield { job, batch: out.take() };
    yield { job, end: true };
  }
}
