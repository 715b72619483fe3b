import { copyFileSync, cpSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/**
 * dist's seed with one worker thread (`batch-worker` or `csv-worker`) replaced by
 * test/seed/fixtures/crashing-worker.mjs, which runs the real one and crashes the thread on cue
 * (EVENTDB_TEST_CRASH*). A copy of dist/seed/ beside it, removed after the file's tests.
 */
export async function crashingSeed(worker: 'batch-worker' | 'csv-worker'): Promise<typeof import('../../src/seed/run.js')> {
  const crashDir = mkdtempSync(join(ROOT, 'dist', `seed-crash-${worker}-`));
  afterAll(() => rmSync(crashDir, { recursive: true, force: true }));
  cpSync(join(ROOT, 'dist/seed'), crashDir, { recursive: true, filter: (f) => !f.endsWith('.d.ts') });
  renameSync(join(crashDir, `${worker}.js`), join(crashDir, `${worker}-real.js`));
  copyFileSync(join(ROOT, 'test/seed/fixtures/crashing-worker.mjs'), join(crashDir, `${worker}.js`));
  return (await import(join(crashDir, 'run.js'))) as typeof import('../../src/seed/run.js');
}
