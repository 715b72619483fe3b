import type Database from 'better-sqlite3';
import { EventdbError, messageOf } from '../../errors.js';
import { qualifiedName, quoteIdent } from '../quote.js';
import { BIGINT, NUMBER, TEXT, type BoundBatch, type BulkInsertOptions } from '../types.js';
import { isoUtc } from '../../iso-utc.js';

/** SQLite's default limit on bound parameters per statement (3.32+). */
const MAX_PARAMS = 32_766;
/** Rows per multi-row INSERT: fewer native calls, bounded by the parameter limit. */
const ROWS_PER_STATEMENT = 256;
/** Page cache during a load, in KiB (SQLite allocates it only as pages are touched). */
const LOAD_CACHE_KIB = 32_768;

/**
 * For a load into an empty table (`rebuildIndexes`, in its own transaction) on a WAL file: SQLite's
 * rollback journal instead of the WAL for that transaction. Pages appended past the file's old end
 * need no journal entry, so the rows are written once, into the file, instead of twice (the WAL, then
 * the checkpoint) — seed --profile load on SQLite spent ~12% of its engine time there. It stays
 * crash-safe: synchronous=FULL meanwhile, and a crash leaves a hot journal that rolls the load back
 * on the next open. When another connection has the file open the switch is refused (no waiting)
 * and the WAL is kept. Returns the undo, or undefined when nothing was switched.
 */
function useRollbackJournal(raw: Database.Database): (() => void) | undefined {
  if (raw.memory || raw.readonly || String(raw.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') return undefined;
  const sync = raw.pragma('synchronous', { simple: true }) as number;
  const busy = raw.pragma('busy_timeout', { simple: true }) as number;
  raw.pragma('busy_timeout = 0');
  try {
    if (String(raw.pragma('journal_mode = DELETE', { simple: true })).toLowerCase() !== 'delete') return undefined;
  } catch {
    return undefined; // SQLITE_BUSY: another connection has the file open; keep the WAL
  } finally {
    raw.pragma(`busy_timeout = ${busy}`);
  }
  raw.pragma('synchronous = FULL');
  return () => {
    try {
      raw.pragma('journal_mode = WAL');
      raw.pragma(`synchronous = ${sync}`);
    } catch {
      /* the file stays in rollback-journal mode, still consistent; the next connection sets WAL again */
    }
  };
}

function sqliteValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return isoUtc(v);
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) return JSON.stringify(v);
  return v;
}

/** The multi-row INSERT statements for `columns`, one per row count, prepared as they are first needed. */
function statements(raw: Database.Database, table: string, columns: string[]): { perStatement: number; statementFor: (n: number) => Database.Statement } {
  const width = columns.length;
  if (width === 0) throw new EventdbError('BULK_INSERT', `no columns given for ${table}`, 'name at least one column');
  const perStatement = Math.max(1, Math.min(ROWS_PER_STATEMENT, Math.floor(MAX_PARAMS / width)));
  const head = `INSERT INTO ${qualifiedName(table)} (${columns.map(quoteIdent).join(', ')}) VALUES `;
  const tuple = `(${new Array(width).fill('?').join(', ')})`;
  const prepared = new Map<number, Database.Statement>();
  const statementFor = (n: number) => {
    let s = prepared.get(n);
    if (!s) prepared.set(n, (s = raw.prepare(head + new Array(n).fill(tuple).join(', '))));
    return s;
  };
  return { perStatement, statementFor };
}

/**
 * Prepared multi-row INSERTs in one transaction on the better-sqlite3 handle: the load commits or
 * rolls back whole (inside a caller's open transaction the rows join it instead). Values are bound,
 * never concatenated. Dirty pages spill to the WAL, so memory stays bounded by SQLite's page cache.
 */
export async function bulkInsertSqlite(raw: Database.Database, table: string, columns: string[], rows: AsyncIterable<unknown[][]>, opts: BulkInsertOptions = {}): Promise<number> {
  const width = columns.length;
  const { perStatement, statementFor } = statements(raw, table, columns);
  const params: unknown[] = new Array(perStatement * width);
  const insert = (batch: unknown[][]): number => {
    for (let start = 0; start < batch.length; start += perStatement) {
      const n = Math.min(perStatement, batch.length - start);
      const p = n === perStatement ? params : new Array(n * width);
      let k = 0;
      for (let r = start; r < start + n; r++) {
        const row = batch[r]!;
        if (row.length !== width) throw new EventdbError('BULK_INSERT', `a row for ${table} has ${row.length} values for ${width} columns`, 'give one value per column, in the order of the column list');
        for (let c = 0; c < width; c++) p[k++] = sqliteValue(row[c]);
      }
      statementFor(n).run(p);
    }
    return batch.length;
  };
  return load(raw, table, opts, rows, insert);
}

/**
 * bulkInsertSqlite for rows handed over ready to bind (Connection.bulkInsertBound): this thread only
 * takes each value out of the batch into the statement's parameters (a number as it is, a text as a
 * slice of the batch's one string).
 */
export async function bulkInsertBoundSqlite(raw: Database.Database, table: string, columns: string[], batches: AsyncIterable<BoundBatch>, opts: BulkInsertOptions = {}): Promise<number> {
  const width = columns.length;
  const { perStatement, statementFor } = statements(raw, table, columns);
  const params: unknown[] = new Array(perStatement * width);
  const insert = (b: BoundBatch): number => {
    if (!b.rows) return 0;
    if (b.width !== width) throw new EventdbError('BULK_INSERT', `a row for ${table} has ${b.width} values for ${width} columns`, 'give one value per column, in the order of the column list');
    const { kinds, nums, ends, text } = b;
    let k = 0;
    let from = 0;
    for (let start = 0; start < b.rows; start += perStatement) {
      const n = Math.min(perStatement, b.rows - start);
      const p = n === perStatement ? params : new Array(n * width);
      for (let j = 0; j < n * width; j++, k++) {
        const to = ends[k]!;
        const kind = kinds[k];
        p[j] = kind === NUMBER ? nums[k] : kind === TEXT ? text.slice(from, to) : kind === BIGINT ? BigInt(text.slice(from, to)) : null;
        from = to;
      }
      statementFor(n).run(p);
    }
    return b.rows;
  };
  return load(raw, table, opts, batches, insert);
}

/**
 * One load's transaction around draining `batches` through `insert` (which inserts one batch and
 * returns its row count, 0 for an empty batch): triggers dropped for it and indexes rebuilt after it
 * when asked, a larger page cache, the rollback journal for a load into an empty table; commits and
 * returns the rows inserted, or rolls back and throws BULK_INSERT.
 */
async function load<B>(raw: Database.Database, table: string, opts: BulkInsertOptions, batches: AsyncIterable<B>, insert: (batch: B) => number): Promise<number> {
  // Inside a caller's transaction, the caller commits; otherwise we open and commit our own.
  const outer = raw.inTransaction;
  // SQLite cannot switch a trigger off: drop the table's triggers inside the load's transaction and
  // re-create them from their own SQL before it commits (or the rollback brings them back).
  const triggers = opts.skipTriggers
    ? (raw.prepare("select name, sql from sqlite_schema where type = 'trigger' and tbl_name = ?").all(table) as Array<{ name: string; sql: string }>)
    : [];
  // Indexes from CREATE INDEX (those backing PRIMARY KEY/UNIQUE constraints have no SQL and stay).
  const indexes = opts.rebuildIndexes
    ? (raw.prepare("select name, sql from sqlite_schema where type = 'index' and tbl_name = ? and sql is not null").all(table) as Array<{ name: string; sql: string }>)
    : [];
  // A larger page cache for the load: index inserts in key order the data does not share (a unique
  // index on lower(email), a (user, event) key) otherwise thrash the default 2 MB cache.
  const cacheBefore = raw.pragma('cache_size', { simple: true }) as number;
  if (cacheBefore > -LOAD_CACHE_KIB && cacheBefore < LOAD_CACHE_KIB / 4) raw.pragma(`cache_size = -${LOAD_CACHE_KIB}`);
  const journal = !outer && opts.rebuildIndexes ? useRollbackJournal(raw) : undefined;
  try {
    if (!outer) raw.exec('BEGIN');
    for (const t of triggers) raw.exec(`DROP TRIGGER ${quoteIdent(t.name)}`);
    for (const i of indexes) raw.exec(`DROP INDEX ${quoteIdent(i.name)}`);
    let total = 0;
    for await (const batch of batches) total += insert(batch);
    for (const i of indexes) raw.exec(i.sql);
    for (const t of triggers) raw.exec(t.sql);
    if (!outer) raw.exec('COMMIT');
    return total;
  } catch (e) {
    if (!outer && raw.inTransaction) raw.exec('ROLLBACK');
    if (e instanceof EventdbError) throw e;
    throw new EventdbError('BULK_INSERT', `loading ${table} failed: ${messageOf(e)}`, 'nothing was loaded (the load was rolled back); fix the data or the schema and run again', { cause: e });
  } finally {
    raw.pragma(`cache_size = ${cacheBefore}`);
    journal?.();
  }
}
