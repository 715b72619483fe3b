/**
 * Worker-thread entry (node:worker_threads): writes the seed's CSV files (csv-parts.ts) and posts
 * each one to the loading thread. It stays at most `ahead` files in front of what was loaded:
 * `counters[0]` counts the files the loading thread is done with, `counters[1]` set means stop.
 * The CLI bundle builds this file as its own entry (scripts/bundle-cli.mjs).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { csvParts, type CsvWork } from './csv-parts.js';

export interface CsvWorkerData extends CsvWork {
  counters: SharedArrayBuffer;
  ahead: number;
}

/** What the worker posts when it fails: the error's code, message and hint, for the loading thread to throw. */
export interface CsvWorkerFailure {
  failed: { code?: string; message: string; hint?: string; table?: string };
}

function run(data: CsvWorkerData): void {
  const counters = new Int32Array(data.counters);
  let produced = 0;
  const writing = { table: '' };
  try {
    for (const ev of csvParts(data, writing)) {
      if (Atomics.load(counters, 1)) return;
      parentPort!.postMessage(ev);
      if (!('file' in ev)) continue;
      produced++;
      for (let done = Atomics.load(counters, 0); produced - done >= data.ahead && !Atomics.load(counters, 1); done = Atomics.load(counters, 0)) {
        Atomics.wait(counters, 0, done);
      }
    }
  } catch (e) {
    const x = e as { code?: unknown; message?: unknown; hint?: unknown };
    const failure: CsvWorkerFailure = { failed: { code: typeof x?.code === 'string' ? x.code : undefined, message: String(x?.message ?? e), hint: typeof x?.hint === 'string' ? x.hint : undefined, table: writing.table } };
    parentPort!.postMessage(failure);
  }
}

if (parentPort && (workerData as { eventdbSeedCsv?: boolean } | null)?.eventdbSeedCsv) run(workerData as CsvWorkerData);
