import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResolvedConfig } from '../config/index.js';
import { redactDeep } from '../config/redact.js';
import { EventdbError, messageOf } from '../errors.js';
import { handleAdmin } from './admin.js';
import { renderPrometheus } from './metrics.js';
import { subset } from './report.js';
import { runHealthChecks } from './runner.js';
import { renderStatusPage } from './status-page.js';
import type { HealthOptions, HealthReport } from './types.js';

export interface ServeOptions extends Omit<HealthOptions, 'connection'> {
  port?: number;
  host?: string;
  /** How long one round of checks is served before the next one runs (default 5 s). */
  ttlMs?: number;
  /** Enables /admin/* when set: requests must carry `Authorization: Bearer <token>`. */
  adminToken?: string;
  /** Also enables POST /admin/restore. */
  allowHttpRestore?: boolean;
  /** Called after every round of checks (tests and logging). */
  onRound?(report: HealthReport, round: number): void;
}

export interface HealthServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Rounds of checks run against the database so far. */
  rounds(): number;
  /** Stops accepting, lets in-flight requests finish, waits for a running round. */
  close(): Promise<void>;
}

/** Endpoint → the checks it reports (all from one cached round). */
export const ENDPOINTS: Record<string, readonly string[] | 'all'> = {
  '/health': 'all',
  '/health/full': 'all',
  '/health/database': ['connection', 'migrations', 'schema', 'lock', 'database'],
  '/health/r2-sync': ['storage', 'backup'],
};

interface Cached {
  report: HealthReport;
  startedAt: number;
  /** Freshness counts from the end of the round, so a slow round never triggers back-to-back rounds. */
  finishedAt: number;
  bodies: Map<string, { status: number; body: Buffer }>;
  page?: Buffer;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const METRICS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * `health-check --serve`: one round of checks per TTL at most, shared by every endpoint; requests
 * in between are answered from pre-serialised bodies. While a new round runs, the previous answer
 * is served (stale by less than one round), so a probe storm never waits on the database.
 */
export async function startHealthServer(config: ResolvedConfig, opts: ServeOptions = {}): Promise<HealthServer> {
  const ttlMs = opts.ttlMs ?? 5000;
  if (!(ttlMs > 0)) throw new EventdbError('USAGE', `--ttl must be positive (got ${ttlMs} ms)`, 'e.g. --ttl 5s');
  const port = opts.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new EventdbError('USAGE', `invalid --port ${port}`, 'use a port between 1 and 65535 (0 picks a free one)');
  const host = opts.host ?? '127.0.0.1';
  const tokenDigest = opts.adminToken ? digest(opts.adminToken) : undefined;
  let rounds = 0;
  let requests = 0;
  let cached: Cached | undefined;
  let inflight: Promise<Cached> | undefined;
  let closing = false;

  const refresh = (): Promise<Cached> => {
    inflight ??= (async () => {
      const startedAt = Date.now();
      rounds++;
      const n = rounds;
      let report: HealthReport;
      try {
        report = redactDeep(await runHealthChecks(config, opts));
      } catch (e) {
        report = {
          ok: false, status: 'fail', exitCode: 1, strict: !!opts.strict, engine: config.database.engine, database: config.database.display,
          environment: config.environment, checkedAt: new Date(startedAt).toISOString(), durationMs: Date.now() - startedAt,
          checks: [{ name: 'connection', status: 'fail', durationMs: 0, message: messageOf(e) }],
        };
      }
      const c: Cached = { report, startedAt, finishedAt: Date.now(), bodies: new Map() };
      for (const [path, names] of Object.entries(ENDPOINTS)) {
        const r = names === 'all' ? report : subset(report, names);
        const payload = path === '/health' ? { ok: r.ok, status: r.status, checkedAt: r.checkedAt, checks: r.checks.map(({ name, status, message }) => ({ name, status, message })) } : r;
        c.bodies.set(path, { status: r.ok ? 200 : 503, body: Buffer.from(JSON.stringify(payload)) });
      }
      cached = c;
      opts.onRound?.(report, n);
      return c;
    })().finally(() => {
      inflight = undefined;
    });
    return inflight;
  };

  /** Fresh within TTL: as is. Expired: start one new round, answer from the previous one meanwhile. */
  const current = async (): Promise<Cached> => {
    if (cached && Date.now() - cached.finishedAt < ttlMs) return cached;
    if (cached) {
      if (!closing) void refresh();
      return cached;
    }
    return refresh();
  };

  const server = createServer((req, res) => {
    requests++;
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, JSON_TYPE, Buffer.from(JSON.stringify({ ok: false, error: { code: 'INTERNAL', message: messageOf(e) } })));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '') || '/';
    if (path.startsWith('/admin/') || path === '/admin') {
      if (!tokenDigest) return notFound(res);
      if (!authorized(req, tokenDigest)) {
        res.setHeader('www-authenticate', 'Bearer');
        return send(res, 401, JSON_TYPE, Buffer.from(JSON.stringify({ ok: false, error: { code: 'UNAUTHORIZED', message: 'missing or wrong admin token', hint: 'send Authorization: Bearer <token>' } })));
      }
      const r = await handleAdmin(path, req, config, { allowHttpRestore: !!opts.allowHttpRestore });
      return send(res, r.status, JSON_TYPE, Buffer.from(JSON.stringify(redactDeep(r.body))));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, JSON_TYPE, Buffer.from('{"ok":false,"error":{"code":"METHOD","message":"use GET"}}'), req);
    }
    if (ENDPOINTS[path]) {
      const c = await current();
      const b = c.bodies.get(path)!;
      return send(res, b.status, JSON_TYPE, b.body, req);
    }
    if (path === '/metrics') {
      const c = await current();
      return send(res, 200, METRICS_TYPE, Buffer.from(renderPrometheus(c.report, { rounds, requests })), req);
    }
    if (path === '/') {
      const c = await current();
      c.page ??= Buffer.from(renderStatusPage(c.report, ttlMs));
      return send(res, 200, 'text/html; charset=utf-8', c.page, req);
    }
    return notFound(res);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new EventdbError('USAGE', `port ${port} on ${host} is already in use`, 'pick another with --port'));
      else if (e.code === 'EACCES') reject(new EventdbError('USAGE', `not allowed to listen on ${host}:${port}`, 'use a port above 1024, or another --host'));
      else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') reject(new EventdbError('USAGE', `cannot listen on ${host}: no such local address`, 'use --host 127.0.0.1 or 0.0.0.0'));
      else reject(e);
    });
    server.listen(port, host, () => resolve());
  });
  void refresh(); // warm: the first probe does not wait for a round
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shownHost}:${addr.port}`,
    host: addr.address,
    port: addr.port,
    rounds: () => rounds,
    async close() {
      closing = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      });
      await inflight?.catch(() => undefined);
    },
  };
}

function send(res: ServerResponse, status: number, type: string, body: Buffer, req?: IncomingMessage): void {
  res.writeHead(status, { 'content-type': type, 'content-length': body.length, 'cache-control': 'no-store' });
  res.end(req?.method === 'HEAD' ? undefined : body);
}

function notFound(res: ServerResponse): void {
  send(res, 404, JSON_TYPE, Buffer.from(JSON.stringify({ ok: false, error: { code: 'NOT_FOUND', message: 'no such endpoint', hint: `try ${Object.keys(ENDPOINTS).join(', ')}, /metrics or /` } })));
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Bearer token compared in constant time (both sides hashed to equal length first). */
function authorized(req: IncomingMessage, expected: Buffer): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  const given = digest(m?.[1]?.trim() ?? '');
  return timingSafeEqual(given, expected) && !!m;
}
