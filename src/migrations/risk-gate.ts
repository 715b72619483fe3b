import { readFileSync } from 'node:fs';
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
  /** Migrations whose level (highest finding, accepted ones included) is high or critical. */
  risky: string[];
}

/**
 * The risk gate, called before any plan runs (up, rollback, dry-run). When `blocked`, the runner
 * refuses with RISK_GATE (exit 5) and runs nothing. The risk engine (src/risk) replaces this body.
 */
export async function assessPlan(steps: PlanStep[], ctx: RiskGateContext): Promise<RiskGateResult> {
  if (!steps.length) return { findings: [], blocked: false, risky: [] };
  const { gatePlan, acceptedFromMeta, readSqlMigration } = await import('../risk/index.js');
  const gateSteps = [];
  for (const s of steps) {
    // Accepted rules: `-- eventdb:risk-accepted RULE "reason"` in SQL files, meta.riskAccepted in TS.
    // A SQL file is parsed again for them only when it holds the directive: the loader has read and
    // checked every file already (UTF-8, sections), and most files accept nothing.
    let accepted: Record<string, string> = {};
    if (s.kind === 'sql') {
      const text = readFileSync(s.file, 'utf8');
      if (text.includes('eventdb:risk-accepted')) accepted = readSqlMigration(s.id, text, s.file).accepted ?? {};
    } else {
      const { loadTsMigration } = await import('./ts-module.js');
      accepted = acceptedFromMeta((await loadTsMigration(s.file)).meta, s.file);
    }
    gateSteps.push({ id: s.id, file: s.file, engine: s.engine, direction: s.direction, transaction: s.transaction, statements: s.statements, accepted });
  }
  const r = await gatePlan(gateSteps, { conn: ctx.conn, environment: ctx.config.environment, force: ctx.force });
  const findings = r.migrations.flatMap((m) => m.findings);
  const risky = r.migrations.filter((m) => m.level === 'high' || m.level === 'critical').map((m) => m.migration);
  if (r.blocked) {
    return { findings, risky, blocked: true, message: `${r.message}; nothing was run — take a snapshot first with --backup-before and re-run with --force, or accept the rule in the migration with a reason` };
  }
  return { findings, risky, blocked: false, message: r.warnings[0] };
}
