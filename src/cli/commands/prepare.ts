import type { Command } from 'commander';
import { action } from '../context.js';
import { addServeOptions, requireServeForAdmin, serveHealth, type ServeFlags } from '../health-serve.js';

interface PrepareFlags extends ServeFlags {
  migrate?: boolean;
  restoreIfNewer?: boolean;
  lockTimeout: string;
  timeout: string;
  strict?: boolean;
  check?: string;
  maxBackupAge: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('prepare')
    .description('start-up sequence for a container entrypoint: config → smart restore → connect → migrations → health checks (then, with --serve, the health server)')
    .option('--migrate', 'apply pending migrations (also: autoMigrate: true in the config file)')
    .option('--restore-if-newer', 'restore the newest snapshot when the local database file is missing or older')
    .option('--lock-timeout <duration>', 'wait this long for another process holding the migration lock', '60s')
    .option('--timeout <duration>', 'bound the final health checks', '10s')
    .option('--strict', 'health warnings fail too (always so in production)')
    .option('--check <names>', 'health checks to run at the end (comma-separated; default all)')
    .option('--max-backup-age <duration>', 'the newest snapshot must be younger than this', '26h');
  addServeOptions(cmd).action(
      action<PrepareFlags>(async ({ opts, out, config }) => {
        const h = await import('../../health/index.js');
        const health = {
          checks: opts.check !== undefined ? h.parseCheckNames(opts.check) : undefined,
          timeoutMs: h.parseDuration(opts.timeout, '--timeout', { maxMs: h.TIMER_MAX_MS }),
          strict: !!opts.strict,
          maxBackupAgeMs: h.parseDuration(opts.maxBackupAge, '--max-backup-age', { plainUnit: 'h' }),
        };
        const lockTimeoutMs = h.parseDuration(opts.lockTimeout, '--lock-timeout');
        requireServeForAdmin(opts);
        const { prepare } = await import('../../prepare/index.js');
        const cfg = await config();
        const r = await prepare(cfg, { migrate: opts.migrate, restoreIfNewer: !!opts.restoreIfNewer, lockTimeoutMs, health });
        out.result(r.ok, { exitCode: r.exitCode, environment: r.environment, engine: r.engine, database: r.database, durationMs: r.durationMs, steps: r.steps, health: r.health ?? null }, () => {
          const w = Math.max(...r.steps.map((s) => s.name.length));
          for (const s of r.steps) {
            out.line(`${out.marker(s.status)} ${s.name.padEnd(w)}  ${`${Math.round(s.durationMs)} ms`.padStart(8)}  ${s.message}`);
            const hint = (s.details as { hint?: string } | undefined)?.hint;
            if (s.status === 'fail' && hint) out.line(`${' '.repeat(out.marker('ok').length + w + 14)}hint: ${hint}`);
          }
          if (r.health) {
            out.line('');
            for (const l of h.renderTable(r.health, (s) => out.marker(s))) out.line(`  ${l}`);
          }
          out.line('');
          out.line(r.ok ? `${out.marker('ok')} ready in ${Math.round(r.durationMs)} ms` : `${out.marker('fail')} not ready (exit ${r.exitCode})`);
        });
        // Ready: with --serve, stay up as the health server (the container's probe target).
        if (r.ok && opts.serve) return serveHealth(h, cfg, health, opts, out);
        return r.exitCode;
      }),
    );
}
