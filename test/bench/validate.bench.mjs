#!/usr/bin/env node
// validate benchmark: a 500-table database made by 100 migrations (5 tables + an index each), with an
// expected schema declaring all 500 tables.
//   - `eventdb validate --no-drift` on SQLite and PostgreSQL — budget ≤ 2 s;
//   - `eventdb validate` (with drift: the migrations replayed into a scratch database) beside
//     `eventdb migrate up` of the same migrations into an empty database — budget ≤ 2×.
// Run: npm run bench -- validate   (BENCH_TABLES to change the size)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/eventdb.js');
const TABLES = Number(process.env.BENCH_TABLES ?? 500);
const PER = 5;
const PG = process.env.EVENTDB_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const work = mkdtempSync(join(tmpdir(), 'eventdb-bench-validate-'));
const migrations = join(work, 'migrations');
const schemaDir = join(work, 'schema');
mkdirSync(migrations);
mkdirSync(schemaDir);

const tables = [];
for (let m = 0; m < TABLES / PER; m++) {
  const up = [];
  const down = [];
  for (let k = 0; k < PER; k++) {
    const i = m * PER + k + 1;
    up.push(`create table t_${i} (id integer not null primary key, name text not null, created_at text);`, `create index t_${i}_name on t_${i} (name);`);
    down.push(`drop table t_${i};`);
    tables.push({
      name: `t_${i}`,
      required: true,
      columns: [
        { name: 'id', family: 'integer', nullable: false, type: 'integer' },
        { name: 'name', family: 'text', nullable: false, type: 'text' },
        { name: 'created_at', family: 'text', nullable: true, type: 'text' },
      ],
      primaryKey: ['id'],
      indexes: [{ name: `t_${i}_name`, columns: ['name'] }],
    });
  }
  writeFileSync(join(migrations, `${String(m + 1).padStart(4, '0')}_m${m + 1}.sql`), `-- eventdb:up\n${up.join('\n')}\n-- eventdb:down\n${down.join('\n')}\n`);
}
writeFileSync(join(schemaDir, 'schema.json'), JSON.stringify({ formatVersion: 1, tables, rules: [{ name: 't1_names', kind: 'not-null', description: 'names are set', table: 't_1', sql: "select id as key from t_1 where name = ''", level: 'error' }] }));

function time(args, url, okCodes = [0]) {
  const t = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, EVENTDB_DATABASE_URL: url, EVENTDB_MIGRATIONS_DIR: migrations, EVENTDB_SCHEMA_DIR: schemaDir }, encoding: 'utf8' });
  const ms = performance.now() - t;
  if (!okCodes.includes(r.status)) throw new Error(`eventdb ${args.join(' ')} exited ${r.status}: ${r.stderr}\n${r.stdout.slice(0, 2000)}`);
  return ms;
}
const best = (n, f) => Math.min(...Array.from({ length: n }, f));
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
let failed = 0;
function row(engine, what, ms, baseline, budget, ok) {
  if (!ok) failed++;
  console.log(`| ${engine} | ${what} | ${fmt(ms)} | ${baseline} | ${budget} | ${ok ? 'ok' : 'OVER'} |`);
}

async function pgDb(name) {
  const c = new pg.Client({ connectionString: PG });
  await c.connect();
  await c.query(`drop database if exists "${name}" with (force)`);
  await c.query(`create database "${name}"`);
  await c.end();
  const u = new URL(PG);
  u.pathname = `/${name}`;
  return u.toString();
}
async function dropPg(name) {
  const c = new pg.Client({ connectionString: PG });
  await c.connect();
  await c.query(`drop database if exists "${name}" with (force)`);
  await c.end();
}

console.log(`${TABLES} tables from ${TABLES / PER} migrations; each figure is the best of 3 runs (replay: a fresh database each time)\n`);
console.log('| engine | measure | time | baseline (same run) | budget | |');
console.log('|---|---|---|---|---|---|');
try {
  for (const engine of ['sqlite', 'postgres']) {
    const pgNames = [];
    const fresh = async (tag) => {
      if (engine === 'sqlite') return `sqlite:${join(work, `${tag}.sqlite`)}`;
      const name = `eventdb_bench_validate_${process.pid}_${tag}`;
      pgNames.push(name);
      return pgDb(name);
    };
    const replays = [];
    for (let i = 0; i < 3; i++) replays.push(time(['migrate', 'up'], await fresh(`replay${i}`)));
    const replay = Math.min(...replays);
    const url = await fresh('live');
    time(['migrate', 'up'], url);
    const noDrift = best(3, () => time(['validate', '--no-drift'], url));
    const drift = best(3, () => time(['validate'], url));
    row(engine, 'validate --no-drift', noDrift, '-', '≤ 2.00 s', noDrift <= 2000);
    row(engine, 'validate (with drift)', drift, `migrate up alone ${fmt(replay)} → ratio ${(drift / replay).toFixed(2)}×`, '≤ 2×', drift <= 2 * replay);
    for (const n of pgNames) await dropPg(n);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
