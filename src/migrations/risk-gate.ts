import type { ResolvedConfig } from '../config/index.js';
import type { Connection } from '../dialects/types.js';
import type { PlanStep } from './types.js';

export interface RiskGateContext {
  conn?: Connection;
  config: ResolvedConfig;
  direction: 'up' | 'down';
  dryRun: boolean;
  /** --force: the user accepts the risk. */
  force: boolean;
}

export interface RiskGateResult {
  findings: unknown[];
  blocked: boolean;
  message?: string;
}

/**
 * The risk gate, called before any plan runs (up, rollback, dry-run). When `blocked`, the runner
 * refuses with RISK_GATE (exit 5) and runs nothing. The risk engine (src/risk) replaces this body.
 */
export async function assessPlan(steps: PlanStep[], ctx: RiskGateContext): Promise<RiskGateResult> {
  void steps;
  void ctx;
  return { findings: [], blocked: false };
}
