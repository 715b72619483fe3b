import type { Command } from 'commander';
import { EventdbError } from '../../errors.js';
import { escapeData, escapeProperty } from '../../github-commands.js';
import type { ValidationResult } from '../../schema/findings.js';
import { action } from '../context.js';
import type { Output } from '../output.js';
import { renderFindings, summaryLine } from '../render/validation.js';

interface ValidateFlags {
  strict?: boolean;
  drift?: boolean;
  format?: string;
  lockTimeout?: string;
}


export function register(program: Command): void {
  program
    .command('validate')
    .description('check the database against the migrations, the expected schema (schema/), drift and the data rules')
    .option('--strict', 'warnings fail the run (the default in production)')
    .option('--no-drift', 'skip the drift check (replaying the migrations into a scratch database)')
    .option('--format <format>', 'text or github (workflow annotations)', 'text')
    .addHelpText('after', '\nExit 0 when nothing fails, 1 otherwise. --json prints {"ok", "findings", "summary"}.')
    .action(
      action<ValidateFlags>(async ({ opts, out, config }) => {
        if (!['text', 'github'].includes(opts.format ?? 'text')) throw new EventdbError('USAGE', `unknown --format "${opts.format}"`, 'use --format text or --format github (or --json)');
        const cfg = await config();
        const { openConnection } = await import('../../dialects/index.js');
        const { validateDatabase, loadExpected, assertEngineSupported } = await import('../../schema/validate.js');
        const expected = await loadExpected(cfg); // a broken schema file fails (exit 2) before anything is opened
        if (expected) assertEngineSupported(expected, cfg.database.engine);
        const conn = await openConnection(cfg, { readOnly: true });
        let res: ValidationResult;
        try {
          res = await validateDatabase(conn, cfg, { expected, drift: opts.drift !== false, strict: opts.strict ? true : undefined });
        } finally {
          await conn.close();
        }
        out.result(res.ok, { findings: res.findings, summary: res.summary }, () => {
          if (opts.format === 'github') renderGithub(out, res);
          else renderFindings(out, res);
        });
        return res.ok ? 0 : 1;
      }),
    );
}

/** GitHub Actions workflow commands: one annotation per finding that is not ok. */
function renderGithub(out: Output, res: ValidationResult): void {
  for (const f of res.findings) {
    if (f.level === 'ok') continue;
    const cmd = f.level === 'error' || (res.summary.strict && f.level === 'warning') ? 'error' : f.level === 'warning' ? 'warning' : 'notice';
    const fix = f.fix && f.fix.kind !== 'manual' ? ` (${f.fix.kind === 'auto-fix' ? 'eventdb auto-fix' : 'needs a migration'}: ${f.fix.description})` : '';
    out.line(`::${cmd} title=${escapeProperty(`eventdb validate: ${f.check} ${f.object}`)}::${escapeData(f.message + fix)}`);
  }
  out.line(summaryLine(res));
}
