import type { Command } from 'commander';
import { action } from '../context.js';
import { confirmDestructive } from '../confirm.js';
import type { BackupBefore, ProgressEvent, RollbackResult } from '../../migrations/index.js';
import { dryRunConfig, lockTimeoutMs, migrationsFlag, openForMigrate, positiveInt, rehearsalFailure, rehearsalSuccess, renderFailure, renderFindings, renderPlan, withConnection, type MigrateFlags } from './migrate-shared.js';

interface RollbackFlags extends MigrateFlags {
  to?: string;
  backupBefore?: boolean;
  store?: string;
}

/** `eventdb rollback [N | --to ID]`. */
export function register(program: Command): void {
  registerRollback(program.command('rollback').option('--migrations <dir>', 'migrations folder (default: EVENTDB_MIGRATIONS_DIR, the config file, else ./migrations)'), false);
}

/** Configures a rollback command (`eventdb rollback`, `eventdb migrate down`). */
export function registerRollback(cmd: Command, sub: boolean): void {
  cmd
    .description(`roll back the last batch of migrations (or the last N, or everything after --to ID) in reverse dependency order${sub ? ' (same as `eventdb rollback`)' : ''}`)
    .argument('[n]', 'roll back the last N applied migrations instead of the last batch')
    .option('--to <id>', 'roll back every migration applied after this one (it stays applied)')
    .option('--dry-run', 'change nothing: show the plan and every statement, and rehearse it in a transaction that is rolled back')
    .option('--lock-timeout <seconds>', 'wait this long for another eventdb process holding the migration lock (default 60)')
    .option('--force', 'run even what the risk gate would block')
    .option('--backup-before', 'take a snapshot into the store before rolling back when a migration to undo is high or critical risk (e.g. its down drops a table with rows); nothing is rolled back if it fails')
    .option('--store <url>', 'with --backup-before: where the snapshot goes (default: EVENTDB_STORE, the config file, else file:./backups)')
    .action(
      action<RollbackFlags>(async (ctx, n?: string) => {
        const { out, opts } = ctx;
        const cfg = await ctx.config();
        const count = positiveInt(n, 'rollback');
        if (count !== undefined && opts.to !== undefined) {
          const { EventdbError } = await import('../../errors.js');
          throw new EventdbError('USAGE', 'give either N or --to ID, not both', 'e.g. `eventdb rollback 2` or `eventdb rollback --to 0005_venues`');
        }
        if (!opts.dryRun) await confirmDestructive(cfg, 'roll back migrations', opts.yes);
        const lockMs = lockTimeoutMs(opts.lockTimeout);
        const { rollback, rollbackWithBackup } = await import('../../migrations/index.js');
        const { EventdbError } = await import('../../errors.js');
        if (opts.store !== undefined && !opts.backupBefore) throw new EventdbError('USAGE', '--store is only used with --backup-before', 'add --backup-before, or drop --store');
        const rbOpts = {
          count,
          to: opts.to,
          dryRun: opts.dryRun,
          lockTimeoutMs: lockMs,
          force: opts.force,
          onProgress: (ev: ProgressEvent) => void (ev.type === 'done' && !out.json && out.line(`${out.marker('ok')} rolled back ${ev.id}  (${Math.round(ev.durationMs)} ms)`)),
        };
        let result: RollbackResult & { backup?: BackupBefore };
        try {
          if (opts.backupBefore) {
            result = await rollbackWithBackup(() => openForMigrate(cfg, lockMs), cfg, {
              ...rbOpts,
              store: opts.store,
              onSnapshot: (b) => out.line(`${out.marker('ok')} snapshot ${b.snapshot!.id} taken before rolling back (${b.reason}): ${b.snapshot!.store} ${b.snapshot!.location}`),
            });
          } else {
            const runCfg = opts.dryRun ? await dryRunConfig(cfg) : cfg;
            result = await withConnection(runCfg, lockMs, (conn) => rollback(conn!, runCfg, rbOpts), { locks: true, emptyIfAbsent: true });
          }
        } catch (e) {
          return renderFailure(ctx, e, 'rolledBack');
        }
        const ok = !result.dryRun || !result.rehearsal || result.rehearsal.ok;
        out.result(ok, { ...result, durationMs: Math.round(result.durationMs) }, () => {
          if (result.backup && !result.backup.taken) out.line(`${out.marker('info')} ${result.backup.wouldTake ? result.backup.reason : `no snapshot taken: ${result.backup.reason}`}`);
          if (result.dryRun) {
            out.line(`dry run on ${result.engine}: ${result.plan.length} migration${result.plan.length === 1 ? '' : 's'} would be rolled back; nothing was changed`);
            renderPlan(out, result.plan, true);
            const r = result.rehearsal;
            if (r?.ran && r.ok) out.line(rehearsalSuccess(out, r, 'rollback'));
            else if (r?.ran) out.line(rehearsalFailure(out, r.error!));
            return;
          }
          if (!result.rolledBack.length) out.line('nothing to roll back');
          else out.line(`rolled back ${result.rolledBack.length} migration${result.rolledBack.length === 1 ? '' : 's'} in ${Math.round(result.durationMs)} ms`);
          if (out.verbose) renderPlan(out, result.rolledBack, true);
          else {
            for (const s of result.rolledBack) {
              if (!s.findings.length) continue;
              out.line(`  ${s.id}:`);
              renderFindings(out, s.findings, '     ');
            }
          }
        });
        return ok ? 0 : 1;
      }, migrationsFlag),
    );
}
