import type { Command } from 'commander';
import { EventdbError } from '../../errors.js';
import { action } from '../context.js';

interface HealthFlags {
  check?: string;
  timeout: string;
  strict?: boolean;
  deep?: boolean;
  maxBackupAge: string;
  lockThreshold: string;
  format?: string;
  serve?: boolean;
  port: string;
  host: string;
  ttl: string;
  adminToken?: string;
  allowHttpRestore?: boolean;
}

export function register(program: Command): void {
  program
    .command('health-check')
    .description('check connection, migrations, schema, lock, backup, storage and database vitals; exit 0 ok, 1 failed, 3 cannot connect')
    .option('--check <names>', 'run only these checks (comma-separated): connection, migrations, schema, lock, backup, storage, database')
    .option('--timeout <duration>', 'bound the whole run; each check has its own deadline', '10s')
    .option('--strict', 'warnings fail too (always so in production)')
    .option('--deep', 'slower checks: never-scanned indexes (PostgreSQL), quick_check (SQLite), table read-back (DuckDB)')
    .option('--max-backup-age <duration>', 'the newest snapshot must be younger than this', '26h')
    .option('--lock-threshold <duration>', 'a migration lock held longer than this fails (shorter warns)', '10m')
    .option('--format <format>', 'table, github (workflow annotations) or prometheus')
    .option('--serve', 'serve /health, /health/database, /health/r2-sync, /health/full, /metrics and a status page at /')
    .option('--port <port>', 'port for --serve', '8080')
    .option('--host <host>', 'address for --serve', '127.0.0.1')
    .option('--ttl <duration>', 'with --serve: reuse one round of checks for this long', '5s')
    .option('--admin-token <token>', 'with --serve: enable POST /admin/backup and GET /admin/backups for this bearer token (or EVENTDB_ADMIN_TOKEN)')
    .option('--allow-http-restore', 'with --serve and an admin token: also enable POST /admin/restore')
    .action(
      action<HealthFlags>(async ({ opts, out, config }) => {
        const h = await import('../../health/index.js');
        const format = opts.format ?? 'table';
        if (!(h.FORMATS as readonly string[]).includes(format)) throw new EventdbError('USAGE', `unknown --format "${format}"`, `use one of: ${h.FORMATS.join(', ')} (or --json)`);
        const options = {
          checks: opts.check !== undefined ? h.parseCheckNames(opts.check) : undefined,
          timeoutMs: h.parseDuration(opts.timeout, '--timeout'),
          strict: !!opts.strict,
          deep: !!opts.deep,
          maxBackupAgeMs: h.parseDuration(opts.maxBackupAge, '--max-backup-age', 'h'),
          lockThresholdMs: h.parseDuration(opts.lockThreshold, '--lock-threshold'),
        };
        const cfg = await config();
        if (opts.serve) return serve(h, cfg, options, opts, out);
        if (opts.adminToken || opts.allowHttpRestore) throw new EventdbError('USAGE', '--admin-token and --allow-http-restore need --serve', 'add --serve');
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

async function serve(
  h: typeof import('../../health/index.js'),
  cfg: import('../../config/index.js').ResolvedConfig,
  options: import('../../health/index.js').HealthOptions,
  opts: HealthFlags,
  out: import('../output.js').Output,
): Promise<number> {
  if (!/^\d+$/.test(opts.port)) throw new EventdbError('USAGE', `invalid --port "${opts.port}"`, 'use a port between 1 and 65535');
  const adminToken = opts.adminToken ?? process.env.EVENTDB_ADMIN_TOKEN;
  if (opts.allowHttpRestore && !adminToken) throw new EventdbError('USAGE', '--allow-http-restore needs an admin token', 'set --admin-token or EVENTDB_ADMIN_TOKEN');
  const server = await h.startHealthServer(cfg, { ...options, port: Number(opts.port), host: opts.host, ttlMs: h.parseDuration(opts.ttl, '--ttl'), adminToken: adminToken || undefined, allowHttpRestore: !!opts.allowHttpRestore });
  const listening = { url: server.url, endpoints: [...Object.keys(h.ENDPOINTS), '/metrics', '/'], admin: !!adminToken };
  if (out.json) process.stdout.write(`${JSON.stringify({ ok: true, listening })}\n`);
  else out.note(`eventdb health server listening on ${server.url} (${listening.endpoints.join(', ')}${adminToken ? ', /admin/*' : ''}); SIGTERM or Ctrl-C stops it`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await server.close();
  out.note('eventdb health server stopped');
  return 0;
}
