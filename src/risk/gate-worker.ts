/**
 * Worker-thread entry (node:worker_threads): the risk gate's analysis of a plan (gateAnalyse) from the
 * context read on the main thread, its result posted back (gate-thread.ts). No database: everything it
 * needs crosses as data. The CLI bundle builds this file as its own entry (scripts/bundle-cli.mjs).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { GateStep } from './gate-context.js';
import { gateAnalyse } from './gate.js';
import type { RiskContext } from './types.js';

export interface GateWorkerData {
  eventdbGate: true;
  steps: GateStep[];
  ctx: RiskContext;
  environment: string;
  force: boolean;
}

const data = workerData as GateWorkerData | null;
if (parentPort && data?.eventdbGate) {
  const port = parentPort;
  gateAnalyse(data.steps, { ctx: data.ctx }, { environment: data.environment, force: data.force }).then(
    (result) => port.postMessage({ result }),
    (e: unknown) => port.postMessage({ failed: { message: e instanceof Error ? e.message : String(e) } }),
  );
}
