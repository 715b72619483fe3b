import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { EventdbError, messageOf } from '../../errors.js';
import { qualifiedName, quoteIdent } from '../quote.js';
import type { BulkInsertOptions } from '../types.js';
import { isoUtc } from '../../iso-utc.js';

const ESCAPES = /[\\\t\n\r]/g;
const escapeChar = (c: string) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r');

/** One value in COPY text format. */
export function copyText(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? String(v) : v !== v ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 't' : 'f';
    case 'string':
      return ESCAPES.test(v) ? ((ESCAPES.lastIndex = 0), v.replace(ESCAPES, escapeChar)) : v;
    default:
      if (v instanceof Date) return isoUtc(v);
      if (v instanceof Uint8Array) return `\\\\x${Buffer.from(v).toString('hex')}`;
      return copyText(JSON.stringify(v));
  }
}

/** Resolves on `event` or on an error (recorded by the caller's own error listener). */
/** One batch of rows as COPY text lines; throws BULK_INSERT when a row has the wrong number of values. */
export function copyLines(table: string, width: number, batch: unknown[][]): string {
  let text = '';
  for (const row of batch) {
    if (row.length !== width) throw new EventdbError('BULK_INSERT', `a row for ${table} has ${row.length} values for ${width} columns`, 'give one value per column, in the order of the column list');
    let line = copyText(row[0]);
    for (let i = 1; i < width; i++) line += `\t${copyText(row[i])}`;
    text += `${line}\n`;
  }
  return text;
}

function settled(stream: NodeJS.EventEmitter, event: string): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off(event, done);
      stream.off('error', done);
      resolve();
    };
    stream.on(event, done);
    stream.on('error', done);
  });
}

/**
 * COPY … FROM STDIN on one pooled session. Batches are encoded to COPY text and written with
 * back-pressure, so memory stays at about one batch. One COPY is one statement: it loads all rows
 * or none.
 */
export async function bulkInsertPostgres(pool: pg.Pool, table: string, columns: string[], rows: AsyncIterable<unknown[][]>, opts: BulkInsertOptions = {}): Promise<number> {
  const client = await pool.connect();
  let broken = false;
  const name = qualifiedName(table);
  const wrapped = !!(opts.skipTriggers || opts.rebuildIndexes || opts.recheckForeignKeys);
  try {
    let indexes: Array<{ name: string; def: string }> = [];
    let foreignKeys: Array<{ name: string; def: string }> = [];
    if (wrapped) {
      // Transactional DDL: if anything fails (or the process dies) the triggers were never off and
      // the indexes never gone.
      await client.query('begin');
      if (opts.skipTriggers) await client.query(`alter table ${name} disable trigger user`);
      if (opts.rebuildIndexes) {
        const r = await client.query<{ name: string; def: string }>(
          `select quote_ident(n.nspname) || '.' || quote_ident(i.relname) as name, pg_get_indexdef(i.oid) as def
             from pg_index x join pg_class i on i.oid = x.indexrelid join pg_namespace n on n.oid = i.relnamespace
            where x.indrelid = $1::regclass and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)`,
          [name],
        );
        indexes = r.rows;
        for (const i of indexes) await client.query(`drop index ${i.name}`);
      }
      if (opts.recheckForeignKeys) {
        const r = await client.query<{ name: string; def: string }>(
          "select quote_ident(conname) as name, pg_get_constraintdef(oid) as def from pg_constraint where conrelid = $1::regclass and contype = 'f' order by oid",
          [name],
        );
        foreignKeys = r.rows;
        for (const k of foreignKeys) await client.query(`alter table ${name} drop constraint ${k.name}`);
      }
    }
    const sql = `COPY ${name} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`;
    const stream = client.query(copyFrom(sql));
    let failed: unknown;
    stream.on('error', (e) => (failed ??= e));
    const width = columns.length;
    try {
      for await (const batch of rows) {
        if (failed) break;
        const text = copyLines(table, width, batch);
        if (text && !stream.write(text)) await settled(stream, 'drain');
      }
    } catch (e) {
      broken = true;
      stream.destroy(e instanceof Error ? e : new Error(String(e)));
      throw e;
    }
    if (!failed) {
      stream.end();
      await settled(stream, 'finish');
    }
    if (failed) {
      broken = true;
      throw new EventdbError('BULK_INSERT', `loading ${table} failed: ${messageOf(failed)}`, 'no rows of this load were kept (COPY is one statement); fix the data or the schema and run again', { cause: failed });
    }
    if (wrapped) {
      for (const i of indexes) await client.query(i.def);
      // Added back in the load's transaction: each is checked against all rows in one query.
      for (const k of foreignKeys) await client.query(`alter table ${name} add constraint ${k.name} ${k.def}`);
      if (opts.skipTriggers) await client.query(`alter table ${name} enable trigger user`);
      await client.query('commit');
    }
    return Number(stream.rowCount ?? 0);
  } catch (e) {
    if (wrapped && !broken) await client.query('rollback').catch(() => undefined);
    if (e instanceof EventdbError) throw e;
    throw new EventdbError('BULK_INSERT', `loading ${table} failed: ${messageOf(e)}`, 'nothing was loaded; check the table name and your permissions', { cause: e });
  } finally {
    client.release(broken);
  }
}
