import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';

type PgQuery = typeof import('libpg-query');

let mod: PgQuery | undefined;
let loading: Promise<PgQuery> | undefined;

/**
 * libpg-query (PostgreSQL's parser as WASM), loaded once per process, its WASM compiled by V8's
 * baseline compiler only (Liftoff). By default V8 also recompiles the parser's hot functions with its
 * optimising compiler (TurboFan) on background threads; in a CLI that parses a few hundred statements
 * that work never pays off: parsing the 346 migrations of the ory/kratos history cost ~120–240 ms of
 * CPU in a fresh Node 20 process with it, ~40–50 ms without (issue 18). The code is the same parser
 * either way (same results). `--liftoff-only` is set only while this module compiles and restored
 * right after (unless the process was started with it), so other WASM (PGlite) keeps V8's defaults.
 * libpg-query starts compiling when first required, so nothing else may load it first: every user
 * goes through here (a static import would load it with the importing chunk).
 */
export function loadPgQuery(): Promise<PgQuery> {
  loading ??= (async () => {
    const own = !processHasFlag('liftoff-only');
    if (own) setV8Flag('--liftoff-only');
    try {
      const m = createRequire(import.meta.url)('libpg-query') as PgQuery;
      await m.loadModule();
      mod = m;
      return m;
    } finally {
      if (own) setV8Flag('--no-liftoff-only');
    }
  })();
  return loading;
}

/** The loaded module (loadPgQuery first). */
export function pgQuery(): PgQuery {
  if (!mod) throw new Error('the PostgreSQL parser is not loaded: call loadParsers() first');
  return mod;
}

function processHasFlag(name: string): boolean {
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => a.includes(name));
}

function setV8Flag(flag: string): void {
  try {
    setFlagsFromString(flag);
  } catch {
    // a runtime that refuses flag changes compiles with its defaults: slower, the same results
  }
}
