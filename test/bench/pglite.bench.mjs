#!/usr/bin/env node
// PGlite benchmark (issue 11), every figure beside a baseline measured in the same run:
//   - `eventdb info` on an existing PGlite data directory, median of 20, beside `node -e 0`
//     (budget: node + 400 ms; info reads the versions without booting the WASM engine);
//   - `eventdb migrate up` of 1000 migrations (CREATE TABLE + CREATE INDEX each) on PGlite beside the
//     same on the local PostgreSQL server (budget: ≤ 1.5× the server). The PGlite data directory is
//     created before timing (a new one takes seconds to initialise, as a server database exists first);
//     the timing includes opening it;
//   - in-memory PGlite databases opened one after another in one process (migrate diff's scratch
//     databases, validate's drift check): the first two run initdb (the second also keeps an image of
//     the fresh data directory), later ones load that image; median of the 3rd–8th beside the 2nd.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/eventdb.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const N = Number(process.env.BENCH_MIGRATIONS ?? 1000);
const PG = process.env.EVENTDB_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const work = mkdtempSync(join(tmpdir(), 'eventdb-bench-pglite-'));
const { openDatabase } = await import(join(ROOT, 'dist/index.js'));

const env = { PATH: process.env.PATH, HOME: process.env.HOME };
function time(args) {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { env, encoding: 'utf8', cwd: work });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => (ms >= 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const rows = [];
let failed = 0;
const row = (what, ms, baseline, baseName, ratio, budget, ok) => {
  if (!ok) failed++;
  rows.push([what, fmt(ms), `${fmt(baseline)} (${baseName})`, ratio, budget, ok ? 'yes' : 'NO']);
};

async function createPglite(dir) {
  const conn = await openDatabase({ flags: { url: `pglite:${dir}` }, env: {} });
  await conn.ping();
  await conn.close();
}

try {
  // info on an existing directory
  const infoDir = join(work, 'info-pg');
  await createPglite(infoDir);
  const node = median(Array.from({ length: RUNS }, () => time(['-e', '0'])));
  const info = median(Array.from({ length: RUNS }, () => time([BIN, 'info', '--url', `pglite:${infoDir}`])));
  row(`eventdb info (PGlite directory), median of ${RUNS}`, info, node, 'node -e 0', `+${Math.round(info - node)} ms`, '≤ node + 400 ms', info - node <= 400);

  // 1000 migrations: PGlite vs the local server
  const migs = join(work, 'migrations');
  mkdirSync(migs);
  for (let i = 1; i <= N; i++) {
    const id = String(i).padStart(5, '0');
    writeFileSync(join(migs, `${id}_t${i}.sql`), `-- eventdb:up\ncreate table t_${i} (id integer primary key, name text not null, created_at text);\ncreate index t_${i}_name on t_${i} (name);\n-- eventdb:down\ndrop table t_${i};\n`);
  }
  const liteDir = join(work, 'mig-pg');
  await createPglite(liteDir);
  const lite = time([BIN, 'migrate', 'up', '--url', `pglite:${liteDir}`, '--migrations', migs, '--quiet']);

  const admin = new pg.Client({ connectionString: PG });
  await admin.connect();
  const name = `eventdb_bench_pglite_${process.pid}`;
  let server;
  try {
    await admin.query(`create database "${name}"`);
    const u = new URL(PG);
    u.pathname = `/${name}`;
    server = time([BIN, 'migrate', 'up', '--url', u.toString(), '--migrations', migs, '--quiet']);
  } finally {
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
  row(`migrate up (${N}) on PGlite`, lite, server, 'local PostgreSQL server', `${(lite / server).toFixed(2)}×`, '≤ 1.5× server', lite <= 1.5 * server);

  // in-memory databases, one after another
  const boots = [];
  for (let i = 0; i < 8; i++) {
    const t = performance.now();
    const c = await openDatabase({ flags: { url: 'pglite::memory:' }, env: {} });
    await c.ping();
    boots.push(performance.now() - t);
    await c.close();
  }
  const later = median(boots.slice(2));
  row(`open an in-memory PGlite database: 1st ${fmt(boots[0])}; 3rd–8th (from the image), median`, later, boots[1], '2nd: initdb + image', `${(later / boots[1]).toFixed(2)}×`, '< 1.0×', later < boots[1]);
} finally {
  rmSync(work, { recursive: true, force: true });
}

const head = ['what', 'eventdb', 'baseline', 'ratio', 'budget', 'within'];
const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
console.log(head.map((h, i) => h.padEnd(w[i])).join('  '));
for (const r of rows) console.log(r.map((x, i) => x.padEnd(w[i])).join('  '));
process.exit(failed ? 1 : 0);
