import { createRequire } from 'node:module';
import type * as Pg from 'pg';

/**
 * The `pg` driver, loaded without the Cloudflare probe's cost. On load, pg (lib/stream.js) asks
 * whether it runs in a Cloudflare Worker: on runtimes without `navigator` (Node 20) it builds a
 * `Response`, and touching that global makes Node compile its bundled HTTP client (undici) — 20–30 ms
 * of CPU at every start-up of a PostgreSQL command that never uses it. While pg loads, `Response` is
 * hidden (so the probe answers "not a Worker", as it would anyway) and put back right after. Node 21+
 * has `navigator`, where pg answers from it and nothing is hidden. Every module of this dialect gets
 * pg from here (type-only imports elsewhere), so no static import loads it first.
 */
function loadPg(): typeof Pg {
  // In the CLI's bundle (scripts/bundle-cli.mjs) this `require('pg')` is pg itself, bundled into one
  // file: 10–15 ms less to load than its ~30 files from node_modules (#18 fixed cost). Compiled by tsc
  // for library use, this module is ESM without `require`, and pg loads from node_modules.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a literal require('pg') is what esbuild bundles
  const load = typeof require === 'function' ? () => require('pg') : () => createRequire(import.meta.url)('pg');
  const g = globalThis as { navigator?: unknown };
  const response = g.navigator === undefined ? Object.getOwnPropertyDescriptor(globalThis, 'Response') : undefined;
  const hide = !!response?.configurable && typeof response.get === 'function';
  if (hide) Object.defineProperty(globalThis, 'Response', { value: undefined, configurable: true, writable: true, enumerable: false });
  try {
    return load() as typeof Pg;
  } finally {
    if (hide) Object.defineProperty(globalThis, 'Response', response!);
  }
}

const pg = loadPg();
export default pg;
