#!/usr/bin/env node
// Migrations benchmark: 1000 migrations (CREATE TABLE + CREATE INDEX each).
//   - `eventdb migrate up` beside dbmate (same statements) and beside the same SQL in one transaction,
//     on SQLite and PostgreSQL;
//   - `eventdb migrate status` with 1000 applied beside `node -e 0`;
//   - `eventdb migrate up --dry-run` of 1000 pending beside `migrate up`.
// Budgets (issue 4): up ≤ dbmate; status ≤ node + 250 ms; dry-run ≤ 2× up.
// BENCH_ENGINES=sqlite (or postgres) runs only those engines (default: both).
// A second shape, "real history": `migrate up` of ory/kratos's whole migration history (vendored under
// test/fixtures/ory-kratos: 346 migrations on PostgreSQL, 694 on SQLite, some outside a transaction)
// beside dbmate running the same files (issue 18), and on PostgreSQL with --env production too (the risk gate
// in full before the first migration). BENCH_SHAPES=generated (or real) runs only that shape.
// BENCH_KEEP=1 keeps the generated folders (eventdb-bench-mig-* under the temp directory) for profiling by hand.
// `up` and dbmate run interleaved BENCH_ROUNDS times (default 3) on fresh databases and the medians are
// compared, so load from other work on the machine hits both alike.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { benchTool } from './tools.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/eventdb.js');
const DBMATE = benchTool('dbmate', '2.36.0', 'dbmate');
if (!DBMATE) throw new Error('dbmate is needed as the baseline and could not be installed');
const N = Number(process.env.BENCH_MIGRATIONS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PG = process.env.EVENTDB_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ENGINES = new Set((process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',').map((e) => e.trim()));
const SHAPES = new Set((process.env.BENCH_SHAPES ?? 'generated,real').split(',').map((e) => e.trim()));
const work = mkdtempSync(join(tmpdir(), 'eventdb-bench-mig-'));

const stmts = (i) => [`create table t_${i} (id integer primary key, name text not null, created_at text)`, `create index t_${i}_name on t_${i} (name)`];
const ev = join(work, 'eventdb');
const dm = join(work, 'dbmate');
mkdirSync(ev);
mkdirSync(dm);
for (let i = 1; i <= N; i++) {
  const id = String(i).padStart(5, '0');
  const [a, b] = stmts(i);
  writeFileSync(join(ev, `${id}_t${i}.sql`), `-- eventdb:up\n${a};\n${b};\n-- eventdb:down\ndrop table t_${i};\n`);
  writeFileSync(join(dm, `${id}_t${i}.sql`), `-- migrate:up\n${a};\n${b};\n-- migrate:down\ndrop table t_${i};\n`);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** Medians of `a` and `b` run alternately 7 times each. */
function interleaved(a, b, n = 7) {
  const xs = [];
  const ys = [];
  for (let i = 0; i < n; i++) {
    xs.push(a());
    ys.push(b());
  }
  return [median(xs), median(ys)];
}
/** CPU time (user + system, ms) of this process's finished children, from /proc (Linux); 0 elsewhere. */
function childCpuMs() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[13]) + Number(f[14])) * 1000) / 100; // cutime + cstime, in USER_HZ (100)
  } catch {
    return 0;
  }
}
/** CPU time of each timed command, by the same key as its wall time: a load-independent second view. */
const cpu = new Map();
function time(cmd, args, env = {}) {
  const t = performance.now();
  const c0 = childCpuMs();
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
  const ms = performance.now() - t;
  cpu.set(ms, childCpuMs() - c0);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}
const eventdb = (...args) => time(process.execPath, [BIN, ...args, '--migrations', ev, '--quiet']);
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
const rows = [];
const cpuRow = (what, ms, base, baseName) => {
  const a = cpu.get(ms);
  const b = cpu.get(base);
  rows.push([what, fmt(a), `${fmt(b)} (${baseName})`, `${(a / b).toFixed(2)}×`, 'CPU of the median runs']);
};
const row = (what, ms, base, baseName, budget) => rows.push([what, fmt(ms), `${fmt(base)} (${baseName})`, `${(ms / base).toFixed(2)}×`, budget]);

// SQLite
if (SHAPES.has('generated') && ENGINES.has('sqlite')) {
  const f = (n) => join(work, `${n}.sqlite`);
  const ups = [];
  const dbms = [];
  for (let r = 0; r < ROUNDS; r++) {
    ups.push(eventdb('migrate', 'up', '--url', `sqlite:${f(r ? `ev${r}` : 'ev')}`));
    dbms.push(time(DBMATE, ['--url', `sqlite:${f(`dbmate${r}`)}`, '--migrations-dir', dm, '--no-dump-schema', 'up']));
  }
  const up = median(ups);
  const dbm = median(dbms);
  const t = performance.now();
  const db = new Database(f('one'));
  db.pragma('journal_mode = WAL');
  db.exec('begin');
  for (let i = 1; i <= N; i++) for (const s of stmts(i)) db.exec(s);
  db.exec('commit');
  db.close();
  const one = performance.now() - t;
  row(`sqlite: migrate up (${N}), median of ${ROUNDS}`, up, dbm, 'dbmate', '≤ 1× dbmate');
  cpuRow(`sqlite: migrate up (${N}), CPU`, up, dbm, 'dbmate');
  row(`sqlite: migrate up (${N})`, up, one, 'one transaction, in-process', 'for scale');
  const [node, status] = interleaved(() => time(process.execPath, ['-e', '0']), () => eventdb('migrate', 'status', '--url', `sqlite:${f('ev')}`));
  rows.push([`sqlite: migrate status (${N} applied)`, fmt(status), `${fmt(node)} (node -e 0)`, `+${Math.round(status - node)} ms`, '≤ node + 250 ms']);
  rows.push([`sqlite: migrate status, CPU`, `${Math.round(cpu.get(status))} ms`, `${Math.round(cpu.get(node))} ms (node -e 0)`, `+${Math.round(cpu.get(status) - cpu.get(node))} ms`, 'wall time on an idle machine']);
  const dry = eventdb('migrate', 'up', '--dry-run', '--url', `sqlite:${f('dry')}`);
  const up2 = eventdb('migrate', 'up', '--url', `sqlite:${f('up2')}`);
  row(`sqlite: up --dry-run (${N} pending)`, dry, up2, 'migrate up', '≤ 2× up');
}

// PostgreSQL
if (SHAPES.has('generated') && ENGINES.has('postgres')) {
  const admin = new pg.Client({ connectionString: PG });
  await admin.connect();
  const made = [];
  const mk = async (n) => {
    const name = `eventdb_bench_${n}_${process.pid}`;
    await admin.query(`drop database if exists "${name}"`);
    await admin.query(`create database "${name}"`);
    made.push(name);
    const u = new URL(PG);
    u.pathname = `/${name}`;
    return u.toString();
  };
  try {
    const evUrl = await mk('ev');
    const ups = [];
    const dbms = [];
    for (let r = 0; r < ROUNDS; r++) {
      ups.push(eventdb('migrate', 'up', '--url', r ? await mk(`ev${r}`) : evUrl));
      const dmUrl = new URL(await mk(`dbmate${r}`));
      dmUrl.searchParams.set('sslmode', 'disable');
      dbms.push(time(DBMATE, ['--url', dmUrl.toString(), '--migrations-dir', dm, '--no-dump-schema', 'up']));
    }
    const up = median(ups);
    const dbm = median(dbms);
    const c = new pg.Client({ connectionString: await mk('one') });
    await c.connect();
    const t = performance.now();
    await c.query('begin');
    for (let i = 1; i <= N; i++) for (const s of stmts(i)) await c.query(s);
    await c.query('commit');
    const one = performance.now() - t;
    await c.end();
    row(`postgres: migrate up (${N}), median of ${ROUNDS}`, up, dbm, 'dbmate', '≤ 1× dbmate');
    cpuRow(`postgres: migrate up (${N}), client CPU`, up, dbm, 'dbmate');
    row(`postgres: migrate up (${N})`, up, one, 'one transaction, in-process', 'for scale');
    const [node, status] = interleaved(() => time(process.execPath, ['-e', '0']), () => eventdb('migrate', 'status', '--url', evUrl));
    rows.push([`postgres: migrate status (${N} applied)`, fmt(status), `${fmt(node)} (node -e 0)`, `+${Math.round(status - node)} ms`, '≤ node + 250 ms']);
    rows.push([`postgres: migrate status, client CPU`, `${Math.round(cpu.get(status))} ms`, `${Math.round(cpu.get(node))} ms (node -e 0)`, `+${Math.round(cpu.get(status) - cpu.get(node))} ms`, 'wall time on an idle machine']);
    const dry = eventdb('migrate', 'up', '--dry-run', '--url', await mk('dry'));
    const up2 = eventdb('migrate', 'up', '--url', await mk('up2'));
    row(`postgres: up --dry-run (${N} pending)`, dry, up2, 'migrate up', '≤ 2× up');
  } finally {
    for (const n of made) await admin.query(`drop database if exists "${n}" with (force)`);
    await admin.end();
  }
}

// Real history: ory/kratos (popx files → one eventdb file and one dbmate file per version, per engine).
if (SHAPES.has('real')) {
  const KRATOS = join(ROOT, 'test/fixtures/ory-kratos/sql');
  const re = /^(\d+_[^.]+)(?:\.(postgres|sqlite3|sqlite))?(\.autocommit)?\.(up|down)\.sql$/;
  const byId = new Map();
  for (const f of readdirSync(KRATOS)) {
    const m = re.exec(f);
    if (!m) throw new Error(`unexpected kratos file ${f}`);
    const [, id, dialect = '', auto, dir] = m;
    const e = byId.get(id) ?? { up: new Map(), down: new Map() };
    e[dir].set(dialect, { path: join(KRATOS, f), auto: !!auto });
    byId.set(id, e);
  }
  const blank = (t) => !/\S/.test(t.replace(/\/\*[\s\S]*?\*\//g, '').replace(/--[^\n]*/g, ''));
  /** Writes the engine's history in both formats; returns [eventdb dir, dbmate dir, migrations]. */
  const build = (engine) => {
    const dialects = engine === 'postgres' ? ['postgres'] : ['sqlite3', 'sqlite'];
    const pick = (m) => m.get(dialects.find((d) => m.has(d)) ?? '');
    const evDir = join(work, `kratos-${engine}-eventdb`);
    const dmDir = join(work, `kratos-${engine}-dbmate`);
    mkdirSync(evDir);
    mkdirSync(dmDir);
    let n = 0;
    for (const id of [...byId.keys()].sort()) {
      const e = byId.get(id);
      const up = pick(e.up);
      if (!up) continue; // only for other engines
      const down = pick(e.down);
      const upText = readFileSync(up.path, 'utf8').trimEnd();
      const downText = down ? readFileSync(down.path, 'utf8').trimEnd() : undefined;
      const ev = [...(up.auto ? ['-- eventdb:no-transaction'] : []), '-- eventdb:up', upText];
      if (downText !== undefined) ev.push('-- eventdb:down', blank(downText) ? `-- eventdb:noop\n${downText}`.trimEnd() : downText);
      writeFileSync(join(evDir, `${id}.${engine}.sql`), `${ev.join('\n')}\n`);
      const opt = up.auto ? ' transaction:false' : '';
      writeFileSync(join(dmDir, `${id}.sql`), `-- migrate:up${opt}\n${upText}\n\n-- migrate:down${opt}\n${downText ?? ''}\n`);
      n++;
    }
    return [evDir, dmDir, n];
  };
  const evUp = (dir, url, ...more) => time(process.execPath, [BIN, 'migrate', 'up', '--url', url, '--migrations', dir, '--quiet', ...more]);
  if (ENGINES.has('sqlite')) {
    const [evDir, dmDir, n] = build('sqlite');
    const ups = [];
    const dbms = [];
    for (let r = 0; r < ROUNDS; r++) {
      ups.push(evUp(evDir, `sqlite:${join(work, `kratos-ev${r}.sqlite`)}`));
      dbms.push(time(DBMATE, ['--url', `sqlite:${join(work, `kratos-dbmate${r}.sqlite`)}`, '--migrations-dir', dmDir, '--no-dump-schema', 'up']));
    }
    const up = median(ups);
    const dbm = median(dbms);
    row(`sqlite: migrate up, ory/kratos history (${n}), median of ${ROUNDS}`, up, dbm, 'dbmate', '≤ 1× dbmate');
    cpuRow(`sqlite: migrate up, ory/kratos history (${n}), CPU`, up, dbm, 'dbmate');
  }
  if (ENGINES.has('postgres')) {
    const [evDir, dmDir, n] = build('postgres');
    const admin = new pg.Client({ connectionString: PG });
    await admin.connect();
    const made = [];
    const mk = async (name0) => {
      const name = `eventdb_bench_${name0}_${process.pid}`;
      await admin.query(`drop database if exists "${name}"`);
      await admin.query(`create database "${name}"`);
      made.push(name);
      const u = new URL(PG);
      u.pathname = `/${name}`;
      return u;
    };
    try {
      const ups = [];
      const prods = [];
      const dbms = [];
      for (let r = 0; r < ROUNDS; r++) {
        ups.push(evUp(evDir, (await mk(`kratos_ev${r}`)).toString()));
        const dmUrl = await mk(`kratos_dbmate${r}`);
        dmUrl.searchParams.set('sslmode', 'disable');
        dbms.push(time(DBMATE, ['--url', dmUrl.toString(), '--migrations-dir', dmDir, '--no-dump-schema', 'up']));
        // Production: the risk gate can refuse there, so it runs in full before the first migration.
        prods.push(evUp(evDir, (await mk(`kratos_prod${r}`)).toString(), '--env', 'production'));
      }
      const up = median(ups);
      const prod = median(prods);
      const dbm = median(dbms);
      row(`postgres: migrate up, ory/kratos history (${n}), median of ${ROUNDS}`, up, dbm, 'dbmate', '≤ 1× dbmate');
      cpuRow(`postgres: migrate up, ory/kratos history (${n}), client CPU`, up, dbm, 'dbmate');
      row(`postgres: same, --env production (gate first), median of ${ROUNDS}`, prod, dbm, 'dbmate', 'for scale');
    } finally {
      for (const name of made) await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.end();
    }
  }
}

if (!process.env.BENCH_KEEP) rmSync(work, { recursive: true, force: true });
// The machine's load while the rounds ran (1-minute average at the end): figures are only comparable at similar load.
rows.push(['load average (1, 5, 15 min)', loadavg().map((l) => l.toFixed(2)).join(' '), '', '', '']);
const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
console.log(['what', 'eventdb', 'baseline', 'ratio', 'budget'].map((h, i) => h.padEnd(w[i])).join('  '));
for (const r of rows) console.log(r.map((x, i) => x.padEnd(w[i])).join('  '));
