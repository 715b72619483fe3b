import type { Command } from 'commander';
import { registerSecret } from '../config/redact.js';
import type { ResolvedConfig } from '../config/index.js';
import { EventdbError } from '../errors.js';
import type { HealthOptions } from '../health/index.js';
import type { Output } from './output.js';

export interface ServeFlags {
  serve?: boolean;
  port: string;
  host: string;
  ttl: string;
  adminToken?: string;
  allowHttpRestore?: boolean;
}

/** The --serve options shared by `health-check` and `prepare`. */
export function addServeOptions(cmd: Command): Command {
  return cmd
    .option('--serve', 'serve /health, /health/database, /health/r2-sync, /health/full, /metrics and a status page at /')
    .option('--port <port>', 'port for --serve', '8080')
    .option('--host <host>', 'address for --serve', '127.0.0.1')
    .option('--ttl <duration>', 'with --serve: reuse one round of checks for this long', '5s')
    .option('--admin-token <token>', 'with --serve: enable POST /admin/backup and GET /admin/backups for this bearer token (or EVENTDB_ADMIN_TOKEN)')
    .option('--allow-http-restore', 'with --serve and an admin token: also enable POST /admin/restore');
}

export function requireServeForAdmin(opts: ServeFlags): void {
  if (!opts.serve && (opts.adminToken || opts.allowHttpRestore)) {
    throw new EventdbError('USAGE', '--admin-token and --allow-http-restore need --serve', 'add --serve');
  }
}

/** Runs the health server until SIGTERM or SIGINT; returns the exit code (0). */
export async function serveHealth(h: typeof import('../health/index.js'), cfg: ResolvedConfig, options: HealthOptions, opts: ServeFlags, out: Output): Promise<number> {
  if (!/^\d+$/.test(opts.port)) throw new EventdbError('USAGE', `invalid --port "${opts.port}"`, 'use a port between 1 and 65535');
  const adminToken = opts.adminToken ?? process.env.EVENTDB_ADMIN_TOKEN;
  registerSecret(adminToken);
  if (opts.allowHttpRestore && !adminToken) throw new EventdbError('USAGE', '--allow-http-restore needs an admin token', 'set --admin-token or EVENTDB_ADMIN_TOKEN');
  const server = await h.startHealthServer(cfg, { ...options, port: Number(opts.port), host: opts.host, ttlMs: h.parseDuration(opts.ttl, '--ttl'), adminToken: adminToken || undefined, allowHttpRestore: !!opts.allowHttpRestore });
  const listening = { url: server.url, endpoints: [...Object.keys(h.ENDPOINTS), '/metrics', '/'], admin: !!adminToken };
  if (out.json) out.ndjson(true, { listening });
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
