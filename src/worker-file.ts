import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A worker thread's entry file (`name`.js) for the module at `from` (its import.meta.url): beside it,
 * where tsc emits both (dist/seed/, dist/risk/), or one level above the CLI bundle's chunk that holds
 * it (dist/cli/, where the bundle builds each worker as an entry of its own). None when the module runs
 * from its TypeScript source: the caller then does the work on its own thread.
 */
export function workerFile(from: string, name: string): URL | undefined {
  for (const rel of [`./${name}.js`, `../${name}.js`]) {
    const url = new URL(rel, from);
    if (url.protocol === 'file:' && existsSync(fileURLToPath(url))) return url;
  }
  return undefined;
}
