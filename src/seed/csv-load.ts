/**
 * The loading thread's side of the seed's CSV path: a temporary folder of its own, the files written
 * into it by a worker thread (or, without the worker's file, by this thread between loads), handed
 * to the engine table by table. A file is deleted once the engine is done with it; the folder is
 * removed by `close()`, on success and on failure.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { EventdbError, isErrorCode } from '../errors.js';
import { csvParts, type CsvEvent, type CsvWork } from './csv-parts.js';
import type { CsvWorkerData, CsvWorkerFailure } from './csv-worker.js';

/** Files the writer may be ahead of the loader (bounds the disk and memory in use). */
const AHEAD = 32;
/** Rows per file. */
export const CSV_PART_ROWS = 16_384;

export interface CsvParts {
  /** Job `job`'s files, in order; each is deleted when the consumer asks for the next one. */
  files(job: number, onFile?: (rows: number) => void): AsyncIterable<string>;
  /** Stops the writer and removes the folder. */
  close(): Promise<void>;
  /** Whether a worker thread writes the files (false: this thread, between loads). */
  readonly threaded: boolean;
}

/**
 * The worker's file: beside this module (dist/seed/), or above the CLI bundle's chunk that holds it
 * (dist/cli/csv-worker.js); none when this module runs from its TypeScript source.
 */
function workerFile(): URL | undefined {
  for (const rel of ['./csv-worker.js', '../csv-worker.js']) {
    const url = new URL(rel, import.meta.url);
    if (url.protocol === 'file:' && existsSync(fileURLToPath(url))) return url;
  }
  return undefined;
}

function failure(f: CsvWorkerFailure['failed'], table: string): EventdbError {
  const code = f.code && isErrorCode(f.code) ? f.code : 'BULK_INSERT';
  return new EventdbError(code, f.code ? f.message : `generating rows for ${table} failed: ${f.message}`, f.hint ?? 'nothing of that table was loaded; this is a bug in eventdb: please report it');
}

export function openCsvParts(work: Omit<CsvWork, 'dir'>, opts: { tmpRoot?: string; threads?: boolean } = {}): CsvParts {
  const dir = mkdtempSync(join(opts.tmpRoot ?? tmpdir(), 'eventdb-seed-'));
  const full: CsvWork = { ...work, dir };
  const file = opts.threads === false ? undefined : workerFile();
  const counters = new Int32Array(new SharedArrayBuffer(8));
  const queue: CsvEvent[] = [];
  let error: EventdbError | undefined;
  let wake: (() => void) | undefined;
  let worker: Worker | undefined;
  let inline: Generator<CsvEvent> | undefined;
  let current = '';
  const ping = () => {
    wake?.();
    wake = undefined;
  };
  if (file) {
    const data: CsvWorkerData & { eventdbSeedCsv: true } = { ...full, counters: counters.buffer as SharedArrayBuffer, ahead: AHEAD, eventdbSeedCsv: true };
    worker = new Worker(file, { workerData: data });
    worker.on('message', (m: CsvEvent | CsvWorkerFailure) => {
      if ('failed' in m) error ??= failure(m.failed, current);
      else queue.push(m);
      ping();
    });
    worker.on('error', (e) => {
      error ??= failure({ message: e.message }, current);
      ping();
    });
    worker.on('exit', (code) => {
      if (code !== 0) error ??= failure({ message: `the worker thread exited with code ${code}` }, current);
      ping();
    });
  } else {
    try {
      inline = csvParts(full);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  const pull = async (): Promise<CsvEvent> => {
    if (inline) {
      try {
        const r = inline.next();
        if (r.done) throw new EventdbError('INTERNAL', 'the seed files ended early', 'this is a bug in eventdb: please report it');
        return r.value;
      } catch (e) {
        if (e instanceof EventdbError) throw e;
        throw failure({ message: (e as Error).message ?? String(e) }, current);
      }
    }
    for (;;) {
      const ev = queue.shift();
      if (ev) return ev;
      if (error) throw error;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  const release = (path: string) => {
    rmSync(path, { force: true });
    Atomics.add(counters, 0, 1);
    Atomics.notify(counters, 0);
  };

  return {
    threaded: worker !== undefined,
    async *files(job, onFile) {
      current = work.jobs[job]?.table ?? '';
      for (;;) {
        const ev = await pull();
        if (ev.job !== job) throw new EventdbError('INTERNAL', `seed files out of order (job ${ev.job}, expected ${job})`, 'this is a bug in eventdb: please report it');
        if (!('file' in ev)) return;
        try {
          yield ev.file;
          onFile?.(ev.rows);
        } finally {
          release(ev.file);
        }
      }
    },
    async close() {
      Atomics.store(counters, 1, 1);
      Atomics.notify(counters, 0);
      if (worker) await worker.terminate();
      inline?.return(undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
