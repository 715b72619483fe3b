import type { Results } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { messageOf, withEngineHint } from '../../errors.js';
import { quoteIdent } from '../quote.js';
import { unavailableHint } from './extensions.js';
import type { PgliteSession } from './session.js';

/**
 * A small Kysely dialect over @electric-sql/pglite 0.5, written here rather than taken from
 * `kysely-pglite-dialect` 1.3.1 (peer range ^0.2 || ^0.3 || ^0.4), which sends every statement
 * through the extended protocol — so a migration file holding several statements fails — keeps
 * no transaction state, streams by loading the whole result first, and queues only its own callers
 * while other users of the PGlite instance slip statements into an open transaction.
 *
 * Here every caller goes through one `PgliteSession` queue; statements without parameters use the
 * simple protocol (several statements in one string, as `pg` does against a server); statements
 * with parameters use the extended protocol; `streamQuery` uses a server-side cursor.
 * PGlite is PostgreSQL, so Kysely's PostgreSQL compiler, adapter and introspector fit unchanged.
 */
export class PgliteKyselyDialect implements Dialect {
  constructor(private readonly session: PgliteSession) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PgliteDriver(this.session);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}


class PgliteDriver implements Driver {
  #conn: PgliteConnection;
  constructor(private readonly session: PgliteSession) {
    this.#conn = new PgliteConnection(session);
  }
  async init(): Promise<void> {
    /* the instance boots on first use (PgliteSession) */
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    await this.session.instance();
    await this.session.acquire();
    return this.#conn;
  }
  async releaseConnection(): Promise<void> {
    this.session.release();
  }
  async beginTransaction(c: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    let stmt = 'begin';
    if (settings.isolationLevel) stmt += ` isolation level ${settings.isolationLevel}`;
    if (settings.accessMode) stmt += ` ${settings.accessMode}`;
    await c.executeQuery(CompiledQuery.raw(stmt));
    this.session.inTransaction = true;
  }
  async commitTransaction(c: DatabaseConnection): Promise<void> {
    try {
      await c.executeQuery(CompiledQuery.raw('commit'));
    } finally {
      this.session.inTransaction = false;
    }
  }
  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    try {
      await c.executeQuery(CompiledQuery.raw('rollback'));
    } finally {
      this.session.inTransaction = false;
    }
  }
  async savepoint(c: DatabaseConnection, name: string): Promise<void> {
    await c.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdent(name)}`));
  }
  async rollbackToSavepoint(c: DatabaseConnection, name: string): Promise<void> {
    await c.executeQuery(CompiledQuery.raw(`rollback to savepoint ${quoteIdent(name)}`));
  }
  async releaseSavepoint(c: DatabaseConnection, name: string): Promise<void> {
    await c.executeQuery(CompiledQuery.raw(`release savepoint ${quoteIdent(name)}`));
  }
  async destroy(): Promise<void> {
    /* the Connection closes the instance and releases the directory lock */
  }
}

function toResult<R>(r: Results | undefined): QueryResult<R> {
  if (!r) return { rows: [] };
  const rows = r.rows as R[];
  if (r.affectedRows !== undefined && r.affectedRows > 0) {
    const n = BigInt(r.affectedRows);
    return { rows, numAffectedRows: n, numChangedRows: n };
  }
  return { rows };
}

const param = (v: unknown) => (v === undefined ? null : v);

class PgliteConnection implements DatabaseConnection {
  #cursors = 0;
  constructor(private readonly session: PgliteSession) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const lite = await this.session.instance();
    try {
      if (compiled.parameters.length === 0) {
        const results = await lite.exec(compiled.sql);
        return toResult<R>(results[results.length - 1]);
      }
      return toResult<R>(await lite.query(compiled.sql, compiled.parameters.map(param)));
    } catch (e) {
      throw withEngineHint(e, unavailableHint(messageOf(e)));
    }
  }

  /** A server-side cursor, fetched `chunkSize` rows at a time, in a transaction when none is open. */
  async *streamQuery<R>(compiled: CompiledQuery, chunkSize = 1000): AsyncIterableIterator<QueryResult<R>> {
    if (!Number.isInteger(chunkSize) || chunkSize <= 0) throw new Error('chunkSize must be a positive integer');
    const lite = await this.session.instance();
    const own = !this.session.inTransaction;
    const cursor = `eventdb_cursor_${++this.#cursors}`;
    if (own) await lite.exec('begin');
    let ok = false;
    try {
      await lite.query(`declare ${cursor} no scroll cursor for ${compiled.sql}`, compiled.parameters.map(param));
      for (;;) {
        const r = await lite.query<R>(`fetch forward ${chunkSize} from ${cursor}`);
        if (r.rows.length === 0) break;
        yield { rows: r.rows };
        if (r.rows.length < chunkSize) break;
      }
      await lite.exec(`close ${cursor}`);
      ok = true;
    } finally {
      if (own) await lite.exec(ok ? 'commit' : 'rollback').catch(() => undefined);
      else if (!ok) await lite.exec(`close ${cursor}`).catch(() => undefined);
    }
  }
}
