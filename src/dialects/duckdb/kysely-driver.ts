import { DuckDBConnection, DuckDBInstance, JSDuckDBValueConverter, ResultReturnType, blobValue, listValue, type DuckDBValue } from '@duckdb/node-api';
import {
  CompiledQuery,
  sql,
  PostgresAdapter,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely';

/**
 * A small Kysely dialect over @duckdb/node-api. Written here rather than taken from `kysely-duckdb`
 * (0.4.0), which decides SELECT vs. DML by looking for a lone `count` column — so
 * `select count(*) as count` came back as an empty DML result — and returns DATE/TIMESTAMP values in
 * the process's local time zone. This one uses DuckDB's own result type and converts values with
 * @duckdb/node-api's JS converter (UTC dates, bigint narrowed to number when exact).
 *
 * DuckDB SQL is PostgreSQL-flavoured: `$1` parameters, double-quoted identifiers, RETURNING and
 * transactional DDL, so Kysely's PostgreSQL compiler and adapter fit.
 */
export class DuckDbDialect implements Dialect {
  constructor(private readonly instance: Pick<DuckDBInstance, 'connect'>) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new DuckDbDriver(this.instance);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new DuckDbIntrospector(db);
  }
}

class DuckDbDriver implements Driver {
  #conn?: DuckDbKyselyConnection;
  #queue: Array<() => void> = [];
  #busy = false;
  constructor(private readonly instance: Pick<DuckDBInstance, 'connect'>) {}

  async init(): Promise<void> {
    this.#conn = new DuckDbKyselyConnection(await this.instance.connect());
  }

  /** One connection, handed out one user at a time (as Kysely's SQLite driver does). */
  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#busy) await new Promise<void>((r) => this.#queue.push(r));
    this.#busy = true;
    return this.#conn!;
  }
  async releaseConnection(): Promise<void> {
    const next = this.#queue.shift();
    if (next) next();
    else this.#busy = false;
  }
  async beginTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('BEGIN TRANSACTION'));
  }
  async commitTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('COMMIT'));
  }
  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('ROLLBACK'));
  }
  async destroy(): Promise<void> {
    this.#conn?.close();
  }
}

export function toDuckValue(v: unknown): DuckDBValue {
  if (v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  // Bytes as a BLOB: as UTF-8 text, bytes that are not UTF-8 were lost or refused.
  if (v instanceof Uint8Array) return blobValue(v);
  // A list goes as JSON text, which DuckDB casts to the column's list (a JSON list's elements too), unless
  // that text would change it: DuckDB's list syntax reads JSON's escapes its own way (`"a\nb"` became
  // `anb`), and JSON has no bytes or bigint. Such a list goes as a typed DuckDB list.
  if (Array.isArray(v)) return (needsTypedList(v) ? listOf(v) : undefined) ?? JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return v as DuckDBValue;
}

/** Whether a list holds bytes, a bigint or a string JSON would escape (a quote, a backslash, a control character), at any depth. */
function needsTypedList(v: readonly unknown[]): boolean {
  return v.some((x) => (Array.isArray(x) ? needsTypedList(x) : x instanceof Uint8Array || typeof x === 'bigint' || (typeof x === 'string' && JSON.stringify(x).length !== x.length + 2)));
}

/**
 * A JS array as a DuckDB list value, its type inferred from its elements; undefined when DuckDB could not
 * type it (empty, only NULLs, mixed kinds) or it holds objects (JSON, as before): then it goes as JSON text.
 */
function listOf(v: readonly unknown[]): DuckDBValue | undefined {
  const kinds = new Set<string>();
  const items: DuckDBValue[] = [];
  for (const x of v) {
    // What DuckDB infers the element's type from; NULLs infer nothing. An object is JSON: the list goes as text.
    const kind = x === null || x === undefined ? undefined : Array.isArray(x) ? 'list' : x instanceof Date ? 'string' : x instanceof Uint8Array ? 'blob' : typeof x;
    if (kind === 'object' || kind === 'function' || kind === 'symbol') return undefined;
    const item = kind === 'list' ? listOf(x as unknown[]) : toDuckValue(x);
    if (item === undefined) return undefined;
    if (kind) kinds.add(kind);
    items.push(item);
  }
  return kinds.size === 1 ? listValue(items) : undefined;
}

export function fromDuckValue(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(fromDuckValue);
  if (v && typeof v === 'object' && !(v instanceof Date) && !(v instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = fromDuckValue(x);
    return out;
  }
  return v;
}

class DuckDbKyselyConnection implements DatabaseConnection {
  constructor(readonly native: DuckDBConnection) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const params = compiled.parameters.map(toDuckValue);
    const result = await this.native.run(compiled.sql, params.length ? params : undefined);
    if (result.returnType === ResultReturnType.QUERY_RESULT) {
      const rows = (await result.getRowObjectsJS()).map((r) => fromDuckValue(r) as R);
      return { rows };
    }
    if (result.returnType === ResultReturnType.CHANGED_ROWS) {
      const n = BigInt(result.rowsChanged);
      return { rows: [], numAffectedRows: n, numChangedRows: n };
    }
    return { rows: [] };
  }

  async *streamQuery<R>(compiled: CompiledQuery, chunkSize = 1000): AsyncIterableIterator<QueryResult<R>> {
    const params = compiled.parameters.map(toDuckValue);
    const result = await this.native.stream(compiled.sql, params.length ? params : undefined);
    const names = result.deduplicatedColumnNames();
    let batch: R[] = [];
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      for (const values of chunk.convertRows(JSDuckDBValueConverter)) {
        const row: Record<string, unknown> = {};
        names.forEach((n, i) => (row[n] = fromDuckValue(values[i])));
        batch.push(row as R);
        if (batch.length >= chunkSize) {
          yield { rows: batch };
          batch = [];
        }
      }
    }
    if (batch.length) yield { rows: batch };
  }

  close(): void {
    this.native.closeSync();
  }
}

class DuckDbIntrospector implements DatabaseIntrospector {
  constructor(private readonly db: Kysely<any>) {}
  async getSchemas(): Promise<SchemaMetadata[]> {
    const r = await this.db.selectFrom('information_schema.schemata').select('schema_name').where('catalog_name', '=', sql<string>`current_database()`).execute();
    return r.map((x) => ({ name: String(x.schema_name) }));
  }
  async getTables(): Promise<TableMetadata[]> {
    const rows = await this.db
      .selectFrom('information_schema.columns')
      .select(['table_schema', 'table_name', 'column_name', 'data_type', 'is_nullable', 'column_default'])
      .where('table_catalog', '=', sql<string>`current_database()`)
      .where('table_schema', '=', 'main')
      .orderBy('table_name')
      .orderBy('ordinal_position')
      .execute();
    const tables = new Map<string, TableMetadata>();
    for (const r of rows) {
      const name = String(r.table_name);
      let t = tables.get(name);
      if (!t) tables.set(name, (t = { name, schema: String(r.table_schema), isView: false, columns: [] }));
      (t.columns as unknown[]).push({
        name: String(r.column_name),
        dataType: String(r.data_type),
        isNullable: r.is_nullable === 'YES',
        isAutoIncrementing: String(r.column_default ?? '').startsWith('nextval('),
        hasDefaultValue: r.column_default != null,
      });
    }
    return [...tables.values()];
  }
  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}
