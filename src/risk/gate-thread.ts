import { Worker } from 'node:worker_threads';
import { workerFile } from '../worker-file.js';
import type { GateContext, GateOptions, GateStep } from './gate-context.js';
import type { GateResult } from './gate.js';
import type { GateWorkerData } from './gate-worker.js';

/**
 * The gate's analysis on a worker thread (gate-worker.ts), while this thread applies the plan (#18: on
 * the main thread, even paced between migrations, it delayed the server's replies — about 0.2 s of a
 * 346-migration history on PostgreSQL). Same inputs, same result as gateAnalyse here. Undefined when
 * there is no worker file (running from the TypeScript source) — the caller analyses on this thread;
 * rejects when the thread fails or `signal` aborts (the thread is stopped).
 */
export function analyseOnThread(steps: GateStep[], gc: GateContext, opts: Pick<GateOptions, 'environment' | 'force'>, signal?: AbortSignal, file = workerFile(import.meta.url, 'gate-worker')): Promise<GateResult> | undefined {
  if (!file) return undefined;
  if (signal?.aborted) return Promise.reject(new Error('the risk analysis was stopped'));
  return new Promise<GateResult>((resolve, reject) => {
    const data: GateWorkerData = { eventdbGate: true, steps, ctx: gc.ctx, environment: opts.environment, force: opts.force };
    const worker = new Worker(file, { workerData: data });
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', stop);
      f();
      void worker.terminate();
    };
    const stop = () => settle(() => reject(new Error('the risk analysis was stopped')));
    signal?.addEventListener('abort', stop);
    worker.on('message', (m: { result?: GateResult; failed?: { message: string } }) => settle(() => (m.result ? resolve(m.result) : reject(new Error(m.failed?.message ?? 'the risk analysis failed')))));
    worker.on('error', (e) => settle(() => reject(e)));
    worker.on('exit', (code) => settle(() => reject(new Error(`the risk analysis thread exited with code ${code}`))));
  });
}
