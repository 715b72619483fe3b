import type { FindingLevel, ValidationFinding, ValidationResult } from '../../schema/findings.js';
import type { Output, Status } from '../output.js';

/** The rendering of a validation result, shared by `validate` and `auto-fix` (which validates again after applying). */

const STATUS: Record<FindingLevel, Status> = { ok: 'ok', info: 'info', warning: 'warn', error: 'fail' };
const GROUPS = ['migrations', 'schema', 'drift', 'data'] as const;

function fixHint(f: ValidationFinding): string {
  if (!f.fix || f.level === 'ok') return '';
  if (f.fix.kind === 'auto-fix') return `  → eventdb auto-fix: ${f.fix.description}`;
  if (f.fix.kind === 'migration') return `  → needs a migration: ${f.fix.description}`;
  return f.level === 'info' ? '' : `  → ${f.fix.description}`;
}

/** Findings grouped by check, one line each with its marker, then the summary line. */
export function renderFindings(out: Output, res: ValidationResult, opts: { onlyProblems?: boolean } = {}): void {
  for (const g of GROUPS) {
    const list = res.findings.filter((f) => f.check === g && (!opts.onlyProblems || f.level !== 'ok'));
    if (res.summary.checks[g] === 'skipped' && !list.length) {
      if (!opts.onlyProblems) out.line(`${g}\n  ${out.marker('skipped')} skipped${g === 'drift' ? ' (--no-drift, or no migrations folder)' : ''}`);
      continue;
    }
    if (!list.length) continue;
    out.line(g);
    for (const f of list) {
      const failing = f.level === 'error' || (res.summary.strict && f.level === 'warning');
      out.line(`  ${out.marker(failing && f.level === 'warning' ? 'fail' : STATUS[f.level])} ${f.message}${fixHint(f)}`);
    }
  }
  out.line(summaryLine(res));
}

export function summaryLine(res: ValidationResult): string {
  const s = res.summary;
  const mode = s.strict ? 'strict: warnings fail' : 'lenient: warnings do not fail';
  const verdict = res.ok ? 'OK' : `FAILED (${s.failures} failing)`;
  return `summary: ${verdict} — ${s.error} error${s.error === 1 ? '' : 's'}, ${s.warning} warning${s.warning === 1 ? '' : 's'}, ${s.info} info, ${s.ok} ok; ${s.engine}, ${s.environment} (${mode}), ${s.durationMs} ms`;
}
