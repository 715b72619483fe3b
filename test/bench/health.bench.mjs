// health-check budgets (issue 9), each beside a baseline measured in the same run:
//   `eventdb health-check` on SQLite ≤ node + 250 ms; on local PostgreSQL ≤ node + 350 ms (medians of 20, beside `node -e 0`)
//   `--serve` with caching: ≥ 5,000 requests/s on /health from autocannon on loopback, p99 ≤ 20 ms,
//   at most one database round of checks per TTL (counted from /metrics), beside a bare node:http server.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';

const BIN = fileURLToPath(new URL('../../bin/eventdb.js', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const TTL_S = 5;
const PG = process.env.EVENTDB_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dir = mkdtempSync(join(tmpdir(), 'eventdb-bench-health-'));
mkdirSync(join(dir, 'backups'));
const sqliteFile = join(dir, 'bench.sqlite');
const seed = new Database(sqliteFile);
seed.exec('create table t (id integer primary key, v text)');
seed.close();
const env = { PATH: process.env.PATH, HOME: process.env.HOME };

function median(args) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stdout}${r.stderr}`);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const node = median(['-e', '0']);
const cli = [
  ['eventdb health-check (SQLite file, all checks)', median([BIN, 'health-check', '--url', sqliteFile]), 250],
  ['eventdb health-check (local PostgreSQL, all checks)', median([BIN, 'health-check', '--url', PG]), 350],
];
console.log(`baseline: node -e 0 = ${node.toFixed(1)} ms (median of ${RUNS})\n`);
console.log('| command | median ms | over node ms | budget (node +) | ratio to node | within budget |');
console.log('|---|---:|---:|---:|---:|---|');
let over = 0;
for (const [name, ms, budget] of cli) {
  const extra = ms - node;
  if (extra > budget) over++;
  console.log(`| ${name} | ${ms.toFixed(1)} | ${extra.toFixed(1)} | ${budget} | ${(ms / node).toFixed(2)}× | ${extra <= budget ? 'yes' : 'NO'} |`);
}

/** Starts a child process that prints one JSON line with its URL once it listens. */
function startChild(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve({ child, url: JSON.parse(line).listening.url });
    });
    child.on('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
}

const BARE = `const b = Buffer.from(JSON.stringify({ ok: true, status: 'ok', checks: [] }));
require('node:http').createServer((q, s) => { s.writeHead(200, { 'content-type': 'application/json', 'content-length': b.length }); s.end(b); })
  .listen(0, '127.0.0.1', function () { console.log(JSON.stringify({ listening: { url: 'http://127.0.0.1:' + this.address().port } })); });`;

async function load(url) {
  await autocannon({ url, connections: 10, duration: 1 }); // warm-up
  const r = await autocannon({ url, connections: 10, duration: SECONDS });
  return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

async function metric(base, name) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return Number(m?.[1]);
}

const bare = await startChild(['-e', BARE]);
const bareLoad = await load(bare.url);
bare.child.kill('SIGTERM');

const serve = [];
for (const [name, url] of [['SQLite', sqliteFile], ['PostgreSQL', PG]]) {
  const s = await startChild([BIN, 'health-check', '--serve', '--port', '0', '--ttl', `${TTL_S}s`, '--json', '--url', url]);
  await fetch(`${s.url}/health`);
  const before = await metric(s.url, 'eventdb_health_rounds_total');
  const t = Date.now();
  const res = await load(`${s.url}/health`);
  const elapsed = (Date.now() - t) / 1000;
  const rounds = (await metric(s.url, 'eventdb_health_rounds_total')) - before;
  s.child.kill('SIGTERM');
  await new Promise((r) => s.child.on('exit', r));
  // At most one round per TTL: windows of TTL seconds in the run, plus the one already due at the start.
  const allowed = Math.ceil(elapsed / TTL_S) + 1;
  serve.push({ name, ...res, rounds, elapsed, allowed });
}

console.log(`\n--serve on loopback: autocannon, 10 connections, ${SECONDS} s (after a 1 s warm-up), TTL ${TTL_S} s`);
console.log(`baseline: bare node:http server answering a constant body = ${Math.round(bareLoad.rps)} req/s, p99 ${bareLoad.p99} ms\n`);
console.log('| /health on | req/s | ratio to bare | p99 ms | errors | DB rounds in run | run s | rounds allowed (1 per TTL) | within budget (≥ 5000 req/s, p99 ≤ 20 ms, rounds ≤ allowed) |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|');
for (const s of serve) {
  const ok = s.rps >= 5000 && s.p99 <= 20 && s.rounds <= s.allowed && s.errors === 0;
  if (!ok) over++;
  console.log(`| ${s.name} | ${Math.round(s.rps)} | ${(s.rps / bareLoad.rps).toFixed(2)}× | ${s.p99} | ${s.errors} | ${s.rounds} | ${s.elapsed.toFixed(1)} | ${s.allowed} | ${ok ? 'yes' : 'NO'} |`);
}
process.exit(over ? 1 : 0);
