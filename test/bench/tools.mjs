// Baseline tools for the benchmarks (dbmate, squawk) are installed on first use into .bench/tools
// rather than kept as devDependencies: the registry mirror here lacks some of their other-platform
// packages, which leaves a lock file that `npm ci` rejects. `npm test` never needs them.
import { existsSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TOOLS = fileURLToPath(new URL('../../.bench/tools', import.meta.url));

/** Path to `bin` from npm package `pkg@version`, installing it under .bench/tools if needed; undefined if it cannot be installed. */
export function benchTool(pkg, version, bin) {
  const prefix = join(TOOLS, pkg.replace(/[^a-z0-9._-]/gi, '_')); // one prefix per tool: installing one never removes another
  const path = join(prefix, 'node_modules', '.bin', bin);
  if (existsSync(path)) return path;
  mkdirSync(prefix, { recursive: true });
  const r = spawnSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--no-package-lock', `${pkg}@${version}`], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(path)) {
    console.error(`could not install ${pkg}@${version} for the benchmark baseline: ${(r.stderr ?? '').split('\n').find((l) => l.includes('error')) ?? r.status}`);
    return undefined;
  }
  return path;
}
