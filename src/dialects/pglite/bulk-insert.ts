import { EventdbError, messageOf } from '../../errors.js';
import { copyLines } from '../postgres/bulk-insert.js';
import { qualifiedName, quoteIdent } from '../quote.js';
import type { PgliteSession } from './session.js';
import type { BulkInsertOptions } from '../types.js';

/** How much COPY text to gather before handing it to PGlite as one `/dev/blob` COPY. */
export const CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * PostgreSQL COPY on PGlite. PGlite has no COPY … FROM STDIN (the wire-protocol copy-in kills the
 * WASM instance); it reads COPY input from a Blob attached to the query as `/dev/blob`. Rows are
 * encoded exactly as the server dialect encodes them (COPY text format), gathered into chunks of
 * about CHUNK_BYTES and loaded one COPY per chunk, so memory stays at about one chunk. The session
 * is held only while a chunk loads, so the row source may itself query the database. As the
 * Connection contract says, the load is not atomic across chunks.
 */
export async function bulkInsertPglite(session: PgliteSession, table: string, columns: string[], rows: AsyncIterable<unknown[][]>, opts: BulkInsertOptions = {}): Promise<number> {
  const sql = `COPY ${qualifiedName(table)} (${columns.map(quoteIdent).join(', ')}) FROM '/dev/blob'`;
  const width = columns.length;
  let parts: string[] = [];
  let size = 0;
  let total = 0;
  const flush = async () => {
    if (size === 0) return;
    const blob = new Blob(parts);
    parts = [];
    size = 0;
    try {
      const r = opts.skipTriggers
        ? // Triggers off for this chunk's transaction only (transactional DDL: never left off).
          await session.run((lite) =>
            lite.transaction(async (tx) => {
              await tx.exec(`alter table ${qualifiedName(table)} disable trigger user`);
              const res = await tx.query(sql, [], { blob });
              await tx.exec(`alter table ${qualifiedName(table)} enable trigger user`);
              return res;
            }),
          )
        : await session.run((lite) => lite.query(sql, [], { blob }));
      total += r.affectedRows ?? 0;
    } catch (e) {
      throw new EventdbError(
        'BULK_INSERT',
        `loading ${table} failed: ${messageOf(e)}`,
        total ? `the ${total} rows loaded before the failing chunk were kept; fix the data or the schema and run again` : 'no rows of this load were kept; fix the data or the schema and run again',
        { cause: e },
      );
    }
  };
  for await (const batch of rows) {
    const text = copyLines(table, width, batch);
    if (text) {
      parts.push(text);
      size += text.length;
    }
    if (size >= CHUNK_BYTES) await flush();
  }
  await flush();
  return total;
}
