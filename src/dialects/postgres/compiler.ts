import { PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import type { KyselyCompiler } from '../kysely-compiler.js';

/** PostgreSQL's SQL compiler (also PGlite's): TS migrations compiled without a database. */
export const postgresCompiler: KyselyCompiler = {
  createAdapter: () => new PostgresAdapter(),
  createIntrospector: (db) => new PostgresIntrospector(db),
  createQueryCompiler: () => new PostgresQueryCompiler(),
};
