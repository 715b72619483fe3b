// Startup budgets (issue 3): medians of 20 runs, each beside `node -e 0` measured in the same run.
// EVENTDB_BENCH_BEFORE=<other build>/bin/eventdb.js: that build runs alternately with this one (rows "(before)").
//   --version ≤ node + 60 ms; --help ≤ node + 100 ms; info on SQLite ≤ node + 150 ms; info on local PostgreSQL ≤ node + 200 ms
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const BIN = fileURLToPath(new URL('../../bin/eventdb.js', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const PG = process.env.EVENTDB_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dir = mkdtempSync(join(tmpdir(), 'eventdb-bench-startup-'));
const sqliteFile = join(dir, 'bench.sqlite');
new Database(sqliteFile).exec('create table t (id integer primary key)');

function once(args, env = {}) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const mid = (times) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];

/**
 * Median of RUNS runs of `eventdb <args>`; with EVENTDB_BENCH_BEFORE (another build's bin/eventdb.js)
 * that build runs alternately in the same loop, its median returned as `before`. Times in ms.
 */
function median(args, env = {}) {
  const times = [];
  const before = [];
  for (let i = 0; i < RUNS; i++) {
    const pair = [() => times.push(once(args, env)), ...(BEFORE && args[0] === BIN ? [() => before.push(once([BEFORE, ...args.slice(1)], env))] : [])];
    if (i % 2) pair.reverse();
    for (const run of pair) run();
  }
  return { ms: mid(times), before: before.length ? mid(before) : undefined };
}
const BEFORE = process.env.EVENTDB_BENCH_BEFORE;

const node = median(['-e', '0']).ms;
const rows = [
  ['eventdb --version', median([BIN, '--version']), 60],
  ['eventdb --help', median([BIN, '--help']), 100],
  ['eventdb info (SQLite file)', median([BIN, 'info', '--url', sqliteFile]), 150],
  ['eventdb info (local PostgreSQL)', median([BIN, 'info', '--url', PG]), 200],
];
console.log(`baseline: node -e 0 = ${node.toFixed(1)} ms (median of ${RUNS})\n`);
console.log('| command | median ms | over node ms | budget (node +) | ratio to node | within budget |');
console.log('|---|---:|---:|---:|---:|---|');
let over = 0;
for (const [name, measured, budget] of rows) {
  const { ms } = measured;
  const extra = ms - node;
  const ok = extra <= budget;
  if (!ok) over++;
  console.log(`| ${name} | ${ms.toFixed(1)} | ${extra.toFixed(1)} | ${budget} | ${(ms / node).toFixed(2)}× | ${ok ? 'yes' : 'NO'} |`);
  if (measured.before !== undefined) console.log(`| ${name} (before) | ${measured.before.toFixed(1)} | ${(measured.before - node).toFixed(1)} | | ${(measured.before / node).toFixed(2)}× | |`);
}
process.exit(over ? 1 : 0);
