import { escapeData, escapeProperty } from '../github-commands.js';
import { formatBytes, formatDuration } from '../units.js';
import type { CheckResult, CheckStatus, HealthReport } from './types.js';

export const FORMATS = ['table', 'github', 'prometheus'] as const;
export type HealthFormat = (typeof FORMATS)[number];

/** The human table: one row per check with its marker, name, duration and message. */
export function renderTable(report: HealthReport, marker: (s: CheckStatus) => string): string[] {
  const w = Math.max(...report.checks.map((c) => c.name.length), 5);
  const lines: string[] = [];
  for (const c of report.checks) {
    lines.push(`${marker(c.status)} ${c.name.padEnd(w)}  ${formatMs(c.durationMs).padStart(8)}  ${c.message}`);
    const hint = (c.details as { hint?: unknown } | undefined)?.hint;
    if (c.status === 'fail' && typeof hint === 'string' && hint) lines.push(`${' '.repeat(marker('ok').length + w + 14)}hint: ${hint}`);
  }
  const counts = countBy(report.checks);
  const parts = (['ok', 'warn', 'fail', 'skipped'] as const).filter((s) => counts[s]).map((s) => `${counts[s]} ${s}`);
  lines.push('');
  lines.push(`${marker(report.status)} ${report.status === 'ok' ? 'healthy' : report.status === 'warn' ? 'healthy with warnings' : 'unhealthy'}: ${parts.join(', ')} — ${report.engine} ${report.database} (${report.environment}${report.strict ? ', strict' : ''}) in ${formatMs(report.durationMs)}`);
  if (report.status === 'warn' && report.strict) lines.push('   warnings fail here (--strict or production): exit 1');
  return lines;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(ms < 10 ? 1 : 0)} ms` : formatDuration(ms);
}

function countBy(checks: CheckResult[]): Record<CheckStatus, number> {
  const c: Record<CheckStatus, number> = { ok: 0, warn: 0, fail: 0, skipped: 0 };
  for (const x of checks) c[x.status]++;
  return c;
}

/** GitHub Actions workflow commands: ::error / ::warning annotations, ok checks as plain lines. */
export function renderGithub(report: HealthReport): string[] {
  const lines: string[] = [];
  for (const c of report.checks) {
    const title = escapeProperty(`eventdb health: ${c.name}`);
    if (c.status === 'fail') lines.push(`::error title=${title}::${escapeData(c.message)}`);
    else if (c.status === 'warn') lines.push(`::${report.strict ? 'error' : 'warning'} title=${title}::${escapeData(c.message)}`);
    else lines.push(`${c.status === 'ok' ? 'ok' : 'skipped'} ${c.name}: ${c.message}`);
  }
  lines.push(`eventdb health: ${report.status} (exit ${report.exitCode})`);
  return lines;
}

export { formatBytes };
