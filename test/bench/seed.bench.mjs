#!/usr/bin/env node
// Seed benchmark (issue 10). Two parts:
//  1. The bulk loader (Connection.bulkInsert) beside each engine's own bulk path, loading the same
//     rows into the same table in the same run: SQLite `sqlite3 .import --csv`, PostgreSQL
//     `psql \copy … csv`, DuckDB `read_csv` through @duckdb/node-api. Two tables: `plain` (primary
//     key only) and `indexed` (registrations' indexes: a unique (user_id, event_id) and
//     (event_id, status)). CSV writing is not timed; the native tools' process start is.
//  2. `eventdb seed --profile load --scale N` end to end per engine beside the engine's own path loading
//     the same rows (SQLite and DuckDB: `INSERT … SELECT` from the seeded file attached; PostgreSQL:
//     `psql \copy`), in BENCH_SEED_ROUNDS interleaved rounds (seed, then its baseline): medians of
//     wall and CPU time (user + sys) and the ratio seed ÷ baseline (goal ≤ 1.0×, issue 18); then peak
//     RSS at growing scales (memory must not grow with the row count).
// Budgets: SQLite ≥ 300k rows/s and ≥ 0.7× sqlite3 .import; PostgreSQL ≥ 200k rows/s and ≥ 0.7×
// psql \copy; DuckDB ≥ 1M rows/s and ≥ 0.5× read_csv; load --scale 100 peak RSS ≤ 300 MB.
// Knobs: BENCH_SEED_ROWS (default 1000000; 0 skips part 1), BENCH_SEED_SCALE (end-to-end scale, default 3: 1.09M
// rows, the figures of issue 18), BENCH_SEED_ROUNDS (default 3), BENCH_SEED_RSS_SCALES (default
// "1,4"; add 100 for the budget run; every engine of BENCH_SEED_ENGINES, DuckDB beside its own
// INSERT … SELECT of the same rows), BENCH_SEED_ENGINES.
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { DuckDBInstance } from '@duckdb/node-api';
import { openDatabase } from '../../dist/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/eventdb.js');
const N = Number(process.env.BENCH_SEED_ROWS ?? 1_000_000);
const SCALE = Number(process.env.BENCH_SEED_SCALE ?? 3);
const ROUNDS = Math.max(1, Number(process.env.BENCH_SEED_ROUNDS ?? 3));
const RSS_SCALES = (process.env.BENCH_SEED_RSS_SCALES ?? '1,4').split(',').map(Number);
const ENGINES = (process.env.BENCH_SEED_ENGINES ?? 'sqlite,postgres,duckdb').split(',');
const PG_ADMIN = process.env.EVENTDB_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const work = mkdtempSync(join(tmpdir(), 'eventdb-bench-seed-'));
const COLS = ['id', 'user_id', 'event_id', 'status', 'created_at', 'updated_at', 'cancelled_at'];
const STATUSES = ['confirmed', 'attended', 'cancelled', 'pending'];
const BASE = Date.UTC(2025, 0, 1);

/** Registration-shaped rows; user ids walk a prime stride so (user, event) is unique and unsorted. */
function row(i) {
  const d = new Date(BASE + i * 997);
  return [i + 1, ((i * 7919) % 200_000) + 1, Math.floor(i / 100) + 1, STATUSES[i % 4], d, d, i % 10 === 0 ? d : null];
}
async function* batches() {
  for (let s = 0; s < N; s += 8192) {
    const b = [];
    for (let i = s; i < Math.min(N, s + 8192); i++) b.push(row(i));
    yield b;
  }
}
async function writeCsv(path) {
  const out = createWriteStream(path);
  for await (const b of batches()) {
    const text = b.map((r) => r.map((v) => (v === null ? '' : v instanceof Date ? v.toISOString() : String(v))).join(',')).join('\n') + '\n';
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

const DDL = {
  sqlite: 'create table t (id integer primary key, user_id bigint not null, event_id bigint not null, status text not null, created_at text not null, updated_at text not null, cancelled_at text)',
  postgres: 'create table t (id bigint primary key, user_id bigint not null, event_id bigint not null, status text not null, created_at timestamptz not null, updated_at timestamptz not null, cancelled_at timestamptz)',
  duckdb: 'create table t (id bigint primary key, user_id bigint not null, event_id bigint not null, status varchar not null, created_at timestamptz not null, updated_at timestamptz not null, cancelled_at timestamptz)',
};
const INDEXES = ['create unique index t_user_event on t (user_id, event_id)', 'create index t_event_status on t (event_id, status)'];

function run(cmd, args, input, cwd) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, cwd, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r;
}
const rate = (ms) => (N / ms) * 1000;
const k = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : `${Math.round(x / 1000)}k`);
const results = [];

async function ours(engine, url, shape, setup, opts) {
  const conn = await openDatabase({ flags: { url }, env: {} });
  try {
    await setup(conn);
    const t = performance.now();
    const n = await conn.bulkInsert('t', COLS, batches(), opts);
    const ms = performance.now() - t;
    if (n !== N) throw new Error(`${engine}: loaded ${n} of ${N}`);
    return ms;
  } finally {
    await conn.close();
  }
}
const sqlOn = (conn, text) => import('kysely').then(({ sql }) => sql.raw(text).execute(conn.db));

const csv = join(work, 'rows.csv');
if (N > 0) await writeCsv(csv);
console.log(`${N.toLocaleString('en-US')} rows (registration-shaped, 7 columns), ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(1)} at start\n`);

for (const shape of N > 0 ? ['plain', 'indexed'] : []) {
  const ddl = (e) => [DDL[e], ...(shape === 'indexed' ? INDEXES : [])];
  if (ENGINES.includes('sqlite')) {
    const a = join(work, `ours-${shape}.sqlite`);
    const b = join(work, `native-${shape}.sqlite`);
    const mine = await ours('sqlite', `sqlite:${a}`, shape, async (c) => {
      for (const s of ddl('sqlite')) await sqlOn(c, s);
    });
    run('sqlite3', [b], `${ddl('sqlite').join(';\n')};\n`);
    const t = performance.now();
    run('sqlite3', [b, '.mode csv', `.import ${csv} t`]);
    const native = performance.now() - t;
    results.push(['SQLite', shape, rate(mine), rate(native), 'sqlite3 .import', 300_000, 0.7]);
    if (shape === 'indexed') {
      // As `seed` loads a fresh table: secondary indexes dropped and built once after the rows.
      const rebuilt = await ours('sqlite', `sqlite:${join(work, 'ours-rebuilt.sqlite')}`, shape, async (c) => {
        for (const s of ddl('sqlite')) await sqlOn(c, s);
      }, { rebuildIndexes: true });
      results.push(['SQLite', 'indexed, rebuilt (seed)', rate(rebuilt), rate(native), 'sqlite3 .import', 300_000, 0.7]);
    }
  }
  if (ENGINES.includes('postgres')) {
    const admin = new pg.Client({ connectionString: PG_ADMIN });
    await admin.connect();
    const db = `eventdb_bench_seed_${process.pid}_${shape}`;
    for (const n of ['a', 'b', 'c']) await admin.query(`create database ${db}_${n}`);
    const urlOf = (n) => Object.assign(new URL(PG_ADMIN), { pathname: `/${db}_${n}` }).toString();
    try {
      const mine = await ours('postgres', urlOf('a'), shape, async (c) => {
        for (const s of ddl('postgres')) await sqlOn(c, s);
      });
      run('psql', [urlOf('b'), '-q', '-c', ddl('postgres').join('; ')]);
      const t = performance.now();
      run('psql', [urlOf('b'), '-q', '-c', `\\copy t (${COLS.join(', ')}) from '${csv}' with (format csv)`]);
      const native = performance.now() - t;
      results.push(['PostgreSQL', shape, rate(mine), rate(native), 'psql \\copy', 200_000, 0.7]);
      if (shape === 'indexed') {
        const rebuilt = await ours('postgres', urlOf('c'), shape, async (c) => {
          for (const s of ddl('postgres')) await sqlOn(c, s);
        }, { rebuildIndexes: true });
        results.push(['PostgreSQL', 'indexed, rebuilt (seed)', rate(rebuilt), rate(native), 'psql \\copy', 200_000, 0.7]);
      }
    } finally {
      for (const n of ['a', 'b', 'c']) await admin.query(`drop database if exists ${db}_${n} with (force)`);
      await admin.end();
    }
  }
  if (ENGINES.includes('duckdb')) {
    const a = join(work, `ours-${shape}.duckdb`);
    const mine = await ours('duckdb', `duckdb:${a}`, shape, async (c) => {
      for (const s of ddl('duckdb')) await sqlOn(c, s);
    });
    const inst = await DuckDBInstance.create(join(work, `native-${shape}.duckdb`));
    const c = await inst.connect();
    for (const s of ddl('duckdb')) await c.run(s);
    const t = performance.now();
    await c.run(`insert into t select * from read_csv('${csv}', header = false, nullstr = '', columns = {'id': 'BIGINT', 'user_id': 'BIGINT', 'event_id': 'BIGINT', 'status': 'VARCHAR', 'created_at': 'TIMESTAMPTZ', 'updated_at': 'TIMESTAMPTZ', 'cancelled_at': 'TIMESTAMPTZ'})`);
    const native = performance.now() - t;
    c.closeSync();
    inst.closeSync();
    results.push(['DuckDB', shape, rate(mine), rate(native), 'read_csv', 1_000_000, 0.5]);
  }
}

if (results.length) console.log('| engine | table | eventdb bulkInsert | native bulk path | ratio | budget | met |\n|---|---|---:|---:|---:|---|---|');
for (const [engine, shape, mine, native, tool, abs, ratio] of results) {
  const met = mine >= abs && mine / native >= ratio;
  console.log(`| ${engine} | ${shape} | ${k(mine)} rows/s | ${k(native)} rows/s (${tool}) | ${(mine / native).toFixed(2)}× | ≥ ${k(abs)} rows/s, ≥ ${ratio}× | ${met ? 'yes' : 'NO'} |`);
}

// ---- part 2: the whole seed, end to end ----------------------------------------------------------
let e2e = 0;
function seedRun(engine, scale, keep = false) {
  e2e++;
  const url =
    engine === 'postgres'
      ? Object.assign(new URL(PG_ADMIN), { pathname: `/eventdb_bench_seed_${process.pid}_e2e` }).toString()
      : `${engine}:${join(work, `e2e-${e2e}.${engine}`)}`;
  if (engine === 'postgres') {
    run('psql', [PG_ADMIN, '-q', '-c', `drop database if exists eventdb_bench_seed_${process.pid}_e2e with (force)`]);
    run('psql', [PG_ADMIN, '-q', '-c', `create database eventdb_bench_seed_${process.pid}_e2e`]);
  }
  run(process.execPath, [BIN, '--url', url, 'migrate', 'up', '--quiet']);
  const t0 = performance.now();
  const r = run('/usr/bin/time', ['-f', '%M %U %S', process.execPath, BIN, '--url', url, 'seed', '--profile', 'load', '--scale', String(scale), '--json']);
  const wallMs = performance.now() - t0;
  const res = JSON.parse(r.stdout).seed;
  const [rssKb, user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  if (!keep) dropSeeded(url);
  return { res, rssMb: rssKb / 1024, url, wallMs, cpuMs: (user + sys) * 1000 };
}

function dropSeeded(url) {
  if (url.startsWith('postgres')) run('psql', [PG_ADMIN, '-q', '-c', `drop database if exists "${new URL(url).pathname.slice(1)}" with (force)`]);
  else for (const suffix of ['', '-wal', '-shm', '.wal']) rmSync(url.slice(url.indexOf(':') + 1) + suffix, { force: true });
}

/** The seeded tables in load order (the tiers come from the migration on both sides). */
const SEEDED = ['event_categories', 'users', 'venues', 'events', 'registrations', 'waitlist', 'attendance', 'feedback', 'loyalty_ledger', 'visitor_sessions', 'page_views'];

/**
 * The same rows through the engine's own bulk path into a freshly migrated database, timed as one
 * process: SQLite `INSERT … SELECT` from the seeded file attached (no parsing at all), PostgreSQL
 * `psql \copy` of each table exported as CSV (the export is not timed), DuckDB `INSERT … SELECT`.
 * As the seed does, the target's triggers are off for the load (SQLite: dropped; PostgreSQL:
 * DISABLE TRIGGER USER); indexes and keys are maintained as rows go in, as those tools do.
 */
function nativeSameRows(engine, url) {
  if (engine === 'duckdb') return duckdbNativeCopy(url.slice('duckdb:'.length));
  if (engine === 'sqlite') {
    const from = url.slice('sqlite:'.length);
    const to = `${from}.native.sqlite`;
    run(process.execPath, [BIN, '--url', `sqlite:${to}`, 'migrate', 'up', '--quiet']);
    const triggers = run('sqlite3', [to, "select name from sqlite_schema where type = 'trigger'"]).stdout.trim().split('\n').filter(Boolean);
    const script = [`attach '${from}' as src;`, 'pragma foreign_keys = on;', 'begin;', ...triggers.map((t) => `drop trigger "${t}";`), ...SEEDED.map((t) => `insert into main.${t} select * from src.${t};`), 'commit;'].join('\n');
    const t = performance.now();
    const r = run('/usr/bin/time', ['-f', '%U %S', 'sqlite3', to], script);
    const ms = performance.now() - t;
    const [user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
    dropSeeded(`sqlite:${to}`);
    return { ms, cpuMs: (user + sys) * 1000 };
  }
  const db = `eventdb_bench_seed_${process.pid}_native`;
  const target = Object.assign(new URL(PG_ADMIN), { pathname: `/${db}` }).toString();
  run('psql', [PG_ADMIN, '-q', '-c', `drop database if exists ${db} with (force)`, '-c', `create database ${db}`]);
  run(process.execPath, [BIN, '--url', target, 'migrate', 'up', '--quiet']);
  const files = SEEDED.map((t) => [t, join(work, `same-rows-${t}.csv`)]);
  for (const [t, f] of files) run('psql', [url, '-q', '-c', `\\copy ${t} to '${f}' with (format csv)`]);
  const script = ['begin;', ...SEEDED.map((t) => `alter table ${t} disable trigger user;`), ...files.map(([t, f]) => `\\copy ${t} from '${f}' with (format csv)`), ...SEEDED.map((t) => `alter table ${t} enable trigger user;`), 'commit;'].join('\n');
  const t = performance.now();
  const r = run('/usr/bin/time', ['-f', '%U %S', 'psql', target, '-q', '-v', 'ON_ERROR_STOP=1'], script);
  const ms = performance.now() - t;
  const [user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  for (const [, f] of files) rmSync(f, { force: true });
  dropSeeded(target);
  return { ms, cpuMs: (user + sys) * 1000 }; // psql's CPU only: the server's work is not counted
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sec = (ms) => `${(ms / 1000).toFixed(2)} s`;
if (SCALE > 0) {
  console.log(`\n\`eventdb seed --profile load --scale ${SCALE}\` end to end (generation + load + index builds) beside the engine's own path loading the same rows; ${ROUNDS} interleaved rounds, medians (wall of the whole seed process beside the whole process of the own path; CPU = user + sys):\n`);
  console.log("| engine | rows | seed wall | seed CPU | peak RSS | engine's own path, same rows: wall | its CPU | its peak RSS | ratio wall (seed ÷ own) | ratio CPU | load avg |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
}
for (const engine of SCALE > 0 ? ENGINES : []) {
  const seeds = [];
  const natives = [];
  const loads = [];
  let rows = 0;
  let rss = 0;
  for (let i = 0; i < ROUNDS; i++) {
    loads.push(loadavg()[0]);
    const s = seedRun(engine, SCALE, true);
    seeds.push(s);
    rows = s.res.totalRows;
    rss = Math.max(rss, s.rssMb);
    const ns = nativeSameRows(engine, s.url);
    natives.push(ns);
    dropSeeded(s.url);
    console.error(`  ${engine} round ${i + 1}: seed ${sec(s.wallMs)} (CPU ${sec(s.cpuMs)}, ${s.rssMb.toFixed(0)} MB), own path ${sec(ns.processMs ?? ns.ms)} (CPU ${sec(ns.cpuMs)}${ns.rssMb ? `, ${ns.rssMb.toFixed(0)} MB` : ''}${ns.processMs ? `; its statements alone ${sec(ns.ms)}` : ''}), load ${loads.at(-1).toFixed(1)}`);
  }
  const sw = median(seeds.map((x) => x.wallMs));
  const sc = median(seeds.map((x) => x.cpuMs));
  // Whole process beside whole process: sqlite3 and psql are timed as processes; DuckDB's own path's
  // process (start, open, the INSERT … SELECT statements, close with its checkpoint) as the seed's wall is.
  const wallOf = (x) => x.processMs ?? x.ms;
  const nw = median(natives.map(wallOf));
  const nc = median(natives.map((x) => x.cpuMs));
  const tool = { sqlite: 'INSERT … SELECT (sqlite3)', postgres: 'psql \\copy', duckdb: 'INSERT … SELECT' }[engine];
  const ratios = seeds.map((x, i) => (x.wallMs / wallOf(natives[i])).toFixed(2));
  const cpuRatio = engine === 'postgres' ? '–' : `${(sc / nc).toFixed(2)}×`;
  const nativeRss = natives.some((x) => x.rssMb) ? `${Math.max(...natives.map((x) => x.rssMb ?? 0)).toFixed(0)} MB` : '–';
  console.log(`| ${engine} | ${rows.toLocaleString('en-US')} | ${sec(sw)} | ${sec(sc)} | ${rss.toFixed(0)} MB | ${sec(nw)} (${tool}) | ${sec(nc)}${engine === 'postgres' ? ' (psql only)' : ''} | ${nativeRss} | ${(sw / nw).toFixed(2)}× (rounds: ${ratios.join(', ')}) | ${cpuRatio} | ${median(loads).toFixed(1)} |`);
}

const scales = RSS_SCALES.filter((x) => x > 0);
/**
 * DuckDB's own bulk path for the same rows: a fresh migrated file, filled table by table with
 * `INSERT … SELECT` from the seeded file (attached read-only), in a child process whose peak RSS is
 * measured. DuckDB's ART indexes (primary keys, unique and foreign keys) must be in memory while rows
 * go in, so this is the floor any DuckDB client can reach with the platform's schema.
 */
function duckdbNativeCopy(from) {
  const to = `${from}.native.duckdb`;
  run(process.execPath, [BIN, '--url', `duckdb:${to}`, 'migrate', 'up', '--quiet']);
  const script = `
    import { DuckDBInstance } from '@duckdb/node-api';
    const inst = await DuckDBInstance.create(${JSON.stringify(to)});
    const c = await inst.connect();
    await c.run("attach '${from.replace(/'/g, "''")}' as src (read_only)");
    const t = performance.now();
    const cpu0 = process.cpuUsage();
    let rows = 0;
    for (const table of ${JSON.stringify(['event_categories', 'users', 'venues', 'events', 'registrations', 'waitlist', 'attendance', 'feedback', 'loyalty_ledger', 'visitor_sessions', 'page_views'])}) {
      const r = await c.run('insert into main.' + table + ' select * from src.' + table);
      rows += Number(r.rowsChanged);
    }
    const ms = performance.now() - t;
    const cpu = process.cpuUsage(cpu0);
    c.closeSync();
    inst.closeSync();
    console.log(JSON.stringify({ rows, ms, cpuMs: (cpu.user + cpu.system) / 1000, rssMb: process.resourceUsage().maxRSS / 1024 }));`;
  const t = performance.now();
  const r = run(process.execPath, ['--input-type=module', '-e', script], undefined, ROOT);
  const processMs = performance.now() - t;
  rmSync(to, { force: true });
  rmSync(`${to}.wal`, { force: true });
  // ms: the INSERT … SELECT statements alone; processMs: the whole process (start, open, close and its checkpoint), as the seed's wall is
  return { ...JSON.parse(r.stdout.trim().split('\n').pop()), processMs };
}

if (scales.length) {
  console.log('\nPeak RSS by scale (memory must not grow with the row count; budget ≤ 300 MB at scale 100):\n');
  console.log('| engine | scale | registrations | rows | time | peak RSS | within 300 MB | engine\'s own path, same rows |\n|---|---:|---:|---:|---:|---:|---|---|');
}
for (const engine of scales.length ? ENGINES : []) {
  for (const scale of scales) {
    const { res, rssMb, url } = seedRun(engine, scale, engine === 'duckdb');
    const regs = res.tables.find((t) => t.table === 'registrations')?.rows ?? 0;
    let native = '';
    if (engine === 'duckdb') {
      const file = url.slice('duckdb:'.length);
      const n = duckdbNativeCopy(file);
      native = `DuckDB INSERT … SELECT: ${Math.round(n.rssMb)} MB, ${(n.ms / 1000).toFixed(1)} s`;
      rmSync(file, { force: true });
    }
    console.log(`| ${engine} | ${scale} | ${regs.toLocaleString('en-US')} | ${res.totalRows.toLocaleString('en-US')} | ${(res.ms / 1000).toFixed(1)} s | ${rssMb.toFixed(0)} MB | ${rssMb <= 300 ? 'yes' : 'NO'} | ${native} |`);
  }
}
console.log(`\nload average ${loadavg()[0].toFixed(1)} at the end (the figures are only comparable within one run)`);
rmSync(work, { recursive: true, force: true });
