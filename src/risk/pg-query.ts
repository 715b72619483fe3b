import { createRequire } from 'node:module';

type PgQuery = typeof import('libpg-query');

let mod: PgQuery | undefined;
let loading: Promise<PgQuery> | undefined;

/**
 * libpg-query (PostgreSQL's parser as WASM), loaded once per process, only when first needed: every
 * user goes through here (a static import would start compiling it with the importing chunk).
 * Not done (issue 18): compiling it with V8's baseline compiler only (`--liftoff-only`) saved ~80–190 ms
 * of CPU on the kratos plan, but V8 flags changed at run time are documented as unsafe ("may result in
 * unpredictable behavior, including crashes"), and test workers crashed with it; a flag at process start
 * would need the CLI to re-spawn Node.
 */
export function loadPgQuery(): Promise<PgQuery> {
  loading ??= (async () => {
    const m = createRequire(import.meta.url)('libpg-query') as PgQuery;
    await m.loadModule();
    mod = m;
    return m;
  })();
  return loading;
}

/** The loaded module (loadPgQuery first). */
export function pgQuery(): PgQuery {
  if (!mod) throw new Error('the PostgreSQL parser is not loaded: call loadParsers() first');
  return mod;
}
