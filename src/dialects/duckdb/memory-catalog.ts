import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent } from '../quote.js';

/**
 * In-memory DuckDB databases (`duckdb::memory:`: migrate diff's replay and rehearsal, the drift check's
 * scratch database) are catalogs of one process-wide in-memory DuckDB instance, each attached fresh
 * (`ATTACH ':memory:'`) and detached on close, which frees it. A DuckDB instance of its own per database
 * cost a thread pool started and joined each time (20–75 ms to create, measured on issue 17); an
 * attach costs a few ms. Every connection to a catalog starts with `USE` it, and DuckDB resolves
 * unqualified names only in the connection's own catalog (then `temp`, per connection, and `system`),
 * so one catalog never sees another's objects; eventdb's catalog queries filter on `current_database()`.
 */
export interface MemoryCatalog {
  /** The catalog's name, `eventdb_memory_<n>`: what `current_database()` returns on its connections. */
  readonly name: string;
  /** What a DuckDB instance gives the Kysely driver and the appender: a new connection, here one on this catalog. */
  readonly instance: Pick<DuckDBInstance, 'connect'>;
  /** Detaches the catalog, dropping everything in it. Idempotent. Close its connections first. */
  detach(): Promise<void>;
}

let shared: Promise<{ instance: DuckDBInstance; admin: DuckDBConnection }> | undefined;
let seq = 0;

async function sharedInstance(): Promise<{ instance: DuckDBInstance; admin: DuckDBConnection }> {
  shared ??= (async () => {
    const instance = await DuckDBInstance.create(':memory:');
    return { instance, admin: await instance.connect() };
  })();
  try {
    return await shared;
  } catch (e) {
    shared = undefined; // the next caller tries again
    throw e;
  }
}

/** A fresh, empty in-memory catalog on the process-wide instance. */
export async function attachMemoryCatalog(): Promise<MemoryCatalog> {
  const { instance, admin } = await sharedInstance();
  const name = `eventdb_memory_${++seq}`;
  await admin.run(`attach ':memory:' as ${quoteIdent(name)}`);
  let detached = false;
  return {
    name,
    instance: {
      async connect() {
        const c = await instance.connect();
        try {
          await c.run(`use ${quoteIdent(name)}`);
        } catch (e) {
          c.closeSync();
          throw e;
        }
        return c;
      },
    },
    async detach() {
      if (detached) return;
      detached = true;
      await admin.run(`detach database if exists ${quoteIdent(name)}`);
    },
  };
}

/** The in-memory catalogs attached now (the isolation test checks that closed ones are gone). */
export async function attachedMemoryCatalogs(): Promise<string[]> {
  if (!shared) return [];
  const { admin } = await sharedInstance();
  const r = await admin.runAndReadAll(`select database_name from duckdb_databases() where database_name like 'eventdb_memory_%' order by database_oid`);
  return r.getRows().map((x) => String(x[0]));
}
