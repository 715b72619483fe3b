#!/usr/bin/env node
// Backup and restore benchmark: eventdb beside the tools people use today, measured in the same run.
//   EVENTDB_BENCH_MB   database size in MB (default 200; the issue's budget is stated at ~1 GB)
//   EVENTDB_BENCH_PG   admin URL of the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres)
//   EVENTDB_BENCH_ONLY sqlite | postgres | compression | rows | fixed | pgbench (default: all)
//   pgbench: only the pgbench backup and restore --to rows of `rows`
//   fixed: only the 1,000-row PostgreSQL backup (the fixed cost), with the floor (`node -e 0`,
//          `eventdb --version`, the CLI's start: `--version --no-color`) in the same interleaved rounds; with EVENTDB_BENCH_BEFORE the
//          previous build is one more contestant in them
//   rows: the backup rows of issue #18, side by side in interleaved rounds (medians):
//   EVENTDB_BENCH_ROUNDS        rounds per figure (default 3)
//   EVENTDB_BENCH_SQLITE_ROWS   rows of random hex text in the SQLite file (default 2,200,000 ≈ 300 MB)
//   EVENTDB_BENCH_PGBENCH_SCALE pgbench scale of the PostgreSQL database (default 20 ≈ 300 MB)
//   EVENTDB_BENCH_BEFORE path to another build's bin/eventdb.js (e.g. of the previous commit): each
//                      eventdb figure is then also measured with it, right after, in the same run
//                      (rows marked "before"), so a change is compared under the same load.
// Each figure is printed with its baseline and the ratio; peak RSS of the eventdb process beside it.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = process.env.EVENTDB_BENCH_BIN ?? join(ROOT, 'bin/eventdb.js'); // another build to measure, e.g. a copy
const BEFORE = process.env.EVENTDB_BENCH_BEFORE;
// Node 24 (what users run; .ci/node24 puts it in .ci-node24/): the fixed cost is measured on it too.
const NODE24 = [process.env.EVENTDB_NODE24, join(ROOT, '.ci-node24/bin/node')].find((p) => p && existsSync(p) && !process.versions.node.startsWith('24.'));
const MB = Number(process.env.EVENTDB_BENCH_MB ?? 200);
const PG = process.env.EVENTDB_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ONLY = process.env.EVENTDB_BENCH_ONLY;
const dir = mkdtempSync(join(tmpdir(), 'eventdb-bench-backup-'));
const rssHook = join(dir, 'rss.mjs');
writeFileSync(rssHook, "import { writeSync } from 'node:fs'; process.on('exit', () => writeSync(2, `\\nEVENTDB_MAXRSS_KB ${process.resourceUsage().maxRSS}\\n`));\n");

const rows = [];
function report(name, seconds, baseName, baseSeconds, rssKb, budget) {
  const ratio = baseSeconds ? seconds / baseSeconds : undefined;
  rows.push({ name, seconds, baseName, baseSeconds, ratio, rssKb, budget });
  const r = ratio === undefined ? '' : `  ${ratio.toFixed(2)}× ${baseName} (${baseSeconds.toFixed(2)} s)${budget ? `  budget ≤ ${budget}× ${ratio <= budget ? 'ok' : 'OVER'}` : ''}`;
  console.log(`${name.padEnd(44)} ${seconds.toFixed(2).padStart(7)} s${r}${rssKb ? `  peak RSS ${(rssKb / 1024).toFixed(0)} MB${rssKb / 1024 <= 250 ? '' : ' OVER 250'}` : ''}`);
}

function sh(cmd, args, opts = {}) {
  const t = performance.now();
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'], ...opts });
  return (performance.now() - t) / 1000;
}

/** Runs the eventdb CLI; returns seconds and peak RSS (KB). Throws on a non-zero exit. */
function eventdb(args, env = {}, bin = BIN, node = process.execPath) {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(node, ['--import', rssHook, bin, ...args], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      const seconds = (performance.now() - t) / 1000;
      const rss = Number(/EVENTDB_MAXRSS_KB (\d+)/.exec(err)?.[1] ?? 0);
      if (code !== 0) reject(new Error(`eventdb ${args.join(' ')} exited ${code}:\n${err}${out}`));
      else resolve({ seconds, rss, out });
    });
  });
}

/** Measures the figure with the previous build too (EVENTDB_BENCH_BEFORE), after the current one. */
async function before(name, args, env, base, baseName, budget, prepare) {
  if (!BEFORE) return;
  await prepare?.();
  const r = await eventdb(args, env, BEFORE);
  report(`${name} (before)`, r.seconds, baseName, base, r.rss, budget);
}

function size(p) {
  return statSync(p).size;
}

// Rows of an event platform: a mix of ids, timestamps, short text and a JSON payload (compresses ~3:1).
const ROW_SQL = (n) => `
  with recursive s(i) as (select 1 union all select i + 1 from s where i < ${n})
  insert into registrations(id, event_id, user_email, status, created_at, payload)
  select i, i % 5000, 'user' || (i * 7919 % 1000003) || '@example.com', case i % 4 when 0 then 'confirmed' when 1 then 'waitlist' when 2 then 'cancelled' else 'attended' end,
         datetime(1700000000 + i * 37, 'unixepoch'), '{"seat":"' || hex(randomblob(6)) || '","notes":"' || hex(randomblob(40)) || '","source":"web","tags":["early","vip"]}'
  from s;`;

async function sqliteBench() {
  const db = join(dir, 'bench.sqlite');
  const n = Math.round((MB * 1024 * 1024) / 230);
  console.log(`\n### SQLite, ${MB} MB target (${n} rows)`);
  execFileSync('sqlite3', [db, 'pragma journal_mode=wal; create table registrations (id integer primary key, event_id integer not null, user_email text not null, status text not null, created_at text not null, payload text); create index reg_event on registrations(event_id);' + ROW_SQL(n)]);
  console.log(`database file: ${(size(db) / 1e6).toFixed(0)} MB`);
  const base = sh('sh', ['-c', `sqlite3 '${db}' ".backup '${dir}/copy.sqlite'" && gzip -1 -c '${dir}/copy.sqlite' > '${dir}/copy.sqlite.gz'`]);
  console.log(`baseline sqlite3 .backup + gzip -1: ${base.toFixed(2)} s, ${(size(`${dir}/copy.sqlite.gz`) / 1e6).toFixed(0)} MB`);
  const file = await eventdb(['backup', '--url', `sqlite:${db}`, '--store', `file:${dir}/store`]);
  report('sqlite backup → file store', file.seconds, 'sqlite3 .backup + gzip -1', base, file.rss, 1.0);
  await before('sqlite backup → file store', ['backup', '--url', `sqlite:${db}`, '--store', `file:${dir}/store-before`], {}, base, 'sqlite3 .backup + gzip -1', 1.0);

  const { default: S3rver } = await import('s3rver');
  const s3dir = join(dir, 's3');
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3dir, configureBuckets: [{ name: 'bench' }] });
  const { port } = await server.run();
  const env = { S3_ENDPOINT: `http://127.0.0.1:${port}`, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };
  try {
    const s3 = await eventdb(['backup', '--url', `sqlite:${db}`, '--store', 's3://bench/eventdb'], env);
    report('sqlite backup → s3rver', s3.seconds, 'sqlite3 .backup + gzip -1', base, s3.rss, 1.3);
    await before('sqlite backup → s3rver', ['backup', '--url', `sqlite:${db}`, '--store', 's3://bench/eventdb-before'], env, base, 'sqlite3 .backup + gzip -1', 1.3);
    const restore = await eventdb(['restore', '--latest', '--url', `sqlite:${db}`, '--to', `sqlite:${dir}/restored.sqlite`, '--store', 's3://bench/eventdb'], env);
    const cp = sh('sh', ['-c', `gunzip -c '${dir}/copy.sqlite.gz' > '${dir}/plain.sqlite'`]);
    report('sqlite restore ← s3rver (verify + integrity_check)', restore.seconds, 'gunzip of the baseline copy', cp, restore.rss);
  } finally {
    await server.close();
    rmSync(s3dir, { recursive: true, force: true });
  }
}

function pgUrl(db) {
  const u = new URL(PG);
  u.pathname = `/${db}`;
  return u.toString();
}

function psql(db, sql) {
  execFileSync('psql', [pgUrl(db), '-v', 'ON_ERROR_STOP=1', '-qc', sql], { stdio: ['ignore', 'ignore', 'inherit'] });
}

async function postgresBench() {
  const name = `eventdb_bench_${process.pid}`;
  const n = Math.round((MB * 1024 * 1024) / 260);
  console.log(`\n### PostgreSQL, ${MB} MB target (${n} rows)`);
  const dbs = [name, `${name}_pgr`, `${name}_r1`, `${name}_r2`, `${name}_r1b`, `${name}_r2b`];
  try {
    psql('postgres', `create database ${name}`);
    psql(name, `create table registrations (id bigint primary key, event_id int not null, user_email text not null, status text not null, created_at timestamptz not null, payload jsonb);
      insert into registrations select i, i % 5000, 'user' || (i::bigint * 7919 % 1000003) || '@example.com', (array['confirmed','waitlist','cancelled','attended'])[1 + i % 4],
        to_timestamp(1700000000 + i::bigint * 37), jsonb_build_object('seat', md5(i::text), 'notes', md5((i * 3)::text) || md5((i * 5)::text), 'source', 'web', 'tags', jsonb_build_array('early', 'vip'))
      from generate_series(1, ${n}) i;
      create index reg_event on registrations(event_id);`);
    psql(name, 'vacuum analyze registrations');
    const sizeMb = execFileSync('psql', [pgUrl(name), '-Atc', `select pg_database_size('${name}') / 1000000`]).toString().trim();
    console.log(`database size: ${sizeMb} MB`);
    const dump = join(dir, 'bench.pgdump');
    const base = sh('pg_dump', ['-Fc', '-f', dump, pgUrl(name)]);
    console.log(`baseline pg_dump -Fc: ${base.toFixed(2)} s, ${(size(dump) / 1e6).toFixed(0)} MB`);
    const b = await eventdb(['backup', '--url', pgUrl(name), '--store', `file:${dir}/pgstore`]);
    report('postgres backup (pg_dump -Fc -Z0 + gzip -1)', b.seconds, 'pg_dump -Fc', base, b.rss, 1.1);
    await before('postgres backup (pg_dump -Fc -Z0 + gzip -1)', ['backup', '--url', pgUrl(name), '--store', `file:${dir}/pgstore-before`], {}, base, 'pg_dump -Fc', 1.1);
    const own = await eventdb(['backup', '--url', pgUrl(name), '--store', `file:${dir}/pgstore-own`], { EVENTDB_PG_DUMP: 'never' });
    report('postgres backup, own dump (no pg_dump)', own.seconds, 'pg_dump -Fc', base, own.rss, 1.5);

    psql('postgres', `create database ${name}_pgr`);
    const baseR = sh('pg_restore', ['--no-owner', '--no-acl', '--exit-on-error', '--single-transaction', '-d', pgUrl(`${name}_pgr`), dump]);
    console.log(`baseline pg_restore: ${baseR.toFixed(2)} s`);
    const r1 = await eventdb(['restore', '--latest', '--url', pgUrl(name), '--to', pgUrl(`${name}_r1`), '--store', `file:${dir}/pgstore`]);
    report('postgres restore (verify + pg_restore + swap)', r1.seconds, 'pg_restore', baseR, r1.rss, 1.1);
    await before('postgres restore (verify + pg_restore + swap)', ['restore', '--latest', '--url', pgUrl(name), '--to', pgUrl(`${name}_r1b`), '--store', `file:${dir}/pgstore`], {}, baseR, 'pg_restore', 1.1);
    const r2 = await eventdb(['restore', '--latest', '--url', pgUrl(name), '--to', pgUrl(`${name}_r2`), '--store', `file:${dir}/pgstore-own`]);
    report('postgres restore, own dump', r2.seconds, 'pg_restore', baseR, r2.rss, 1.5);
    await before('postgres restore, own dump', ['restore', '--latest', '--url', pgUrl(name), '--to', pgUrl(`${name}_r2b`), '--store', `file:${dir}/pgstore-own`], {}, baseR, 'pg_restore', 1.5);
  } finally {
    for (const d of dbs) {
      try {
        psql('postgres', `drop database if exists ${d} with (force)`);
      } catch {
        /* best effort */
      }
    }
  }
}

function compressionBench() {
  // What the codec choice rests on: single-core throughput of gzip -1 and zstd -1 on a raw copy.
  const f = join(dir, 'copy.sqlite');
  try {
    statSync(f);
  } catch {
    return;
  }
  console.log('\n### Compression of the SQLite copy (one core)');
  const g = sh('sh', ['-c', `gzip -1 -c '${f}' > '${dir}/c.gz'`]);
  const z = sh('sh', ['-c', `zstd -1 -q -c '${f}' > '${dir}/c.zst'`]);
  const mbs = size(f) / 1e6;
  console.log(`gzip -1: ${(mbs / g).toFixed(0)} MB/s, ratio ${(size(f) / size(`${dir}/c.gz`)).toFixed(2)};  zstd -1: ${(mbs / z).toFixed(0)} MB/s, ratio ${(size(f) / size(`${dir}/c.zst`)).toFixed(2)}`);
}

// ---- issue #18's backup rows: eventdb and the tool users compare it with, interleaved, medians ----
const ROUNDS = Number(process.env.EVENTDB_BENCH_ROUNDS ?? 3);
const SQLITE_ROWS = Number(process.env.EVENTDB_BENCH_SQLITE_ROWS ?? 2_200_000);
const PGBENCH_SCALE = Number(process.env.EVENTDB_BENCH_PGBENCH_SCALE ?? 20);
const PGBENCH = ['pgbench', '/usr/lib/postgresql/17/bin/pgbench', '/usr/lib/postgresql/16/bin/pgbench', '/usr/lib/postgresql/15/bin/pgbench'].find((p) => {
  try {
    execFileSync(p, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

/** The program Debian's pg_wrapper runs for pg_dump with PGHOST set (the newest versioned one), when pg_dump on PATH is that wrapper. */
const PG_DUMP_BINARY = (() => {
  try {
    const onPath = execFileSync('sh', ['-c', 'command -v pg_dump'], { encoding: 'utf8' }).trim();
    if (realpathSync(onPath) !== '/usr/share/postgresql-common/pg_wrapper') return undefined;
    const v = readdirSync('/usr/lib/postgresql').filter((d) => /^\d+\.?\d+$/.test(d) && existsSync(`/usr/lib/postgresql/${d}/bin/pg_dump`)).sort((a, b) => Number(b) - Number(a))[0];
    return v ? `/usr/lib/postgresql/${v}/bin/pg_dump` : undefined;
  } catch {
    return undefined;
  }
})();
/** A PostgreSQL client program as the baselines run it: the binary itself when Debian's pg_wrapper (a Perl script, 70–90 ms a call) stands in front of it, as eventdb runs them. */
const pgTool = (name) => (PG_DUMP_BINARY ? join(dirname(PG_DUMP_BINARY), name) : name);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const load = () => loadavg()[0].toFixed(1);

/**
 * Runs eventdb's command and the baseline alternately (the order swapped every round, `prepare` before
 * each run, untimed) and reports the medians, every sample and the 1-minute load average.
 */
async function sideBySide(name, baseName, ours, base, prepare, previous) {
  const a = [];
  const b = [];
  const c = [];
  const loads = [load()];
  for (let i = 0; i < ROUNDS; i++) {
    const order = i % 2 === 0 ? ['base', 'ours'] : ['ours', 'base'];
    if (previous) order.splice(i % 3, 0, 'previous'); // the previous build (EVENTDB_BENCH_BEFORE) in turn first, middle, last
    for (const which of order) {
      await prepare?.(which, i);
      const t = performance.now();
      if (which === 'ours') await ours(i);
      else if (which === 'previous') await previous(i);
      else await base(i);
      (which === 'ours' ? a : which === 'previous' ? c : b).push((performance.now() - t) / 1000);
    }
    loads.push(load());
  }
  report(name, median(a), baseName, median(b));
  if (previous) report(`${name} (before)`, median(c), baseName, median(b));
  console.log(`    samples: eventdb ${a.map((x) => x.toFixed(2)).join(' ')} | ${baseName} ${b.map((x) => x.toFixed(2)).join(' ')}${previous ? ` | before ${c.map((x) => x.toFixed(2)).join(' ')}` : ''} | load ${loads.join(' ')}`);
}

/** Runs `node args…` to completion; returns seconds. */
function nodeRun(args, node = process.execPath) {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(node, args, { cwd: dir, stdio: 'ignore' });
    child.on('close', (code) => (code === 0 ? resolve((performance.now() - t) / 1000) : reject(new Error(`node ${args.join(' ')} exited ${code}`))));
  });
}

/**
 * The 1,000-row PostgreSQL backup (#18's fixed cost): eventdb beside pg_dump -Fc, with the floor any
 * Node CLI pays measured in the same interleaved rounds — `node -e 0` (the runtime's start),
 * `eventdb --version` (which skips the CLI) and `--version --no-color` (the CLI's own start) — and the
 * previous build with EVENTDB_BENCH_BEFORE. "above the floor" is eventdb's median minus the CLI
 * start's: the backup's own cost, to set beside pg_dump's.
 */
async function fixedCostBench(small) {
  psql('postgres', `create database ${small}`);
  psql(small, 'create table events (id int primary key, name text not null, starts_at timestamptz not null); insert into events select i, md5(i::text), now() + i * interval \'1 hour\' from generate_series(1, 1000) i;');
  const args = (i, who) => ['backup', '--url', pgUrl(small), '--store', `file:${dir}/smallstore-${who}${i}`];
  const runs = {
    'pg_dump -Fc': async () => sh('pg_dump', ['-Fc', '-f', join(dir, 'small.pgdump'), pgUrl(small)]),
    // pg_dump's own run, without Debian's pg_wrapper (what eventdb runs since #18 when /usr/bin/pg_dump is it)
    ...(PG_DUMP_BINARY ? { 'pg_dump -Fc (its binary)': async () => sh(PG_DUMP_BINARY, ['-Fc', '-f', join(dir, 'small2.pgdump'), pgUrl(small)]) } : {}),
    eventdb: async (i) => (await eventdb(args(i, 'e'))).seconds,
    ...(BEFORE ? { before: async (i) => (await eventdb(args(i, 'b'), {}, BEFORE)).seconds } : {}),
    'node -e 0': () => nodeRun(['-e', '0']),
    // `--version` alone skips the CLI (bin/eventdb.js); with another flag the CLI starts and prints it.
    'eventdb --version': () => nodeRun([BIN, '--version']),
    'CLI start (--version --no-color)': () => nodeRun([BIN, '--version', '--no-color']),
    ...(NODE24
      ? {
          'eventdb (Node 24)': async (i) => (await eventdb(args(i, 'n'), {}, BIN, NODE24)).seconds,
          'node -e 0 (Node 24)': () => nodeRun(['-e', '0'], NODE24),
        }
      : {}),
  };
  const names = Object.keys(runs);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  const loads = [load()];
  for (let i = 0; i < ROUNDS; i++) {
    // Every contestant once per round, the order rotated each round.
    for (let k = 0; k < names.length; k++) {
      const n = names[(k + i) % names.length];
      samples[n].push(await runs[n](i));
    }
    loads.push(load());
  }
  const m = Object.fromEntries(names.map((n) => [n, median(samples[n])]));
  report('postgres backup of 1,000 rows (fixed cost)', m.eventdb, 'pg_dump -Fc', m['pg_dump -Fc']);
  if (BEFORE) report('postgres backup of 1,000 rows (fixed cost) (before)', m.before, 'pg_dump -Fc', m['pg_dump -Fc']);
  const floor = m['CLI start (--version --no-color)'];
  console.log(`    floor in the same rounds: node -e 0 ${m['node -e 0'].toFixed(3)} s, eventdb --version ${m['eventdb --version'].toFixed(3)} s, CLI start (--version --no-color) ${floor.toFixed(3)} s`);
  if (NODE24) {
    report('postgres backup of 1,000 rows (fixed cost) on Node 24', m['eventdb (Node 24)'], 'pg_dump -Fc', m['pg_dump -Fc']);
    console.log(`    Node 24 (${NODE24}): node -e 0 ${m['node -e 0 (Node 24)'].toFixed(3)} s; eventdb above it ${(m['eventdb (Node 24)'] - m['node -e 0 (Node 24)']).toFixed(3)} s`);
  }
  if (PG_DUMP_BINARY) console.log(`    pg_dump's own run (${PG_DUMP_BINARY}, no pg_wrapper): ${m['pg_dump -Fc (its binary)'].toFixed(3)} s`);
  console.log(`    above the floor: eventdb ${(m.eventdb - floor).toFixed(3)} s${BEFORE ? `, before ${(m.before - floor).toFixed(3)} s` : ''}  vs pg_dump -Fc ${m['pg_dump -Fc'].toFixed(3)} s (${((m.eventdb - floor) / m['pg_dump -Fc']).toFixed(2)}×)`);
  console.log(`    samples: ${names.map((n) => `${n} ${samples[n].map((x) => x.toFixed(2)).join(' ')}`).join(' | ')} | load ${loads.join(' ')}`);
}

async function rowsBench() {
  const zstd = process.versions.node.split('.').map(Number);
  const codecs = ['gzip', ...((zstd[0] > 22 || (zstd[0] === 22 && zstd[1] >= 15)) ? ['zstd'] : [])];
  // SQLite: one table of random hex text.
  const db = join(dir, 'hex.sqlite');
  console.log(`\n### issue #18 rows (${ROUNDS} interleaved rounds, medians; Node ${process.versions.node}; load = 1-minute load average of this machine)`);
  if (ONLY !== 'pgbench') execFileSync('sqlite3', [db, `create table t (id integer primary key, v text not null); with recursive s(i) as (select 1 union all select i + 1 from s where i < ${SQLITE_ROWS}) insert into t select i, hex(randomblob(64)) from s;`]);
  if (ONLY !== 'pgbench') console.log(`SQLite file: ${(size(db) / 1e6).toFixed(0)} MB, ${SQLITE_ROWS} rows of random hex text`);
  const copy = join(dir, 'hex-copy.sqlite');
  for (const codec of ONLY === 'pgbench' ? [] : codecs) {
    const tool = codec === 'gzip' ? 'gzip -1' : 'zstd -1';
    await sideBySide(
      `sqlite backup → folder (${codec})`,
      `sqlite3 .backup + ${tool}`,
      (i) => eventdb(['backup', '--url', `sqlite:${db}`, '--store', `file:${dir}/hexstore-${codec}-${i}`, '--compress', codec]),
      () => sh('sh', ['-c', `sqlite3 '${db}' ".backup '${copy}'" && ${tool} -c '${copy}' > '${copy}.${codec}' && rm '${copy}'`]),
    );
    for (let i = 0; i < ROUNDS; i++) rmSync(`${dir}/hexstore-${codec}-${i}`, { recursive: true, force: true });
  }
  rmSync(db, { force: true });

  // PostgreSQL: the fixed cost (1,000 rows) and pgbench.
  const small = `eventdb_bench_small_${process.pid}`;
  const bench = `eventdb_bench_pgbench_${process.pid}`;
  const restored = (i, who) => `${bench}_r${who}${i}`;
  const dbs = [small, bench, ...Array.from({ length: ROUNDS }, (_, i) => [restored(i, 'e'), restored(i, 'b'), restored(i, 'p')]).flat()];
  try {
    if (ONLY !== 'pgbench') await fixedCostBench(small);
    if (!PGBENCH) {
      console.log('pgbench not found: the pgbench rows are left out');
      return;
    }
    psql('postgres', `create database ${bench}`);
    execFileSync(PGBENCH, ['-i', '-q', '-s', String(PGBENCH_SCALE), pgUrl(bench)], { stdio: 'ignore' });
    const sizeMb = execFileSync('psql', [pgUrl(bench), '-Atc', `select pg_database_size('${bench}') / 1000000`]).toString().trim();
    console.log(`pgbench scale ${PGBENCH_SCALE}: ${sizeMb} MB`);
    const dump = join(dir, 'pgbench.pgdump');
    await sideBySide(
      `postgres backup of pgbench scale ${PGBENCH_SCALE}`,
      'pg_dump -Fc',
      (i) => eventdb(['backup', '--url', pgUrl(bench), '--store', `file:${dir}/benchstore${i === 0 ? '' : `-${i}`}`]),
      () => sh(pgTool('pg_dump'), ['-Fc', '-f', dump, pgUrl(bench)]),
      undefined,
      BEFORE ? (i) => eventdb(['backup', '--url', pgUrl(bench), '--store', `file:${dir}/benchstore-before-${i}`], {}, BEFORE) : undefined,
    );
    // `restore --to` makes the database it restores into; pg_restore needs it made first. The baseline is
    // what a user types for the same result — `createdb` then `pg_restore` — timed together; pg_restore's
    // own part is printed below too.
    const pgRestoreAlone = [];
    await sideBySide(
      `postgres restore --to of pgbench scale ${PGBENCH_SCALE}`,
      'createdb + pg_restore (one job)',
      (i) => eventdb(['restore', '--latest', '--url', pgUrl(bench), '--to', pgUrl(restored(i, 'e')), '--store', `file:${dir}/benchstore`]),
      (i) => {
        sh(pgTool('createdb'), ['-h', '127.0.0.1', '-U', 'postgres', restored(i, 'b')]);
        const t = sh(pgTool('pg_restore'), ['--no-owner', '--no-acl', '--exit-on-error', '--single-transaction', '-d', pgUrl(restored(i, 'b')), dump]);
        pgRestoreAlone.push(t);
      },
      undefined,
      BEFORE ? (i) => eventdb(['restore', '--latest', '--url', pgUrl(bench), '--to', pgUrl(restored(i, 'p')), '--store', `file:${dir}/benchstore`], {}, BEFORE) : undefined,
    );
    console.log(`    of the baseline, pg_restore alone (without its createdb): median ${median(pgRestoreAlone).toFixed(2)} s`);
  } finally {
    for (const d of dbs) {
      try {
        psql('postgres', `drop database if exists ${d} with (force)`);
      } catch {
        /* best effort */
      }
    }
    if (existsSync(copy)) rmSync(copy, { force: true });
  }
}

try {
  if (!ONLY || ONLY === 'rows' || ONLY === 'pgbench') await rowsBench();
  if (ONLY === 'fixed') {
    const small = `eventdb_bench_small_${process.pid}`;
    try {
      await fixedCostBench(small);
    } finally {
      psql('postgres', `drop database if exists ${small} with (force)`);
    }
  }
  if (!ONLY || ONLY === 'sqlite') await sqliteBench();
  if (!ONLY || ONLY === 'sqlite' || ONLY === 'compression') compressionBench();
  if (!ONLY || ONLY === 'postgres') await postgresBench();
  console.log('\n| figure | eventdb (s) | baseline | baseline (s) | ratio | budget | peak RSS (MB) |\n|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.seconds.toFixed(2)} | ${r.baseName ?? ''} | ${r.baseSeconds?.toFixed(2) ?? ''} | ${r.ratio?.toFixed(2) ?? ''} | ${r.budget ? `≤ ${r.budget}` : ''} | ${r.rssKb ? (r.rssKb / 1024).toFixed(0) : ''} |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
