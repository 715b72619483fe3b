import { PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import type { KyselyCompiler } from '../kysely-compiler.js';

/**
 * DuckDB's SQL compiler for TS migrations compiled without a database: PostgreSQL's adapter and
 * query compiler, as the live connection uses (kysely-driver.ts). Its introspector needs a live
 * DuckDB, so the capture gets PostgreSQL's, which a migration's SQL text never reaches.
 */
export const duckdbCompiler: KyselyCompiler = {
  createAdapter: () => new PostgresAdapter(),
  createIntrospector: (db) => new PostgresIntrospector(db),
  createQueryCompiler: () => new PostgresQueryCompiler(),
};
