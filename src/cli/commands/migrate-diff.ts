import type { Command } from 'commander';
import { relative } from 'node:path';
import { EventdbError } from '../../errors.js';
import type { RenameCandidate, RenameSpec } from '../../schema/generate/command.js';
import { action } from '../context.js';
import { migrationsFlag, type MigrateFlags } from './migrate-shared.js';

interface DiffFlags extends MigrateFlags {
  check?: boolean;
  allowDrop?: boolean;
  rename: string[];
  renameTable: string[];
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** `eventdb migrate diff NAME` (issue 17): the next migration, generated from the declaration in schema/. */
export function registerMigrateDiff(migrate: Command): void {
  migrate
    .command('diff')
    .description('write the next migration from the declaration (schema/): what it declares that the existing migrations do not make')
    .argument('<name>', 'the new migration\'s name, e.g. add_waitlist')
    .option('--check', 'write nothing; exit 1 when the declaration and the migrations disagree (CI)')
    .option('--allow-drop', 'also write drops of tables and columns and narrowing type changes (else reported and left out)')
    .option('--rename <table.old:new>', 'a column rename, not a drop and an add (repeatable)', collect, [])
    .option('--rename-table <old:new>', 'a table rename, not a drop and a create (repeatable)', collect, [])
    .addHelpText('after', '\nThe migrations are replayed into scratch databases (never the configured database). Exit 0: written, or nothing to do;\n1: --check found differences, or an engine refused a change; 2: bad usage or a rename to resolve without a terminal.')
    .action(
      action<DiffFlags>(async ({ opts, out, config }, name: string) => {
        const { migrateDiff, parseColumnRename, parseTableRename, describeCandidate } = await import('../../schema/generate/command.js');
        const renames: RenameSpec[] = [...opts.rename.map(parseColumnRename), ...opts.renameTable.map(parseTableRename)];
        const cfg = await config();
        const tty = !opts.json && !opts.check && process.stdin.isTTY && process.stdout.isTTY;
        const confirmRename = tty
          ? async (c: RenameCandidate) => {
              const { confirm } = await import('@inquirer/prompts');
              const d = describeCandidate(c);
              try {
                return await confirm({ message: `${d.what}: rename ${c.from} to ${c.to} (keeps the data)?`, default: true });
              } catch (e) {
                // Ctrl-C or end of input at the prompt: no answer, so nothing is written, as without a terminal
                if ((e as Error | undefined)?.name !== 'ExitPromptError') throw e;
                throw new EventdbError('DIFF_RENAME_NEEDED', `${d.what}: not answered; nothing was written`, `answer y or n, or say which: ${d.flag} (keeps the data), or declare the drop and the add in two steps (the drop with --allow-drop)`);
              }
            }
          : undefined;
        const r = await migrateDiff(cfg, { name, check: opts.check, allowDrop: opts.allowDrop, renames, confirmRename });
        const ok = !(opts.check && r.changed);
        out.result(ok, { changed: r.changed, written: r.written, files: r.files, omitted: r.omitted, renames: r.renames, engines: r.engines.map((e) => e.engine), findings: r.findings }, () => {
          const engines = r.engines.map((e) => e.engine).join(', ');
          if (!r.files.length && !r.omitted.length) out.line(`nothing to do: the migrations make what schema/ declares (${engines})`);
          for (const f of r.files) {
            const where = r.written.find((w) => w.endsWith(f.name));
            out.line(`${out.marker(opts.check ? 'warn' : 'ok')} ${opts.check ? 'would write' : 'wrote'} ${where ? relative(cfg.cwd, where) : f.name}${f.transaction ? '' : '  (no transaction)'}`);
            if (out.verbose || opts.check) for (const s of f.up) out.line(`      ${s.split('\n').join('\n      ')}`);
            for (const [rule, reason] of Object.entries(f.accepted)) out.line(`      risk-accepted ${rule}: ${reason}`);
          }
          const seen = new Set<string>();
          for (const o of r.omitted) {
            if (seen.has(o.change)) continue;
            seen.add(o.change);
            out.line(`${out.marker('warn')} left out: ${o.change} — ${o.reason}`);
          }
          if (opts.check && r.changed) out.line(`the declaration and the migrations disagree (${engines}); nothing was written`);
        });
        return ok ? 0 : 1;
      }, migrationsFlag),
    );
}
