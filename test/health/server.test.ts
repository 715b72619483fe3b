import { spawn } from 'node:child_process';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { startHealthServer } from '../../src/health/index.js';
import { openDatabase } from '../../src/index.js';
import { BIN, baseEnv } from '../helpers/cli.js';
import { describeEngines } from '../helpers/engines.js';
import { TABLE_DDL } from './helpers.js';

/** Parses Prometheus text into `name{labels}` → value, checking every line is well-formed. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = /^([a-z_:][a-z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/i.exec(line);
    if (!m) throw new Error(`bad metrics line: ${line}`);
    out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return out;
}

describeEngines('health HTTP mode', (fx) => {
  async function createTable(): Promise<void> {
    const conn = await openDatabase(await fx.config());
    await sql.raw(TABLE_DDL[fx.engine]!).execute(conn.db);
    await conn.close();
  }

  it('serves /health, sub-endpoints, /metrics and 404 with real status codes; one round per TTL', async () => {
    await createTable();
    const rounds: number[] = [];
    const server = await startHealthServer(await fx.config(), { port: 0, ttlMs: 3000, checks: ['connection', 'lock', 'database', 'storage'], onRound: (_r, n) => rounds.push(n) });
    try {
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(200);
      const body = (await health.json()) as any;
      expect(Object.keys(body)[0]).toBe('ok');
      expect(body).toMatchObject({ ok: true, status: 'warn' });
      expect(body.checks.map((c: any) => c.name)).toEqual(['connection', 'lock', 'storage', 'database']);

      const db = (await (await fetch(`${server.url}/health/database`)).json()) as any;
      expect(db.checks.map((c: any) => c.name)).toEqual(['connection', 'lock', 'database']);
      expect(db.checks[0].details.serverVersion).toBeTruthy();
      const r2 = await fetch(`${server.url}/health/r2-sync`);
      expect(r2.status).toBe(200);
      expect(((await r2.json()) as any).checks.map((c: any) => c.name)).toEqual(['storage']);
      const full = (await (await fetch(`${server.url}/health/full`)).json()) as any;
      expect(full.checks.find((c: any) => c.name === 'database').details.sizeBytes).toBeGreaterThan(0);

      // A probe storm inside one TTL: still one round.
      await Promise.all(Array.from({ length: 200 }, () => fetch(`${server.url}/health`).then((r) => r.arrayBuffer())));
      expect(server.rounds()).toBe(1);
      const metricsRes = await fetch(`${server.url}/metrics`);
      expect(metricsRes.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const m = parseMetrics(await metricsRes.text());
      expect(m.get(`eventdb_health_ok{engine="${fx.engine}"}`)).toBe(1);
      expect(m.get('eventdb_health_check_status{check="connection",status="ok"}'), JSON.stringify(body.checks[0])).toBe(1);
      expect(m.get('eventdb_health_check_status{check="connection",status="fail"}')).toBe(0);
      expect(m.get('eventdb_health_check_status{check="storage",status="warn"}')).toBe(1);
      expect(m.get(`eventdb_database_size_bytes{engine="${fx.engine}"}`)).toBeGreaterThan(0);
      expect(m.get(`eventdb_database_latency_seconds{engine="${fx.engine}"}`)).toBeGreaterThanOrEqual(0);
      expect(m.get('eventdb_health_rounds_total')).toBe(1);
      expect(m.get('eventdb_health_requests_total')).toBeGreaterThanOrEqual(204);

      // After the TTL: exactly one more round however many probes arrive.
      await new Promise((r) => setTimeout(r, 3100));
      await Promise.all(Array.from({ length: 50 }, () => fetch(`${server.url}/health`).then((r) => r.arrayBuffer())));
      await new Promise((r) => setTimeout(r, 300));
      expect(server.rounds()).toBe(2);
      expect(rounds).toEqual([1, 2]);

      expect((await fetch(`${server.url}/nope`)).status).toBe(404);
      expect((await fetch(`${server.url}/health`, { method: 'POST' })).status).toBe(405);
      expect((await fetch(`${server.url}/admin/backups`)).status).toBe(404); // no token: no admin endpoints
    } finally {
      await server.close();
    }
  });

  it('answers 503 when a check fails, and /health/r2-sync stays 200 when only the database is down', async () => {
    await createTable();
    const config = await fx.config();
    const bad = config.database.engine === 'postgres' && config.database.driver !== 'pglite'
      ? { ...config, database: { ...config.database, postgres: { ...config.database.postgres!, database: 'eventdb_no_such_db' }, display: 'postgres://…/eventdb_no_such_db' } }
      : { ...config, database: { ...config.database, path: `${config.database.path}.missing` } };
    const server = await startHealthServer(bad, { port: 0, ttlMs: 5000, checks: ['connection', 'database', 'storage'] });
    try {
      const r = await fetch(`${server.url}/health`);
      expect(r.status).toBe(503);
      expect(((await r.json()) as any).checks[0]).toMatchObject({ name: 'connection', status: 'fail' });
      expect((await fetch(`${server.url}/health/database`)).status).toBe(503);
      expect((await fetch(`${server.url}/health/r2-sync`)).status).toBe(200);
      const m = parseMetrics(await (await fetch(`${server.url}/metrics`)).text());
      expect(m.get(`eventdb_health_exit_code{engine="${fx.engine}"}`)).toBe(3);
      expect(m.get('eventdb_health_check_status{check="connection",status="fail"}')).toBe(1);
    } finally {
      await server.close();
    }
  });

  if (fx.engine === 'sqlite') {
    it('admin endpoints exist only with a token, compare it, and gate restore behind --allow-http-restore', async () => {
      await createTable();
      const server = await startHealthServer(await fx.config(), { port: 0, checks: ['connection'], adminToken: 's3cret-token' });
      try {
        expect((await fetch(`${server.url}/admin/backups`)).status).toBe(401);
        expect((await fetch(`${server.url}/admin/backups`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
        const auth = { authorization: 'Bearer s3cret-token' };
        const restore = await fetch(`${server.url}/admin/restore`, { method: 'POST', headers: auth });
        expect(restore.status).toBe(403);
        expect(((await restore.json()) as any).error.code).toBe('RESTORE_DISABLED');
        expect((await fetch(`${server.url}/admin/backup`, { headers: auth })).status).toBe(405);
        const list = await fetch(`${server.url}/admin/backups`, { headers: auth });
        expect([200, 501]).toContain(list.status);
        expect(((await list.json()) as any).ok).toBe(list.status === 200);
      } finally {
        await server.close();
      }
    });

    it('eventdb health-check --serve shuts down cleanly on SIGTERM (exit 0)', async () => {
      await createTable();
      const child = spawn(process.execPath, [BIN, 'health-check', '--serve', '--port', '0', '--json', '--url', fx.url(), '--check', 'connection'], { env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const listening = await new Promise<any>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!));
        });
        child.on('exit', (c) => reject(new Error(`exited ${c}`)));
      });
      expect(listening).toMatchObject({ ok: true, listening: { admin: false } });
      const res = await fetch(`${listening.listening.url}/health`);
      expect(res.status).toBe(200);
      const t = Date.now();
      child.kill('SIGTERM');
      const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      expect(code).toBe(0);
      expect(Date.now() - t).toBeLessThan(3000);
    });
  }
});
