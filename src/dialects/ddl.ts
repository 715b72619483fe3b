import type { Engine } from '../config/url.js';
import { EventdbError } from '../errors.js';
import { duckdbDdl } from './duckdb/ddl.js';
import { postgresDdl } from './postgres/ddl.js';
import { sqliteDdl } from './sqlite/ddl.js';
import type { SchemaDdl } from './types.js';

/**
 * Each engine's DDL, by engine, without a connection (the modules import no driver, only Kysely's
 * compilers). The registry's `loadDdl()` gives the same objects lazily.
 */
const DDL: Record<Engine, SchemaDdl> = { postgres: postgresDdl, sqlite: sqliteDdl, duckdb: duckdbDdl };

export function ddlFor(engine: Engine): SchemaDdl {
  const d = Object.hasOwn(DDL, engine) ? DDL[engine] : undefined;
  if (!d) throw new EventdbError('UNKNOWN_ENGINE', `unknown engine "${String(engine)}"`, 'use postgres, sqlite or duckdb');
  return d;
}
