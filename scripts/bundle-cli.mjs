#!/usr/bin/env node
// Bundles the CLI entry (dist/cli/main.js) with esbuild after tsc has emitted dist/.
// Why: Kysely's ESM build is ~400 small files and took ~190 ms to import, most of the start-up
// budget of `eventdb info`. Bundled, with code splitting, every command still loads lazily (each
// dynamic import becomes a chunk) and Kysely loads as one file. Native and asset-carrying packages
// (drivers, WASM parsers, the AWS SDK, PGlite) stay external and load from node_modules.
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// pg and pg-copy-streams are pure JavaScript: bundled, a backup loads them 10–20 ms faster than from
// their ~35 files (#18); pg's optional native binding and Cloudflare socket are required only when asked
// for and stay outside.
const bundled = ['kysely', 'commander', 'chalk', 'pg', 'pg-copy-streams'];
const keepExternal = [...Object.keys(pkg.dependencies ?? {}).filter((d) => !bundled.includes(d)), 'pg-native', 'pg-cloudflare'];

const result = await build({
  // The worker threads (the seed's src/seed/csv-worker.ts and batch-worker.ts, the risk gate's
  // src/risk/gate-worker.ts) are files of their own: dist/cli/csv-worker.js, batch-worker.js, gate-worker.js.
  entryPoints: { main: 'src/cli/main.ts', 'csv-worker': 'src/seed/csv-worker.ts', 'batch-worker': 'src/seed/batch-worker.ts', 'gate-worker': 'src/risk/gate-worker.ts' },
  outdir: 'dist/cli',
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: keepExternal.flatMap((d) => [d, `${d}/*`]),
  banner: { js: "import { createRequire as __eventdbCreateRequire } from 'node:module'; const require = __eventdbCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
  metafile: true,
});

// Remove chunks of earlier builds (their hashes differ), so dist/cli/chunks holds only this build's.
const current = new Set(Object.keys(result.metafile.outputs).map((p) => resolve(p)));
for (const f of readdirSync('dist/cli/chunks')) {
  const p = resolve(join('dist/cli/chunks', f));
  if (!current.has(p)) rmSync(p, { force: true });
}
