/**
 * The platform generators' rows written as CSV files (src/seed/csv.ts), a few tens of thousands of
 * rows per file, table after table: what a worker thread runs (csv-worker.ts) while the engine loads
 * the files written before, or the calling thread when there is no worker.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CsvBuffer, timestampMs } from './csv.js';
import { createGenerators, type Plan } from './platform.js';

/**
 * One table to write: the generator's name, the indices of its columns to keep (in order), and its
 * lane: lane 0's tables are written first, one after another; then the other lanes' tables, a file
 * of each lane in turn (the engine loads the lanes side by side).
 */
export interface CsvJob {
  table: string;
  pick: number[];
  lane?: number;
}

/** A Plan that crosses a thread boundary (`now` as milliseconds), the jobs, where to write. */
export interface CsvWork {
  plan: Omit<Plan, 'now'> & { nowMs: number };
  jobs: CsvJob[];
  dir: string;
  /** Rows in a job's first file; each next file holds twice as many, up to `maxPartRows` (default: the same). */
  partRows: number;
  maxPartRows?: number;
}

/** A file of `rows` rows of job `job` is written; or job `job` has no more files (`end`). */
/** A file of a job's rows; the job's end; the job's start (so the loading thread can name the table a crashed writer was on). */
export type CsvEvent = { job: number; file: string; rows: number } | { job: number; end: true } | { job: number; start: true };

/** Writes the files lazily: each `next()` writes at most one file. `writing.table`: the table being written. */
export function* csvParts(work: CsvWork, writing: { table: string } = { table: '' }): Generator<CsvEvent> {
  const { nowMs, ...rest } = work.plan;
  const gens = createGenerators({ ...rest, now: new Date(nowMs) }, timestampMs);
  // Each row goes into one reused buffer as soon as it is made (no string per line: a file's text
  // held as one string outlives the young generation and costs the collector seconds). Lanes take
  // turns only between files, when the buffer is empty.
  const out = new CsvBuffer();
  let part = 0;
  function* jobParts(job: number): Generator<CsvEvent> {
    const { table, pick } = work.jobs[job]!;
    writing.table = table;
    yield { job, start: true };
    const gen = gens[table];
    if (!gen) throw new Error(`no generator for table ${table}`);
    let rows = 0;
    let limit = work.partRows;
    const flush = (): CsvEvent => {
      const file = join(work.dir, `${String(++part).padStart(5, '0')}-${table}.csv`);
      writeFileSync(file, out.bytes());
      const ev = { job, file, rows };
      out.clear();
      rows = 0;
      limit = Math.min(limit * 2, Math.max(work.partRows, work.maxPartRows ?? 0));
      return ev;
    };
    for (const row of gen.rows()) {
      out.line(row, pick);
      if (++rows >= limit) yield flush();
    }
    if (rows) yield flush();
    yield { job, end: true };
  }
  function* laneParts(jobs: number[]): Generator<CsvEvent> {
    for (const job of jobs) yield* jobParts(job);
  }
  const lanes: number[][] = [];
  work.jobs.forEach((j, i) => (lanes[j.lane ?? 0] ??= []).push(i));
  yield* laneParts(lanes[0] ?? []);
  const turns = lanes.slice(1).filter(Boolean).map(laneParts);
  while (turns.length) {
    for (let k = 0; k < turns.length; ) {
      const r = turns[k]!.next();
      if (r.done) turns.splice(k, 1);
      else {
        yield r.value;
        if ('file' in r.value) k++;
      }
    }
  }
}
