import type { Command } from 'commander';
import { parseDuration, TIMER_MAX_MS } from '../../units.js';
import { action, type CommandContext } from '../context.js';
import { oneLine, table } from '../output.js';
import { formatBytes, startProgress } from '../render/progress.js';
import { mark } from '../../trace.js';

interface BackupFlags {
  store?: string;
  tag?: string;
  encryptTo?: string[];
  every?: string;
  finalTimeout?: string;
  compress?: string;
}

/** `--every` and `--final-timeout`: a duration (src/units.ts) of at least one second, at most what a timer holds (24.8 days). */
export function parseInterval(text: string, flag: string): number {
  return parseDuration(text, flag, { minMs: 1000, maxMs: TIMER_MAX_MS });
}

const storeOption = ['--store <url>', 'where snapshots live: file:./backups, s3://bucket/prefix, r2://bucket/prefix (default: EVENTDB_STORE, the config file, else file:./backups)'] as const;
const collect = (v: string, prev: string[] = []) => [...prev, v];

async function runOnce(ctx: CommandContext<BackupFlags>) {
  const { opts } = ctx;
  // The backup's modules load while the configuration resolves (#18 fixed cost).
  const loading = import('../../backup/backup.js');
  loading.catch(() => undefined);
  const cfg = await ctx.config();
  mark('config resolved');
  const { createBackup } = await loading;
  mark('backup modules loaded');
  const progress = await startProgress(opts, `backing up ${cfg.database.display}: taking a consistent copy`);
  try {
    const { parseCompression } = await import('../../backup/codec.js');
    return await createBackup(cfg, {
      tag: opts.tag,
      compress: opts.compress === undefined ? undefined : parseCompression(opts.compress, '--compress'),
      encryptTo: opts.encryptTo,
      onProgress: (bytes, total) => progress.bytes(`backing up ${cfg.database.display}`, bytes, total),
    });
  } finally {
    progress.stop();
  }
}

function renderBackup(ctx: CommandContext<BackupFlags>, r: Awaited<ReturnType<typeof runOnce>>): void {
  const { out } = ctx;
  out.line(`${out.marker('ok')} snapshot ${r.id}  ${r.engine} "${r.database}"  ${formatBytes(r.size)} stored (${formatBytes(r.rawSize)} raw) in ${(r.durationMs / 1000).toFixed(1)} s, ${formatBytes(r.rate)}/s${r.compression === 'none' ? ', uncompressed' : `, ${r.compression}`}${r.encrypted ? ', encrypted' : ''}`);
  out.line(`       ${r.store}/${r.location}  (${r.tool}; ${Object.keys(r.tables).length} tables, migration head ${r.migrationHead ?? 'none'})`);
  for (const n of r.notes) out.line(`       note: ${n}`);
}

/**
 * `backup --every`: the schedule runs in the core (backup/schedule.ts); SIGTERM/SIGINT stop it after a
 * final backup. Each event is rendered: one NDJSON line under --json, else the human lines.
 */
async function runEvery(ctx: CommandContext<BackupFlags>, intervalMs: number, finalTimeoutMs: number): Promise<number> {
  const { out, opts } = ctx;
  const { runBackupSchedule } = await import('../../backup/schedule.js');
  const stop = new AbortController();
  const onSignal = (sig: string) => stop.abort(sig);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const r = await runBackupSchedule({
      take: () => runOnce(ctx),
      intervalMs,
      finalTimeoutMs,
      stop: stop.signal,
      onEvent: (e) => {
        if (e.type === 'stopping') out.note(`${e.reason} received: taking a final backup (up to ${Math.round(e.finalTimeoutMs / 1000)} s) before exiting`);
        else if (e.type === 'final-timeout' || !e.ok) {
          if (opts.json) out.ndjsonError(e.error);
          else out.error(e.error);
        } else if (opts.json) out.ndjson(true, { backup: e.backup });
        else renderBackup(ctx, e.backup);
      },
    });
    if (r.timedOut) {
      // The final backup is still running: stop it here, before its manifest is written, removing what it
      // has made (it committed afterwards, and printed its success after the timeout's failure).
      const { runInterruptCleanups } = await import('../../interrupt-cleanup.js');
      await runInterruptCleanups();
      process.exit(1);
    }
    return r.ok ? 0 : 1;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

export function register(program: Command): void {
  const backup = program
    .command('backup')
    .description('take a consistent, verified snapshot of the database into the store (manifest written last)')
    .option(...storeOption)
    .option('--tag <tag>', 'a label stored in the manifest (e.g. pre-deploy)')
    .option('--encrypt-to <recipient>', 'encrypt with age to this recipient (age1…; repeatable; also EVENTDB_BACKUP_RECIPIENTS, or EVENTDB_BACKUP_PASSPHRASE)', collect)
    .option('--compress <codec>', 'zstd, gzip or none (default: EVENTDB_BACKUP_COMPRESS, else zstd on Node.js 22.15+, else gzip)')
    .option('--every <interval>', 'keep running and back up on this interval (30m, 1h, 1d); SIGTERM/SIGINT takes a final backup')
    .option('--final-timeout <duration>', 'with --every: time limit of the final backup on SIGTERM/SIGINT', '5m')
    .action(
      action<BackupFlags>(async (ctx) => {
        const { opts, out } = ctx;
        if (opts.compress !== undefined) (await import('../../backup/codec.js')).parseCompression(opts.compress, '--compress');
        if (opts.every) {
          const interval = parseInterval(opts.every, '--every');
          const finalTimeout = parseInterval(opts.finalTimeout ?? '5m', '--final-timeout');
          return runEvery(ctx, interval, finalTimeout);
        }
        const r = await runOnce(ctx);
        out.result(true, { backup: r }, () => renderBackup(ctx, r));
      }, (o) => ({ store: o.store })),
    );

  backup
    .command('list')
    .description('list the snapshots of this environment and database in the store, newest first')
    .option(...storeOption)
    .action(
      action<{ store?: string }>(async ({ out, config }) => {
        const cfg = await config();
        const { otherFileNames, readCatalog, requireStore } = await import('../../backup/catalog.js');
        const c = await readCatalog(cfg);
        requireStore(c);
        const snapshots = c.snapshots.map(({ manifest: _m, ...s }) => s);
        const otherFiles = c.otherFiles.map((s) => ({ id: s.id, createdAt: s.createdAt, path: s.manifest.database.path }));
        out.result(true, { store: c.store.display, prefix: c.prefix, snapshots, otherFiles, incomplete: c.incomplete.map((i) => ({ id: i.id, modified: i.modified })), damaged: c.damaged.map((d) => ({ id: d.id, reason: d.reason })) }, () => {
          for (const d of c.damaged) out.line(`${out.marker('warn')} skipped damaged snapshot ${oneLine(d.id)}: ${oneLine(d.reason)}`);
          if (otherFiles.length) out.line(`${out.marker('info')} not listed: ${otherFiles.length} snapshot(s) of another file with this name (${otherFileNames(c)}); --json lists them under otherFiles`);
          if (snapshots.length === 0) {
            out.line(`no snapshots in ${c.store.display}/${c.prefix} (run \`eventdb backup\`)`);
            return;
          }
          out.line(`${snapshots.length} snapshot(s) in ${c.store.display}/${c.prefix}`);
          out.line(
            table(
              snapshots.map((s) => [
                s.id,
                // Manifest text (a tag, a migration id) stays on its row: every control and bidi character escaped.
                `${oneLine(s.createdAt)}  ${formatBytes(s.size).padStart(9)}  ${s.verified ? 'verified' : 'unverified'}${s.encrypted ? '  encrypted' : ''}${s.tag ? `  tag=${oneLine(s.tag)}` : ''}  head=${oneLine(s.migrationHead ?? '-')}`,
              ]),
              '  ',
            ),
          );
          if (c.incomplete.length) out.line(`${c.incomplete.length} incomplete folder(s) without a manifest (not snapshots; \`backup prune\` removes them after a day)`);
        });
      }, (o) => ({ store: o.store })),
    );

  backup
    .command('verify [id]')
    .description('download a snapshot, check every SHA-256, decrypt, and run the engine integrity check on the copy')
    .option('--latest', 'verify the newest snapshot')
    .option('--identity <file>', 'age identity file for encrypted snapshots (also EVENTDB_AGE_IDENTITY_FILE)')
    .option(...storeOption)
    .action(
      action<{ store?: string; latest?: boolean; identity?: string }>(async ({ opts, out, config }, id?: string) => {
        const cfg = await config();
        const { verifySnapshot } = await import('../../backup/verify.js');
        const r = await verifySnapshot(cfg, { id, latest: opts.latest, identityFile: opts.identity });
        out.result(true, { verify: r }, () => {
          out.line(`${out.marker('ok')} snapshot ${r.id} (${r.engine}, ${r.createdAt}) verified in ${(r.durationMs / 1000).toFixed(1)} s`);
          for (const c of r.checks) out.line(`       ${oneLine(c)}`);
        });
      }, (o) => ({ store: o.store })),
    );

  backup
    .command('prune')
    .description('delete old snapshots by a retention policy (dry-run unless --yes; never the newest verified snapshot)')
    .option('--keep-last <n>', 'keep the N newest snapshots')
    .option('--keep-daily <n>', 'keep the newest snapshot of each of the last N days that have one')
    .option('--keep-weekly <n>', 'keep the newest snapshot of each of the last N weeks that have one')
    .option(...storeOption)
    .action(
      action<{ store?: string; keepLast?: string; keepDaily?: string; keepWeekly?: string }>(async ({ opts, out, config }) => {
        // Plain decimal counts only (`0x2`, `1e2`, `3.0` are refused), before anything is read.
        const { parseWholeNumber } = await import('../../backup/whole-number.js');
        const count = (v: string | undefined, flag: string) => (v === undefined ? undefined : parseWholeNumber(v, flag));
        const keep = { keepLast: count(opts.keepLast, '--keep-last'), keepDaily: count(opts.keepDaily, '--keep-daily'), keepWeekly: count(opts.keepWeekly, '--keep-weekly') };
        const cfg = await config();
        const { pruneSnapshots } = await import('../../backup/prune.js');
        const r = await pruneSnapshots(cfg, { ...keep, apply: !!opts.yes });
        out.result(true, { prune: r }, () => {
          const verb = r.applied ? 'deleted' : 'would delete';
          for (const k of r.keep) out.line(`  keep    ${k.id}  (${k.reasons.join(', ')})`);
          for (const d of r.remove) out.line(`  ${r.applied ? 'deleted' : 'delete '} ${d.id}  ${formatBytes(d.size)}`);
          for (const i of r.incomplete) out.line(`  ${r.applied ? 'deleted' : 'delete '} ${i.id}  (incomplete: no manifest, ${i.objects} object(s))`);
          for (const d of r.damaged) out.line(`  skip    ${d.id}  (damaged, left in place: ${d.reason})`);
          out.line(`${out.marker(r.applied ? 'ok' : 'info')} ${verb} ${r.remove.length} snapshot(s), ${formatBytes(r.freedBytes)}; kept ${r.keep.length}${r.applied ? '' : ' — dry run: add --yes to delete'}`);
        });
      }, (o) => ({ store: o.store })),
    );
}
