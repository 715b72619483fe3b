#!/usr/bin/env node
// zstd against gzip for snapshots, on a compressible and an incompressible SQLite database.
//   EVENTDB_BENCH_MB    size of each database in MB (default 100)
//   EVENTDB_BENCH_RUNS  runs per figure, interleaved; medians are printed (default 3)
// zstd needs Node ≥ 22.15: on an older runtime this re-runs itself with EVENTDB_NODE24 or the Node 24
// that `bash .ci/node24` installs. Two figures per database and codec: the compression stage alone
// (the raw file streamed through eventdb's compressor) and, where better-sqlite3 is built for the
// runtime, the whole `eventdb backup --compress …` into a file store.
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { compressor, runtimeHasZstd } = await import(pathToFileURL(join(ROOT, 'dist/backup/codec.js')).href);

if (!runtimeHasZstd()) {
  const node = [process.env.EVENTDB_NODE24, join(ROOT, '.ci-node24/bin/node')].find((p) => p && existsSync(p));
  if (!node) {
    console.log(`Node ${process.versions.node} has no zstd and no Node 24 was found: run \`bash .ci/node24\` (or set EVENTDB_NODE24), then this again`);
    process.exit(0);
  }
  const r = spawnSync(node, [fileURLToPath(import.meta.url)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const MB = Number(process.env.EVENTDB_BENCH_MB ?? 100);
const RUNS = Number(process.env.EVENTDB_BENCH_RUNS ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'eventdb-bench-codecs-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let sqliteLoads = false;
try {
  const Database = createRequire(join(ROOT, 'package.json'))('better-sqlite3');
  new Database(':memory:').close();
  sqliteLoads = true;
} catch {
  sqliteLoads = false;
}

function makeDb(file, kind) {
  const n = Math.round((MB * 1024 * 1024) / (kind === 'compressible' ? 230 : 1100));
  const rows =
    kind === 'compressible'
      ? // registrations: ids, timestamps, short text and a JSON payload (as in backup.bench.mjs)
        `insert into t select i, i % 5000, 'user' || (i * 7919 % 1000003) || '@example.com', case i % 4 when 0 then 'confirmed' when 1 then 'waitlist' when 2 then 'cancelled' else 'attended' end, datetime(1700000000 + i * 37, 'unixepoch'), '{"seat":"' || hex(randomblob(6)) || '","notes":"' || hex(randomblob(40)) || '","source":"web"}' from s;`
      : // random bytes: nothing to find for either codec
        `insert into t select i, 0, '', '', '', randomblob(1000) from s;`;
  execFileSync('sqlite3', [file, `create table t (id integer primary key, a int, b text, c text, d text, e); with recursive s(i) as (select 1 union all select i + 1 from s where i < ${n}) ${rows}`]);
}

async function stage(file, codec) {
  let bytes = 0;
  const t = performance.now();
  await pipeline(createReadStream(file, { highWaterMark: 1024 * 1024 }), compressor({ codec }), new Writable({ write: (c, _e, cb) => ((bytes += c.length), cb()) }));
  return { seconds: (performance.now() - t) / 1000, bytes };
}

function backup(file, codec, n) {
  const store = join(dir, `store-${codec}-${n}`);
  const t = performance.now();
  execFileSync(process.execPath, [join(ROOT, 'bin/eventdb.js'), 'backup', '--url', `sqlite:${file}`, '--store', `file:${store}`, '--compress', codec], { stdio: ['ignore', 'ignore', 'inherit'], cwd: dir });
  const seconds = (performance.now() - t) / 1000;
  const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
  const bytes = walk(store).filter((f) => /\/data\./.test(f)).map((f) => statSync(f).size)[0];
  rmSync(store, { recursive: true, force: true });
  return { seconds, bytes };
}

console.log(`Node ${process.versions.node}; ${MB} MB per database; ${RUNS} runs each, interleaved, medians${sqliteLoads ? '' : '; better-sqlite3 is not built for this runtime: compression stage only'}`);
console.log('\n| database | codec | stage (s) | backup (s) | stored (MB) | raw : stored |\n|---|---|---|---|---|---|');
try {
  for (const kind of ['compressible', 'incompressible']) {
    const file = join(dir, `${kind}.sqlite`);
    makeDb(file, kind);
    const raw = statSync(file).size;
    const res = { zstd: { stage: [], backup: [], bytes: 0 }, gzip: { stage: [], backup: [], bytes: 0 } };
    for (let i = 0; i < RUNS; i++) {
      for (const codec of i % 2 ? ['gzip', 'zstd'] : ['zstd', 'gzip']) {
        const s = await stage(file, codec);
        res[codec].stage.push(s.seconds);
        res[codec].bytes = s.bytes;
        if (sqliteLoads) res[codec].backup.push(backup(file, codec, i).seconds);
      }
    }
    for (const codec of ['zstd', 'gzip']) {
      const r = res[codec];
      console.log(`| ${kind}, ${(raw / 1e6).toFixed(0)} MB | ${codec} | ${median(r.stage).toFixed(2)} | ${r.backup.length ? median(r.backup).toFixed(2) : ''} | ${(r.bytes / 1e6).toFixed(1)} | ${(raw / r.bytes).toFixed(2)} |`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
