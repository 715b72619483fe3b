import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { openConnection } from '../../src/dialects/index.js';
import type { Connection } from '../../src/dialects/types.js';
import { gateAnalyse, readGateContext, type GateStep } from '../../src/risk/index.js';
import { analyseOnThread } from '../../src/risk/gate-thread.js';
import { createPgDatabase } from '../helpers/engines.js';

/*
 * #18: while `migrate up` applies a plan on a server, the risk gate's analysis runs on a worker thread
 * (dist/risk/gate-worker.js, dist/cli/gate-worker.js in the CLI bundle). It must give what the analysis
 * on the main thread gives, from the same context, and never outlive a stop.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKER = new URL('dist/risk/gate-worker.js', `file://${ROOT}`);
const KRATOS = join(ROOT, 'test/fixtures/ory-kratos/sql');

let db: Awaited<ReturnType<typeof createPgDatabase>>;
let conn: Connection;
beforeAll(async () => {
  db = await createPgDatabase('eventdb_gate_thread');
  conn = await openConnection(await resolveConfig({ flags: { url: db.url }, env: {}, cwd: ROOT }));
  // A live table with rows and a function, so that sizes, the live schema and volatility all matter.
  await sql.raw(`create table live_accounts (id uuid primary key, traits jsonb not null, created_at timestamp not null default now());
    insert into live_accounts select gen_random_uuid(), '{}', now() from generate_series(1, 2000);
    analyze live_accounts;
    create function traits_default() returns jsonb language sql volatile as $$ select '{}'::jsonb $$;`).execute(conn.db);
});
afterAll(async () => {
  await conn?.close();
  await db?.drop();
});

/** ory/kratos's PostgreSQL history as gate steps, and two statements of ours that the live table makes risky. */
function steps(): GateStep[] {
  const files = readdirSync(KRATOS).filter((f) => /\.postgres\.up\.sql$/.test(f) || (/\.up\.sql$/.test(f) && !/\.(sqlite3?|mysql|cockroach)\./.test(f))).sort();
  const out: GateStep[] = files.map((f) => ({ id: f.replace(/\.up\.sql$/, ''), file: join(KRATOS, f), engine: 'postgres', direction: 'up', statements: readFileSync(join(KRATOS, f), 'utf8').split(/;\s*\n/).map((s) => s.trim()).filter(Boolean) }));
  out.push({ id: 'z_ours', file: 'ours.sql', engine: 'postgres', direction: 'up', statements: ['alter table live_accounts add column extra jsonb default traits_default()', 'create index live_accounts_created on live_accounts (created_at)'] });
  return out;
}

describe('the risk gate on a worker thread', () => {
  it('gives the findings the main thread gives, from the same context (sizes, live schema, volatility)', async () => {
    const s = steps();
    expect(s.length).toBeGreaterThan(300);
    const opts = { conn, environment: 'development', force: false };
    const gc = await readGateContext(s, opts);
    expect(gc.ctx.functionVolatility?.get('traits_default')).toBe('v');
    const here = await gateAnalyse(s, gc, opts);
    const there = await analyseOnThread(s, gc, opts, undefined, WORKER)!;
    expect(there).toEqual(here);
    const ours = there.migrations.find((m) => m.migration === 'z_ours')!;
    expect(ours.findings.map((f) => f.rule).sort()).toEqual(expect.arrayContaining(['rewrite-volatile-default']));
    expect(there.migrations.flatMap((m) => m.findings).length).toBeGreaterThan(50);
  });

  it('from the TypeScript source there is no worker file: undefined, the caller analyses on its own thread', async () => {
    const gc = await readGateContext(steps().slice(0, 2), { environment: 'development', force: false });
    expect(analyseOnThread(steps().slice(0, 2), gc, { environment: 'development', force: false })).toBeUndefined();
  });

  it('a thread that ends without answering rejects, naming its exit code', async () => {
    const gc = await readGateContext([], { environment: 'development', force: false });
    const e = await analyseOnThread([], gc, { environment: 'development', force: false }, undefined, new URL('test/fixtures/gate-worker-exits.mjs', `file://${ROOT}`))!.catch((x: unknown) => x);
    expect((e as Error).message).toBe('the risk analysis thread exited with code 3');
  });

  it('a stop (the plan failed) ends the thread at once and rejects', async () => {
    const gc = await readGateContext([], { environment: 'development', force: false });
    const stop = new AbortController();
    const t0 = performance.now();
    const running = analyseOnThread([], gc, { environment: 'development', force: false }, stop.signal, new URL('test/fixtures/gate-worker-hangs.mjs', `file://${ROOT}`))!;
    setTimeout(() => stop.abort(), 200);
    await expect(running).rejects.toThrow('the risk analysis was stopped');
    expect(performance.now() - t0).toBeLessThan(5000);
    // Already stopped: it does not start.
    await expect(analyseOnThread([], gc, { environment: 'development', force: false }, stop.signal, WORKER)).rejects.toThrow('the risk analysis was stopped');
  });
});
