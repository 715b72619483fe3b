/**
 * Worker-thread entry (node:worker_threads): writes the seed's CSV files (csv-parts.ts) and posts
 * each one to the loading thread. It stays at most `ahead` files in front of what was loaded:
 * `counters[0]` counts the files the loading thread is done with, `counters[1]` set means stop.
 * The CLI bundle builds this file as its own entry (scripts/bundle-cli.mjs).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { csvParts, type CsvWork } from './csv-parts.js';
import { postAhead } from './worker-thread.js';

export interface CsvWorkerData extends CsvWork {
  counters: SharedArrayBuffer;
  ahead: number;
}

function run(data: CsvWorkerData): void {
  const writing = { table: '' };
  postAhead(csvParts(data, writing), (ev) => 'file' in ev, new Int32Array(data.counters), data.ahead, writing);
}

if (parentPort && (workerData as { eventdbSeedCsv?: boolean } | null)?.eventdbSeedCsv) run(workerData as CsvWorkerData);
