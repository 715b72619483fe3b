import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { checkIdentitySequences, DumpFormatError, parseHeader, parseSequences, parseTable, readFrames, type DumpHeader, type DumpTable } from './dump-format.js';
import { copyTarget, tableKey } from './own-dump.js';
import { rowCounts } from '../row-counts.js';

async function runSql(c: pg.Client, statements: string[]): Promise<void> {
  for (const s of statements) await c.query(s);
}

/** Loads an eventdb-pg dump into an empty database; returns the rows each COPY loaded. */
export async function loadOwnDump(c: pg.Client, input: AsyncIterable<Buffer>): Promise<Record<string, number>> {
  const counted = rowCounts();
  await c.query("select pg_catalog.set_config('search_path', '', false)");
  await c.query('set check_function_bodies = off');
  await c.query('begin');
  let header: DumpHeader | undefined;
  let current: { table: DumpTable; copy: NodeJS.WritableStream & { write(b: Buffer): boolean; rowCount?: number }; done: Promise<void> } | undefined;
  let ended = false;
  // Frames are pulled by hand, not with for-await: a failure here must not destroy the download
  // before the caller has aborted it with this error (else the download's "stopped" would be reported).
  const frames = readFrames(input);
  for (;;) {
    const next = await frames.next();
    if (next.done) break;
    const { type, body } = next.value;
    if (type === 'H') {
      header = parseHeader(body);
      await runSql(c, header.preData);
    } else if (type === 'T') {
      if (current) throw new DumpFormatError('a table starts inside another');
      const table = parseTable(body);
      const copy = c.query(copyFrom(`copy ${copyTarget(table.schema, table.name, table.columns)} from stdin`));
      const done = new Promise<void>((resolve, reject) => {
        copy.on('finish', () => resolve());
        copy.on('error', reject);
      });
      // The server may reject a row while later frames are still being written: that error is
      // raised at the next write or table end, never left as an unhandled rejection.
      done.catch(() => undefined);
      current = { table, copy, done };
    } else if (type === 'D') {
      if (!current) throw new DumpFormatError('data outside a table');
      const cur = current;
      if (!cur.copy.write(Buffer.from(body))) await Promise.race([new Promise((r) => cur.copy.once('drain', r)), cur.done]);
    } else if (type === 'E') {
      if (!current) throw new DumpFormatError('a table end outside a table');
      current.copy.end();
      await current.done;
      counted[tableKey(current.table.schema, current.table.name)] = current.copy.rowCount ?? 0;
      current = undefined;
    } else if (type === 'S') {
      const sequences = parseSequences(body);
      // An older dump whose identity sequence lost its name: said as such, not as the server's "relation … does not exist".
      if (header) checkIdentitySequences(header, sequences);
      for (const s of sequences) {
        await c.query(`select pg_catalog.setval($1, $2::bigint, $3)`, [s.name, s.value, s.called]);
      }
    } else if (type === 'Z') {
      ended = true;
    }
  }
  if (!header || !ended || current) throw new DumpFormatError('the dump is incomplete');
  await runSql(c, header.postData);
  await c.query('commit');
  return counted;
}
