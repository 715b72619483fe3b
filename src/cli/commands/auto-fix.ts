import type { Command } from 'commander';
import { parseDuration } from '../../units.js';
import type { AutoFixResult, PlannedFix } from '../../schema/autofix/index.js';
import { confirmDestructive } from '../confirm.js';
import { action } from '../context.js';
import type { Output } from '../output.js';
import { renderFindings, summaryLine } from '../render/validation.js';

interface AutoFixFlags {
  apply?: boolean;
  allowPending?: boolean;
  lockTimeout?: string;
  strict?: boolean;
  drift?: boolean;
}

export function register(program: Command): void {
  program
    .command('auto-fix')
    .description('plan (and with --apply, make) the safe fixes validate found: missing tables, columns, indexes, foreign keys, reference rows; never drops anything')
    .option('--apply', 'apply the planned fixes (production: needs --yes, or the typed confirmation on a terminal)')
    .option('--allow-pending', 'apply even though migrations are pending')
    .option('--lock-timeout <seconds>', 'how long to wait for the migration lock', '30')
    .option('--strict', 'warnings fail the validation after applying (the default in production)')
    .option('--no-drift', 'skip the drift check in the validation after applying')
    .addHelpText('after', '\nWithout --apply nothing is changed: the plan and its SQL are shown. Exit 1 when a fix failed or the database is still invalid after applying.')
    .action(
      action<AutoFixFlags>(async ({ opts, out, config }) => {
        const lockTimeoutMs = parseDuration(opts.lockTimeout ?? '30', '--lock-timeout');
        const cfg = await config();
        if (opts.apply) await confirmDestructive(cfg, 'apply schema fixes', opts.yes);
        const { openConnection } = await import('../../dialects/index.js');
        const { autoFix } = await import('../../schema/autofix/index.js');
        const { loadExpected, assertEngineSupported } = await import('../../schema/validate.js');
        const expected = await loadExpected(cfg); // a broken schema file fails (exit 2) before anything is opened
        if (expected) assertEngineSupported(expected, cfg.database.engine);
        // Planning creates no database file: a file that does not exist is planned as the empty database it
        // would be (--apply creates it, as migrate up does).
        const { scratchIfAbsent } = await import('./migrate-shared.js');
        const conn = await openConnection(opts.apply ? cfg : await scratchIfAbsent(cfg), { lockWaitMs: lockTimeoutMs });
        let res: AutoFixResult;
        try {
          res = await autoFix(conn, cfg, {
            expected,
            apply: !!opts.apply,
            allowPending: !!opts.allowPending,
            lockTimeoutMs,
            strict: opts.strict ? true : undefined,
            drift: opts.drift !== false,
            onFix: (f, i, n) => out.note(`applying ${i + 1}/${n}: ${f.description}`),
          });
        } finally {
          await conn.close();
        }
        const validation = res.after ?? res.before;
        out.result(res.ok, { applied: res.applied, counts: res.counts, fixes: res.fixes, validation: { ok: validation.ok, findings: validation.findings, summary: validation.summary } }, () => render(out, res));
        return res.ok ? 0 : 1;
      }),
    );
}

function render(out: Output, res: AutoFixResult): void {
  const c = res.counts;
  const safe = res.fixes.filter((f) => f.status === 'planned' || f.status === 'applied' || f.status === 'failed');
  out.line(res.applied ? `auto-fix: ${c.applied} applied, ${c.failed} failed, ${c.refused} refused, ${c.needsMigration} need a migration` : `auto-fix plan: ${c.planned} fix${c.planned === 1 ? '' : 'es'} to apply, ${c.refused} refused as risky, ${c.needsMigration} need a migration`);
  for (const f of safe) {
    const m = f.status === 'applied' ? out.marker('ok') : f.status === 'failed' ? out.marker('fail') : '[fix] ';
    out.line(`  ${m} ${f.description}${f.status === 'failed' ? ` — failed, rolled back: ${f.error}` : ''}`);
    sqlLines(out, f.sql);
  }
  for (const f of res.fixes.filter((x) => x.status === 'refused')) {
    out.line(`  ${out.marker('warn')} refused: ${f.description} — ${f.reason} (risk rule ${f.rule})`);
    out.line('        safe alternative:');
    sqlLines(out, f.alternative ?? []);
  }
  for (const f of res.fixes.filter((x) => x.status === 'needs-migration')) {
    out.line(`  ${out.marker('info')} needs a migration: ${f.object}: ${f.description}`);
    sqlLines(out, f.sql);
  }
  if (!res.applied) {
    out.line(c.planned ? `nothing applied: run \`eventdb auto-fix --apply\` to apply ${c.planned === 1 ? 'it' : `these ${c.planned}`}` : 'nothing to apply');
    out.line(summaryLine(res.before));
    return;
  }
  out.line('');
  out.line('validated again:');
  renderFindings(out, res.after!, { onlyProblems: true });
}

function sqlLines(out: Output, sqlText: string[]): void {
  for (const s of sqlText) out.line(`        ${s}${s.startsWith('--') ? '' : ';'}`);
}

export type { PlannedFix };
