import type { Extension } from '@electric-sql/pglite';

/**
 * PostgreSQL's contrib extensions as PGlite 0.5 ships them: each is a bundle (its SQL scripts and its
 * WASM library) that must be unpacked into the instance when it starts — `CREATE EXTENSION` of one that
 * was not loaded fails with "extension … is not available". Keyed by the name SQL uses, valued by its
 * module under `@electric-sql/pglite/contrib/`. Left out: auto_explain and pg_stat_statements, which
 * write `shared_preload_libraries` into the data directory (PGlite then cannot open it without them).
 * A name is only ever looked up here, never made into a module path.
 */
const BUNDLES: Readonly<Record<string, string>> = Object.freeze({
  amcheck: 'amcheck',
  bloom: 'bloom',
  btree_gin: 'btree_gin',
  btree_gist: 'btree_gist',
  citext: 'citext',
  cube: 'cube',
  dict_int: 'dict_int',
  dict_xsyn: 'dict_xsyn',
  earthdistance: 'earthdistance',
  file_fdw: 'file_fdw',
  fuzzystrmatch: 'fuzzystrmatch',
  hstore: 'hstore',
  intarray: 'intarray',
  isn: 'isn',
  lo: 'lo',
  ltree: 'ltree',
  moddatetime: 'moddatetime',
  pageinspect: 'pageinspect',
  pg_buffercache: 'pg_buffercache',
  pg_freespacemap: 'pg_freespacemap',
  pg_surgery: 'pg_surgery',
  pg_trgm: 'pg_trgm',
  pg_visibility: 'pg_visibility',
  pg_walinspect: 'pg_walinspect',
  pgcrypto: 'pgcrypto',
  seg: 'seg',
  tablefunc: 'tablefunc',
  tcn: 'tcn',
  tsm_system_rows: 'tsm_system_rows',
  tsm_system_time: 'tsm_system_time',
  unaccent: 'unaccent',
  'uuid-ossp': 'uuid_ossp',
});

/** Extensions whose control file `requires` another (CREATE EXTENSION … CASCADE needs both bundles). */
const REQUIRES: Readonly<Record<string, readonly string[]>> = Object.freeze({ earthdistance: ['cube'] });

/** Whether PGlite ships `name` as a bundle eventdb can load. */
export const isBundled = (name: string): boolean => Object.hasOwn(BUNDLES, name);

/** The bundled extensions among `names`, with what they require; names PGlite does not ship are left out. */
export function bundledAmong(names: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const n of names) {
    if (!isBundled(n)) continue;
    for (const r of REQUIRES[n] ?? []) out.add(r);
    out.add(n);
  }
  return [...out].sort();
}

/** PGlite's `extensions` option for the bundled `names` (each module imported once per process). */
export async function extensionOptions(names: Iterable<string>): Promise<Record<string, Extension>> {
  const out: Record<string, Extension> = {};
  await Promise.all(
    bundledAmong(names).map(async (n) => {
      const mod = BUNDLES[n]!;
      const m = (await import(`@electric-sql/pglite/contrib/${mod}`)) as Record<string, Extension>;
      out[mod] = m[mod]!;
    }),
  );
  return out;
}

/**
 * The hint for PostgreSQL's "extension … is not available" raised inside PGlite: a bundle eventdb did not
 * know to load (a TypeScript migration, or SQL sent outside a migration), or one PGlite does not ship.
 */
export function unavailableHint(message: string): string | undefined {
  const name = /extension "([^"]+)" is not available/.exec(message)?.[1];
  if (!name) return undefined;
  if (isBundled(name)) {
    return `PGlite loads "${name}" only when it starts: eventdb loads it for a SQL migration's CREATE EXTENSION and for a database that has it, not for one a TypeScript migration creates — create it in a SQL migration`;
  }
  return `PGlite does not ship the extension "${name}": run this history on a PostgreSQL server (postgres://…)`;
}
