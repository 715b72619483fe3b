#!/usr/bin/env node
// migrate diff's scratch database (issue 17): what one diff spends replaying the existing migrations and
// rehearsing the generated one, on a project of BENCH_MIGRATIONS (default 100) migrations, per engine.
//   - baseline: the way before — replay into one scratch database to plan, then a second scratch
//     database for the rehearsal, replaying everything again (replayedSchema + rehearseMigrations);
//   - now: one scratch database, replayed once, the rehearsal in it (openReplayed + rehearseIn + close);
//   - open + close: an empty scratch database opened and removed (openScratch + close), the fixed cost
//     of each of the above's scratch databases. DuckDB's is an in-memory catalog attached to one
//     instance per process (memory-catalog.ts), not an instance of its own, since issue 17's scratch work.
// Interleaved rounds (BENCH_ROUNDS, default 5), medians, ratio. Run: npm run bench -- diff-replay
// (BENCH_ENGINES=sqlite,duckdb,postgres,pglite; PostgreSQL at EVENTDB_TEST_PG_URL or 127.0.0.1:5432).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const ROOT = new URL('../..', import.meta.url);
const { resolveConfig } = await import(new URL('dist/config/index.js', ROOT).href);
const { replayedSchema, rehearseMigrations, openReplayed, rehearseIn, openScratch } = await import(new URL('dist/schema/generate/replay.js', ROOT).href);

const N = Number(process.env.BENCH_MIGRATIONS ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ENGINES = (process.env.BENCH_ENGINES ?? 'sqlite,duckdb,postgres').split(',');
const PG = process.env.EVENTDB_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const work = mkdtempSync(join(tmpdir(), 'eventdb-bench-diff-'));
const migrations = join(work, 'migrations');
mkdirSync(migrations);
// Tables, columns and indexes, as a declaration's history grows: every third migration a table, the others a column and an index.
for (let m = 1; m <= N; m++) {
  const t = `t${Math.ceil(m / 3)}`;
  const [up, down] =
    m % 3 === 1
      ? [`create table ${t} (id integer primary key, name varchar);`, `drop table ${t};`]
      : [`alter table ${t} add column c${m} integer;\ncreate index ix${m} on ${t} (c${m});`, `drop index ix${m};\nalter table ${t} drop column c${m};`];
  writeFileSync(join(migrations, `${String(m).padStart(4, '0')}_m${m}.sql`), `-- eventdb:up\n${up}\n-- eventdb:down\n${down}\n`);
}
const next = { name: `${String(N + 1).padStart(4, '0')}_next.sql`, text: '-- eventdb:up\ncreate table next_one (id integer primary key, t1 integer);\n-- eventdb:down\ndrop table next_one;\n' };

const urls = { sqlite: `sqlite:${join(work, 'user.sqlite')}`, duckdb: `duckdb:${join(work, 'user.duckdb')}`, pglite: `pglite:${join(work, 'user-pglite')}`, postgres: PG };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
const scratchLeft = async () => {
  const c = new pg.Client({ connectionString: PG });
  await c.connect();
  const n = (await c.query(`select count(*)::int as n from pg_database where datname like 'eventdb_scratch_${process.pid}_%'`)).rows[0].n;
  await c.end();
  return n;
};

console.log(`${N} migrations, ${ROUNDS} interleaved rounds; load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
console.log('| engine | baseline: replay, then replay + rehearse in a second scratch | now: one scratch, replay + rehearse | ratio | empty scratch open + close |');
console.log('|---|---|---|---|---|');
for (const engine of ENGINES) {
  const config = await resolveConfig({ flags: { url: urls[engine] }, env: { EVENTDB_MIGRATIONS_DIR: migrations }, cwd: work });
  const e = config.database.engine;
  const before = [];
  const now = [];
  const bare = [];
  for (let r = 0; r < ROUNDS; r++) {
    let t = performance.now();
    await replayedSchema(config, e);
    await rehearseMigrations(config, e, migrations, [next]);
    before.push(performance.now() - t);
    t = performance.now();
    const s = await openReplayed(config, e);
    try {
      await rehearseIn(s, migrations, [next]);
    } finally {
      await s.close();
    }
    now.push(performance.now() - t);
    t = performance.now();
    await (await openScratch(config, e)).close();
    bare.push(performance.now() - t);
  }
  if (engine === 'postgres' && (await scratchLeft()) !== 0) throw new Error('a scratch database was left on the server');
  console.log(`| ${engine} | ${fmt(median(before))} | ${fmt(median(now))} | ${(median(now) / median(before)).toFixed(2)} | ${median(bare).toFixed(0)} ms |`);
}
rmSync(work, { recursive: true, force: true });
