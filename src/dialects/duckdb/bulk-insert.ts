import {
  DuckDBDataChunk,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  VARCHAR,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBDecimalType,
  type DuckDBInstance,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { EventdbError, messageOf } from '../../errors.js';
import { quoteIdent } from '../quote.js';

/** DuckDB's vector size: one data chunk holds at most this many rows. */
const CHUNK_ROWS = 2048;
/** Through a staging table (column subsets), move rows to the target about this often. */
const STAGE_ROWS = 100_000;

type Convert = (v: unknown) => DuckDBValue;

const NAIVE_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

function millis(v: unknown): number {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return v;
  const s = String(v);
  const ms = Date.parse(NAIVE_TIMESTAMP.test(s) ? `${s.replace(' ', 'T')}Z` : s);
  if (Number.isNaN(ms)) throw new EventdbError('BULK_INSERT', `"${s}" is not a timestamp`, 'give timestamps as Date objects or ISO 8601 strings');
  return ms;
}

/** Microseconds since the epoch: one BigInt per value while ms × 1000 is an exact double (years -2255 to 2255), two beyond. */
function micros(v: unknown): bigint {
  const ms = Math.round(millis(v));
  return Math.abs(ms) < 9_000_000_000_000 ? BigInt(ms * 1000) : BigInt(ms) * 1000n;
}

function toText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function toBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return v != 0;
  return /^(t|true|1|y|yes|on)$/i.test(String(v).trim());
}

/**
 * The chunk type and a converter for one column. Common types are written natively into the
 * vector (no per-value cast); anything else travels as VARCHAR and DuckDB casts it on append.
 */
function columnWriter(type: DuckDBType): { type: DuckDBType; convert: Convert } {
  const nn = (f: (v: unknown) => DuckDBValue): Convert => (v) => (v === null || v === undefined ? null : f(v));
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return { type, convert: nn(toBool) };
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return { type, convert: nn((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : Number(v))) };
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
      return { type, convert: nn((v) => (typeof v === 'bigint' ? v : BigInt(typeof v === 'number' ? Math.trunc(v) : typeof v === 'boolean' ? Number(v) : String(v)))) };
    case DuckDBTypeId.VARCHAR:
      return { type, convert: nn(toText) };
    case DuckDBTypeId.TIMESTAMP:
      return { type, convert: nn((v) => new DuckDBTimestampValue(micros(v))) };
    case DuckDBTypeId.TIMESTAMP_TZ:
      return { type, convert: nn((v) => new DuckDBTimestampTZValue(micros(v))) };
    case DuckDBTypeId.DATE:
      return { type, convert: nn((v) => new DuckDBDateValue(Math.floor(millis(v) / 86_400_000))) };
    case DuckDBTypeId.DECIMAL: {
      const { width, scale } = type as DuckDBDecimalType;
      const factor = 10 ** scale;
      return { type, convert: nn((v) => new DuckDBDecimalValue(BigInt(Math.round(Number(v) * factor)), width, scale)) };
    }
    default:
      return { type: VARCHAR, convert: nn(toText) };
  }
}

async function tableColumns(conn: DuckDBConnection, schema: string, table: string): Promise<string[]> {
  const r = await conn.runAndReadAll(
    'select column_name from information_schema.columns where table_catalog = current_database() and table_schema = $1 and table_name = $2 order by ordinal_position',
    [schema, table],
  );
  return r.getRows().map((x) => String(x[0]));
}

/**
 * DuckDB's appender, fed whole data chunks (2048 rows) with values written straight into the
 * vectors. The appender always fills every column of its table: when the caller names all of them
 * (any order) rows go straight in; for a subset they go through a temporary staging table and
 * `INSERT … SELECT`, so defaults apply to the columns left out. One transaction: all rows or none.
 */
export async function bulkInsertDuckdb(instance: Pick<DuckDBInstance, 'connect'>, table: string, columns: string[], rows: AsyncIterable<unknown[][]>): Promise<number> {
  const [schema, name] = table.includes('.') ? (table.split('.', 2) as [string, string]) : ['main', table];
  const conn = await instance.connect();
  let appender: DuckDBAppender | undefined;
  let staging: string | undefined;
  let inTx = false;
  try {
    const all = await tableColumns(conn, schema, name);
    if (!all.length) throw new EventdbError('BULK_INSERT', `table ${table} does not exist`, 'run `eventdb migrate up` first, or check the table name');
    const unknown = columns.filter((c) => !all.includes(c));
    if (unknown.length) throw new EventdbError('BULK_INSERT', `table ${table} has no column ${unknown.map((c) => `"${c}"`).join(', ')}`, `its columns are: ${all.join(', ')}`);
    await conn.run('begin transaction');
    inTx = true;
    const direct = columns.length === all.length && new Set(columns).size === all.length;
    // order[i] = index in the caller's row of the appender's i-th column
    let order: number[];
    if (direct) {
      order = all.map((c) => columns.indexOf(c));
      appender = await conn.createAppender(name, schema);
    } else {
      staging = `__eventdb_bulk_${process.pid}_${Date.now()}`;
      const cols = columns.map(quoteIdent).join(', ');
      await conn.run(`create temp table ${quoteIdent(staging)} as select ${cols} from ${quoteIdent(schema)}.${quoteIdent(name)} limit 0`);
      order = columns.map((_, i) => i);
      appender = await conn.createAppender(staging, 'main', 'temp');
    }
    const writers = order.map((_, i) => columnWriter(appender!.columnType(i)));
    const types = writers.map((w) => w.type);
    const width = columns.length;
    let total = 0;
    let staged = 0;
    const moveStaged = async () => {
      appender!.flushSync();
      await conn.run(`insert into ${quoteIdent(schema)}.${quoteIdent(name)} (${columns.map(quoteIdent).join(', ')}) select * from ${quoteIdent(staging!)}`);
      await conn.run(`delete from ${quoteIdent(staging!)}`);
      staged = 0;
    };
    // One chunk, reused (the appender copies what it is given), rather than a new native chunk per
    // 2048 rows left for the garbage collector to free.
    const chunk = DuckDBDataChunk.create(types);
    for await (const batch of rows) {
      for (let start = 0; start < batch.length; start += CHUNK_ROWS) {
        const n = Math.min(CHUNK_ROWS, batch.length - start);
        for (let r = start; r < start + n; r++) {
          const row = batch[r]!;
          if (row.length !== width) throw new EventdbError('BULK_INSERT', `a row for ${table} has ${row.length} values for ${width} columns`, 'give one value per column, in the order of the column list');
        }
        chunk.reset();
        chunk.rowCount = n;
        for (let c = 0; c < order.length; c++) {
          const vector = chunk.getColumnVector(c);
          const { convert } = writers[c]!;
          const from = order[c]!;
          for (let r = 0; r < n; r++) vector.setItem(r, convert(batch[start + r]![from]));
          vector.flush();
        }
        appender.appendDataChunk(chunk);
        total += n;
        staged += n;
      }
      if (staging && staged >= STAGE_ROWS) await moveStaged();
    }
    if (staging) await moveStaged();
    appender.closeSync();
    appender = undefined;
    await conn.run('commit');
    inTx = false;
    return total;
  } catch (e) {
    try {
      appender?.closeSync();
    } catch {
      /* the original error is the one to report */
    }
    appender = undefined;
    if (inTx) await conn.run('rollback').catch(() => undefined);
    if (e instanceof EventdbError) throw e;
    throw new EventdbError('BULK_INSERT', `loading ${table} failed: ${messageOf(e)}`, 'nothing was loaded (the load was rolled back); fix the data or the schema and run again', { cause: e });
  } finally {
    if (staging) await conn.run(`drop table if exists ${quoteIdent(staging)}`).catch(() => undefined);
    conn.closeSync();
  }
}
