import type { Command } from 'commander';
import { EventdbError } from '../../errors.js';
import type { BackupBefore, Migration, ProgressEvent, UpResult } from '../../migrations/index.js';
import { action } from '../context.js';
import { table } from '../output.js';
import { baselineWasmTier, dryRunConfig, lockTimeoutMs, migrateGroup, migrationsFlag, openForMigrate, positiveInt, rehearsalFailure, rehearsalSuccess, renderFailure, renderPlan, withConnection, type MigrateFlags } from './migrate-shared.js';
import { registerRollback } from './rollback.js';
import { registerMigrateAdmin } from './migrate-admin.js';
import { registerMigrateDiff } from './migrate-diff.js'; // migrate diff (issue 17)

interface UpFlags extends MigrateFlags {
  to?: string;
  step?: string;
  allowOutOfOrder?: boolean;
  backupBefore?: boolean;
  store?: string;
}

export function register(program: Command): void {
  const migrate = migrateGroup(program);

  migrate
    .command('status')
    .description('every migration with its state: applied, pending, changed or missing')
    .action(
      action<MigrateFlags>(async ({ out, config }) => {
        const cfg = await config();
        const { migrationStatus, computeStatus } = await import('../../migrations/status.js');
        const { loadMigrations } = await import('../../migrations/loader.js');
        const status = await withConnection(cfg, undefined, async (conn) => {
          if (conn) return migrationStatus(conn, cfg);
          const files = await loadMigrations(cfg.migrationsDir, cfg.database.engine, { importTs: false, checksumOnly: true });
          const migrations = computeStatus(files, []);
          return { migrations, pending: migrations.length, applied: 0, changed: 0, missing: 0, failedAttempts: [], historyTable: false };
        }, { existingOnly: true });
        out.result(true, { migrations: status.migrations, pending: status.pending, applied: status.applied, changed: status.changed, missing: status.missing, failedAttempts: status.failedAttempts }, () => {
          if (!status.migrations.length) out.line(`no migrations in ${cfg.migrationsDir}`);
          out.line(table(status.migrations.map((m) => [m.id, `${m.state.padEnd(8)}${m.appliedAt ? `  ${m.appliedAt}` : ''}${m.state === 'changed' ? `  recorded ${m.checksum.slice(0, 12)}, file ${m.fileChecksum!.slice(0, 12)}` : ''}`])));
          out.line('');
          out.line(`${status.applied} applied, ${status.pending} pending${status.changed ? `, ${status.changed} changed` : ''}${status.missing ? `, ${status.missing} missing` : ''}`);
          for (const f of status.failedAttempts) out.line(`${out.marker('warn')} failed ${f.direction === 'down' ? 'rollback' : 'attempt'}: ${f.id} at ${f.startedAt}: ${f.error}`);
        });
      }, migrationsFlag),
    );

  migrate
    .command('up')
    .description('apply pending migrations, each in its own transaction, under the migration lock')
    .option('--to <id>', 'apply up to and including this migration')
    .option('--step <n>', 'apply at most N migrations')
    .option('--dry-run', 'change nothing: show the plan and every statement, and rehearse it in a transaction that is rolled back')
    .option('--allow-out-of-order', 'apply pending migrations older than the newest applied one')
    .option('--lock-timeout <seconds>', 'wait this long for another eventdb process holding the migration lock (default 60)')
    .option('--force', 'run even what the risk gate would block')
    .option('--backup-before', 'take a snapshot into the store before applying a plan with a high or critical risk migration; nothing is applied if it fails')
    .option('--store <url>', 'with --backup-before: where the snapshot goes (default: EVENTDB_STORE, the config file, else file:./backups)')
    .action(
      action<UpFlags>(async (ctx) => {
        const { out, opts } = ctx;
        const cfg = await ctx.config();
        const lockMs = lockTimeoutMs(opts.lockTimeout);
        await baselineWasmTier(cfg);
        // Not awaited yet: without --backup-before the modules load while the connection opens (below).
        const modules = import('../../migrations/index.js');
        modules.catch(() => undefined);
        if (opts.store !== undefined && !opts.backupBefore) throw new EventdbError('USAGE', '--store is only used with --backup-before', 'add --backup-before, or drop --store');
        const upOpts = {
          to: opts.to,
          step: positiveInt(opts.step, '--step'),
          dryRun: opts.dryRun,
          allowOutOfOrder: opts.allowOutOfOrder,
          lockTimeoutMs: lockMs,
          force: opts.force,
          onProgress: (ev: ProgressEvent) => void (ev.type === 'done' && !out.json && out.line(`${out.marker('ok')} ${ev.id}  (${Math.round(ev.durationMs)} ms)`)),
        };
        let result: UpResult & { backup?: BackupBefore };
        try {
          if (opts.backupBefore) {
            const { migrateUpWithBackup } = await modules;
            result = await migrateUpWithBackup(() => openForMigrate(cfg, lockMs), cfg, {
              ...upOpts,
              store: opts.store,
              onSnapshot: (b) => out.line(`${out.marker('ok')} snapshot ${b.snapshot!.id} taken before migrating (${b.reason}): ${b.snapshot!.store} ${b.snapshot!.location}`),
            });
          } else {
            // While a server starts the connection's backend (#18), the migration modules load and the files
            // are read; a file's error surfaces where reading it would, once connected and locked.
            let migrations: Promise<Migration[]> | undefined;
            const whileConnecting = async (creating: boolean) => {
              migrations = (await modules).loadMigrations(cfg.migrationsDir, cfg.database.engine);
              migrations.catch(() => undefined); // awaited by the plan
              if (creating) await migrations; // a malformed file is refused before the database file exists
            };
            const runCfg = opts.dryRun ? await dryRunConfig(cfg) : cfg;
            result = await withConnection(runCfg, lockMs, async (conn) => (await modules).migrateUp(conn!, runCfg, { ...upOpts, migrations }), { locks: true, whileConnecting });
          }
        } catch (e) {
          return renderFailure(ctx, e, 'applied');
        }
        const ok = !result.dryRun || !result.rehearsal || result.rehearsal.ok;
        out.result(ok, { ...result, durationMs: Math.round(result.durationMs) }, () => {
          for (const w of result.warnings) out.line(`${out.marker('warn')} ${w}`);
          if (result.backup && !result.backup.taken) out.line(`${out.marker('info')} ${result.backup.wouldTake ? result.backup.reason : `no snapshot taken: ${result.backup.reason}`}`);
          if (result.dryRun) {
            out.line(`dry run on ${result.engine}: ${result.plan.length} migration${result.plan.length === 1 ? '' : 's'} would be applied; nothing was changed`);
            renderPlan(out, result.plan, true);
            const r = result.rehearsal;
            if (r?.ran) {
              if (r.ok) out.line(rehearsalSuccess(out, r, 'migration'));
              else out.line(rehearsalFailure(out, r.error!));
            } else if (r) out.line(`${out.marker('info')} not rehearsed: ${r.reason}`);
            return;
          }
          if (!result.applied.length) out.line('nothing to apply: the database is up to date');
          else out.line(`applied ${result.applied.length} migration${result.applied.length === 1 ? '' : 's'} (batch ${result.batch}) in ${Math.round(result.durationMs)} ms`);
          if (out.verbose) renderPlan(out, result.applied, true);
          else renderPlan(out, result.applied, false, true);
        });
        return ok ? 0 : 1;
      }, migrationsFlag),
    );

  registerRollback(migrate.command('down'), true);
  registerMigrateAdmin(migrate);
  registerMigrateDiff(migrate); // migrate diff (issue 17)
}
