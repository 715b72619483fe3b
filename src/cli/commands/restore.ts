import type { Command } from 'commander';
import { action } from '../context.js';
import { oneLine } from '../output.js';
import { confirmDestructive } from '../confirm.js';
import { lockTimeoutMs } from './migrate-shared.js';
import type { RestoreProgress } from '../../backup/restore.js';

interface RestoreFlags {
  store?: string;
  latest?: boolean;
  at?: string;
  to?: string;
  ifNewer?: boolean;
  keep?: boolean;
  force?: boolean;
  identity?: string;
  lockTimeout?: string;
}

export function register(program: Command): void {
  program
    .command('restore [id]')
    .description('restore a snapshot: verified in full before the target is touched, then swapped in atomically')
    .option('--latest', 'the newest snapshot')
    .option('--at <time>', 'the newest snapshot taken at or before this time (ISO 8601)')
    .option('--to <url>', 'restore into this database instead of the configured one')
    .option('--if-newer', 'restore only if the snapshot is newer than the target\'s data (for start-up scripts); otherwise exit 0')
    .option('--no-keep', 'do not keep the replaced data as <name>.pre-restore-<time>')
    .option('--force', 'restore a snapshot whose migration head this code does not know, or whose manifest names another database')
    .option('--lock-timeout <seconds>', 'wait this long for another restore of the same target to finish (default 30)')
    .option('--identity <file>', 'age identity file for encrypted snapshots (also EVENTDB_AGE_IDENTITY_FILE)')
    .option('--store <url>', 'where snapshots live (default: EVENTDB_STORE, the config file, else file:./backups)')
    .action(
      action<RestoreFlags>(async ({ opts, out, config }, id?: string) => {
        const cfg = await config();
        const lockMs = lockTimeoutMs(opts.lockTimeout);
        await confirmDestructive(cfg, `restore a snapshot over ${opts.to ?? cfg.database.display}`, opts.yes);
        const { restoreSnapshot } = await import('../../backup/restore.js');
        const { startProgress } = await import('../render/progress.js');
        const progress = await startProgress(opts, 'reading the snapshot catalog');
        const onProgress = (p: RestoreProgress) => {
          if (p.phase === 'download') progress.bytes('downloading and verifying', p.bytes ?? 0, p.total);
          else if (p.phase === 'load') progress.bytes('restoring into a new database while verifying', p.bytes ?? 0, p.total);
          else if (p.phase === 'check') progress.step('checking the copy (integrity check, row counts)');
          else progress.step('swapping the restored copy into place');
        };
        const r = await restoreSnapshot(cfg, { id, latest: opts.latest, at: opts.at, to: opts.to, ifNewer: opts.ifNewer, keep: opts.keep, force: opts.force, identityFile: opts.identity, lockTimeoutMs: lockMs, onProgress }).finally(() => progress.stop());
        out.result(true, { restore: r }, () => {
          if (!r.restored) {
            out.line(`${out.marker('info')} not restored: ${oneLine(r.reason ?? '')}`);
            return;
          }
          out.line(`${out.marker('ok')} restored snapshot ${r.id} (${r.createdAt}) into ${r.target} in ${(r.durationMs / 1000).toFixed(1)} s`);
          for (const c of r.checks) out.line(`       ${oneLine(c)}`);
          out.line(`       ${Object.keys(r.tables).length} tables, ${Object.values(r.tables).reduce((a, b) => a + b, 0)} rows`);
          if (r.previous) out.line(`       the previous data was kept as ${r.previous}`);
          for (const n of r.notes) out.line(`       note: ${oneLine(n)}`);
        });
      }, (o) => ({ store: o.store })),
    );
}
