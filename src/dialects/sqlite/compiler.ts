import { SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import type { KyselyCompiler } from '../kysely-compiler.js';

/** SQLite's SQL compiler: TS migrations compiled without a database. */
export const sqliteCompiler: KyselyCompiler = {
  createAdapter: () => new SqliteAdapter(),
  createIntrospector: (db) => new SqliteIntrospector(db),
  createQueryCompiler: () => new SqliteQueryCompiler(),
};
