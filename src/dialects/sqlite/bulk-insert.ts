import type Database from 'better-sqlite3';
import { EventdbError, messageOf } from '../../errors.js';
import { qualifiedName, quoteIdent } from '../quote.js';
import type { BulkInsertOptions } from '../types.js';
import { isoUtc } from '../postgres/bulk-insert.js';

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

/**
 * Prepared multi-row INSERTs in one transaction on the better-sqlite3 handle: the load commits or
 * rolls back whole (inside a caller's open transaction the rows join it instead). Values are bound,
 * never concatenated. Dirty pages spill to the WAL, so memory stays bounded by SQLite's page cache.
 */
export async function bulkInsertSqlite(raw: Database.Database, table: string, columns: string[], rows: AsyncIterable<unknown[][]>, opts: BulkInsertOptions = {}): Promise<number> {
  const width = columns.length;
  if (width === 0) throw new EventdbError('BULK_INSERT', `no columns given for ${table}`, 'name at least one column');
  const perStatement = Math.max(1, Math.min(ROWS_PER_STATEMENT, Math.floor(MAX_PARAMS / width)));
  const head = `INSERT INTO ${qualifiedName(table)} (${columns.map(quoteIdent).join(', ')}) VALUES `;
  const tuple = `(${new Array(width).fill('?').join(', ')})`;
  const statements = new Map<number, Database.Statement>();
  const statementFor = (n: number) => {
    let s = statements.get(n);
    if (!s) statements.set(n, (s = raw.prepare(head + new Array(n).fill(tuple).join(', '))));
    return s;
  };
  const params: unknown[] = new Array(perStatement * width);
  let total = 0;
  const insert = (batch: unknown[][]) => {
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
  };
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
    for await (const batch of rows) {
      if (!batch.length) continue;
      insert(batch);
      total += batch.length;
    }
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
