/**
 * The loading thread's side of the seed's CSV path: a temporary folder of its own, the files written
 * into it by a worker thread (or, without the worker's file, by this thread between loads), handed
 * to the engine table by table. A file is deleted once the engine is done with it; the folder is
 * removed by `close()`, on success and on failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { EventdbError, isErrorCode } from '../errors.js';
import { csvParts, type CsvEvent, type CsvWork } from './csv-parts.js';
import type { CsvWorkerData } from './csv-worker.js';
import { type WorkerFailure } from './worker-thread.js';
import { workerFile } from '../worker-file.js';

/** Files the writer may be ahead of the loader: bounds the disk in use (8 files of at most 64k rows). */
const AHEAD = 8;
/**
 * Rows in a table's first file, and the most in one file: loading starts soon after generation
 * does, and a table's later files, larger, take the engine fewer statements.
 */
export const CSV_PART_ROWS = 16_384;
export const CSV_MAX_PART_ROWS = 65_536;

export interface CsvParts {
  /** Job `job`'s files, in order; each is deleted when the consumer asks for the next one. */
  files(job: number, onFile?: (rows: number) => void): AsyncIterable<string>;
  /** Stops the writer: every `files()` waiting or asking next throws `reason`. The folder stays until close(). */
  abort(reason: EventdbError): void;
  /** Stops the writer and removes the folder. */
  close(): Promise<void>;
  /** Whether a worker thread writes the files (false: this thread, between loads). */
  readonly threaded: boolean;
}

function failure(f: WorkerFailure['failed'], fallback: string): EventdbError {
  const table = f.table || fallback;
  const code = f.code && isErrorCode(f.code) ? f.code : 'BULK_INSERT';
  return new EventdbError(code, f.code ? f.message : `generating rows for ${table} failed: ${f.message}`, f.hint ?? 'nothing of that table was loaded; this is a bug in eventdb: please report it');
}

export function openCsvParts(work: Omit<CsvWork, 'dir'>, opts: { tmpRoot?: string; threads?: boolean } = {}): CsvParts {
  const dir = mkdtempSync(join(opts.tmpRoot ?? tmpdir(), 'eventdb-seed-'));
  const full: CsvWork = { ...work, dir };
  const file = opts.threads === false ? undefined : workerFile(import.meta.url, 'csv-worker');
  const counters = new Int32Array(new SharedArrayBuffer(8));
  /** Per job, its events not yet taken (lanes load side by side, each takes its own jobs' files). */
  const queues = work.jobs.map((): CsvEvent[] => []);
  let error: EventdbError | undefined;
  let waiting: Array<() => void> = [];
  let worker: Worker | undefined;
  let inline: Generator<CsvEvent> | undefined;
  const writing = { table: work.jobs[0]?.table ?? '' };
  const ping = () => {
    for (const w of waiting) w();
    waiting = [];
  };
  if (file) {
    const data: CsvWorkerData & { eventdbSeedCsv: true } = { ...full, counters: counters.buffer as SharedArrayBuffer, ahead: AHEAD, eventdbSeedCsv: true };
    // A small young generation: the worker's garbage (rows, lines) dies within a row, and V8's default
    // semi-spaces cost ~45 MB of peak RSS (load --scale 3: 361–364 → 312–317 MB, no slower).
    worker = new Worker(file, { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    worker.on('message', (m: CsvEvent | WorkerFailure) => {
      if ('failed' in m) error ??= failure(m.failed, writing.table);
      else if ('start' in m) writing.table = work.jobs[m.job]?.table ?? writing.table; // what a crash would have interrupted
      else queues[m.job]!.push(m);
      ping();
    });
    worker.on('error', (e) => {
      error ??= failure({ message: e.message }, writing.table);
      ping();
    });
    worker.on('exit', (code) => {
      if (code !== 0) error ??= failure({ message: `the worker thread exited with code ${code}` }, writing.table);
      ping();
    });
  } else {
    try {
      inline = csvParts(full, writing);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Writes the next file on this thread (no worker), for whichever job is next. */
  const writeInline = (g: Generator<CsvEvent>) => {
    try {
      const r = g.next();
      if (r.done) throw new EventdbError('INTERNAL', 'the seed files ended early', 'this is a bug in eventdb: please report it');
      if (!('start' in r.value)) queues[r.value.job]!.push(r.value);
    } catch (e) {
      error ??= e instanceof EventdbError ? e : failure({ message: (e as Error).message ?? String(e) }, writing.table);
    }
  };
  const pull = async (job: number): Promise<CsvEvent> => {
    for (;;) {
      const ev = queues[job]!.shift();
      if (ev) return ev;
      if (error) throw error;
      if (inline) writeInline(inline);
      else await new Promise<void>((resolve) => waiting.push(resolve));
    }
  };
  const release = (path: string) => {
    rmSync(path, { force: true });
    Atomics.add(counters, 0, 1);
    Atomics.notify(counters, 0);
  };

  const abort = (reason: EventdbError) => {
    error ??= reason;
    ping();
    Atomics.store(counters, 1, 1);
    Atomics.notify(counters, 0);
  };

  return {
    threaded: worker !== undefined,
    async *files(job, onFile) {
      for (;;) {
        const ev = await pull(job);
        if (!('file' in ev)) return;
        try {
          yield ev.file;
          onFile?.(ev.rows);
        } finally {
          release(ev.file);
        }
      }
    },
    abort,
    async close() {
      abort(new EventdbError('INTERNAL', 'the seed files were closed', 'this is a bug in eventdb: please report it'));
      if (worker) await worker.terminate();
      inline?.return(undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
