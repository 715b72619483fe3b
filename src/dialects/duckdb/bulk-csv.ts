import type { DuckDBInstance } from '@duckdb/node-api';
import { EventdbError, messageOf } from '../../errors.js';
import { quoteIdent } from '../quote.js';
import { mark } from '../../trace.js';

const quoteLiteral = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** The CSV of Connection.bulkLoadCsv, spelled out for DuckDB's reader (nothing left to detection). */
const CSV_OPTIONS = "header = false, auto_detect = false, delim = ',', quote = '\"', escape = '\"', new_line = '\\n', nullstr = '', allow_quoted_nulls = false";

/** Per instance: loads running now, and its `threads` setting from before the first of them. */
const running = new WeakMap<object, { loads: number; threads: number; ready: Promise<void> }>();

/**
 * How one column is read from the file (`read`: the type read_csv gives it) and what is inserted
 * (`value`). Timestamps come as milliseconds since the epoch: make_timestamptz takes microseconds
 * as an instant (whatever the session's TimeZone), make_timestamp as UTC wall-clock time, as the
 * appender stores them.
 */
function fieldOf(column: string, type: string): { read: string; value: string } {
  const ref = quoteIdent(column);
  if (type === 'TIMESTAMP WITH TIME ZONE') return { read: 'BIGINT', value: `make_timestamptz(${ref} * 1000)` };
  if (type === 'TIMESTAMP') return { read: 'BIGINT', value: `make_timestamp(${ref} * 1000)` };
  if (type === 'DATE' || type.startsWith('TIMESTAMP_')) return { read: 'BIGINT', value: `cast(make_timestamp(${ref} * 1000) as ${type})` };
  return { read: type, value: ref };
}

/**
 * Loads CSV files (the format of Connection.bulkLoadCsv) with `INSERT … SELECT … FROM read_csv(…)`:
 * DuckDB parses and converts in C++ (no value crosses into JavaScript), the columns typed as the
 * table's. One transaction: every file's rows or none. Files are read while the caller's iterator is
 * suspended on them, not deleted here. While it runs, the instance uses one thread (see below).
 */
export async function bulkLoadCsvDuckdb(instance: Pick<DuckDBInstance, 'connect'>, table: string, columns: string[], files: AsyncIterable<string>): Promise<number> {
  const [schema, name] = table.includes('.') ? (table.split('.', 2) as [string, string]) : ['main', table];
  const conn = await instance.connect();
  let inTx = false;
  let counted = false;
  try {
    const r = await conn.runAndReadAll(
      'select column_name, data_type from information_schema.columns where table_catalog = current_database() and table_schema = $1 and table_name = $2',
      [schema, name],
    );
    const types = new Map(r.getRows().map((x) => [String(x[0]), String(x[1])]));
    if (!types.size) throw new EventdbError('BULK_INSERT', `table ${table} does not exist`, 'run `eventdb migrate up` first, or check the table name');
    const unknown = columns.filter((c) => !types.has(c));
    if (unknown.length) throw new EventdbError('BULK_INSERT', `table ${table} has no column ${unknown.map((c) => `"${c}"`).join(', ')}`, `its columns are: ${[...types.keys()].join(', ')}`);
    const fields = columns.map((c) => fieldOf(c, types.get(c)!));
    const typed = fields.map((f, i) => `${quoteLiteral(columns[i]!)}: ${quoteLiteral(f.read)}`).join(', ');
    const select = fields.map((f) => f.value).join(', ');
    const target = `${quoteIdent(schema)}.${quoteIdent(name)} (${columns.map(quoteIdent).join(', ')})`;
    // One DuckDB thread per load: the seed's worker thread is busy on another core, and DuckDB's
    // parallel CSV pipeline, short of cores, costs more than it saves (load --scale 3: CPU 8.3 s →
    // 5.9 s, wall 7–9 s → 4.6–6.1 s on two busy cores). Two loads side by side still use two cores
    // (each runs on its own connection's thread). `threads` is the instance's: the last load to
    // finish puts it back.
    let shared = running.get(instance);
    if (shared) shared.loads++;
    else {
      const entry = { loads: 1, threads: 0, ready: Promise.resolve() };
      entry.ready = (async () => {
        entry.threads = Number((await conn.runAndReadAll("select current_setting('threads')")).getRows()[0]?.[0]);
        if (entry.threads > 1) await conn.run('set threads = 1');
      })();
      running.set(instance, (shared = entry));
    }
    counted = true;
    await shared.ready;
    await conn.run('begin transaction');
    inTx = true;
    let total = 0;
    for await (const file of files) {
      const done = await conn.run(`insert into ${target} select ${select} from read_csv(${quoteLiteral(file)}, ${CSV_OPTIONS}, columns = {${typed}})`);
      total += Number(done.rowsChanged);
    }
    // DuckDB merges the transaction's rows into the table's indexes at commit, one commit at a time
    // (load --scale 3: registrations 0.5–0.8 s), so EVENTDB_TRACE marks when each one starts.
    mark(`duckdb: ${table} commit`);
    await conn.run('commit');
    inTx = false;
    return total;
  } catch (e) {
    if (inTx) await conn.run('rollback').catch(() => undefined);
    if (e instanceof EventdbError) throw e;
    throw new EventdbError('BULK_INSERT', `loading ${table} failed: ${messageOf(e)}`, 'nothing was loaded (the load was rolled back); fix the data or the schema and run again', { cause: e });
  } finally {
    const shared = running.get(instance);
    if (counted && shared && --shared.loads === 0) {
      running.delete(instance);
      if (shared.threads > 1) await conn.run(`set threads = ${shared.threads}`).catch(() => undefined);
    }
    conn.closeSync();
  }
}
