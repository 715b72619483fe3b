import type { CheckResult, HealthReport, OverallStatus } from './types.js';

export interface ReportMeta {
  strict: boolean;
  cannotConnect: boolean;
  engine: string;
  database: string;
  environment: string;
  checkedAt: string;
  durationMs: number;
}

/** Overall status and exit code: 3 cannot connect; 1 something failed (or warned under strictness); else 0. */
export function summarize(checks: CheckResult[], meta: ReportMeta): HealthReport {
  const status: OverallStatus = checks.some((c) => c.status === 'fail') ? 'fail' : checks.some((c) => c.status === 'warn') ? 'warn' : 'ok';
  const exitCode: 0 | 1 | 3 = meta.cannotConnect ? 3 : status === 'fail' || (status === 'warn' && meta.strict) ? 1 : 0;
  return {
    ok: exitCode === 0,
    status,
    exitCode,
    strict: meta.strict,
    engine: meta.engine,
    database: meta.database,
    environment: meta.environment,
    checkedAt: meta.checkedAt,
    durationMs: meta.durationMs,
    checks,
  };
}

/** The report restricted to some checks (an HTTP sub-endpoint), its status recomputed. */
export function subset(report: HealthReport, names: readonly string[]): HealthReport {
  const checks = report.checks.filter((c) => names.includes(c.name));
  const cannotConnect = report.exitCode === 3 && names.includes('connection');
  return summarize(checks, { ...report, cannotConnect });
}
