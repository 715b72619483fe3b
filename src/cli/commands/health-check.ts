import type { Command } from 'commander';
import { EventdbError } from '../../errors.js';
import { action } from '../context.js';
import { addServeOptions, requireServeForAdmin, serveHealth, type ServeFlags } from '../health-serve.js';

interface HealthFlags extends ServeFlags {
  check?: string;
  timeout: string;
  strict?: boolean;
  deep?: boolean;
  maxBackupAge: string;
  lockThreshold: string;
  format?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('health-check')
    .description('check connection, migrations, schema, lock, backup, storage and database vitals; exit 0 ok, 1 failed, 3 cannot connect')
    .option('--check <names>', 'run only these checks (comma-separated): connection, migrations, schema, lock, backup, storage, database')
    .option('--timeout <duration>', 'bound the whole run; each check has its own deadline', '10s')
    .option('--strict', 'warnings fail too (always so in production)')
    .option('--deep', 'slower checks: never-scanned indexes (PostgreSQL), quick_check (SQLite), table read-back (DuckDB)')
    .option('--max-backup-age <duration>', 'the newest snapshot must be younger than this', '26h')
    .option('--lock-threshold <duration>', 'a migration lock held longer than this fails (shorter warns)', '10m')
    .option('--format <format>', 'table, github (workflow annotations) or prometheus');
  addServeOptions(cmd).action(
      action<HealthFlags>(async ({ opts, out, config }) => {
        const h = await import('../../health/index.js');
        const format = opts.format ?? 'table';
        if (!(h.FORMATS as readonly string[]).includes(format)) throw new EventdbError('USAGE', `unknown --format "${format}"`, `use one of: ${h.FORMATS.join(', ')} (or --json)`);
        const options = {
          checks: opts.check !== undefined ? h.parseCheckNames(opts.check) : undefined,
          timeoutMs: h.parseDuration(opts.timeout, '--timeout', { maxMs: h.TIMER_MAX_MS }),
          strict: !!opts.strict,
          deep: !!opts.deep,
          maxBackupAgeMs: h.parseDuration(opts.maxBackupAge, '--max-backup-age', { plainUnit: 'h' }),
          lockThresholdMs: h.parseDuration(opts.lockThreshold, '--lock-threshold'),
        };
        const cfg = await config();
        if (opts.serve) return serveHealth(h, cfg, options, opts, out);
        requireServeForAdmin(opts);
        const report = await h.runHealthChecks(cfg, options);
        const { exitCode, ...rest } = report;
        out.result(report.ok, { status: rest.status, checks: rest.checks, exitCode, strict: rest.strict, engine: rest.engine, database: rest.database, environment: rest.environment, checkedAt: rest.checkedAt, durationMs: rest.durationMs }, () => {
          if (format === 'github') for (const l of h.renderGithub(report)) out.line(l);
          else if (format === 'prometheus') out.line(h.renderPrometheus(report).trimEnd());
          else for (const l of h.renderTable(report, (s) => out.marker(s))) out.line(l);
        });
        return exitCode;
      }),
    );
}
