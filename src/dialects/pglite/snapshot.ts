import type { PGlite } from '@electric-sql/pglite';
import { createReadStream } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { EventdbError, messageOf } from '../../errors.js';
import type { SnapshotEngine } from '../types.js';
import { DumpFormatError, parseHeader, parseSequences, parseTable, readFrames, type DumpHeader, type DumpTable } from '../postgres/dump-format.js';
import { copyTarget, countAll, listTables, writeOwnDump, type CopyOut } from '../postgres/own-dump.js';
import { quoteIdent as qi } from '../quote.js';
import { createdExtension } from '../postgres/created-extension.js';
import { checkDumpFile } from '../postgres/check-dump.js';
import { pgTargetAge } from '../postgres/target-age.js';
import type { PgliteConnection } from './index.js';
import { rowCounts } from '../row-counts.js';

/**
 * Backup and restore of a PGlite database in eventdb's own logical dump format (`eventdb-pg`) — the
 * same schema reader, frames and row counting as the server dialect, so a snapshot moves PGlite →
 * server → PGlite. Only the data path differs: PGlite has no COPY over the wire protocol, so tables
 * are copied to and from `/dev/blob` (one table's COPY text in memory at a time).
 */

/** The server dialect's catalog readers take a pg client; this gives them the PGlite session. */
function asClient(lite: PGlite): pg.Client {
  return {
    query: async (text: string, params?: unknown[]) => {
      const r = await lite.query(text, params as unknown[]);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
  } as unknown as pg.Client;
}

const FRAME_BYTES = 1 << 20;

/** A table's COPY text through `/dev/blob` (PGlite has no COPY over its protocol): one table in memory at a time. */
const copyThroughBlob = (lite: PGlite): CopyOut =>
  async function* (copySql) {
    const r = await lite.query(`${copySql} to '/dev/blob'`);
    if (r.blob) yield new Uint8Array(await r.blob.arrayBuffer());
  };

/** The header of an eventdb-pg dump file (its first frame), or undefined when it has none. */
async function dumpHeader(file: string): Promise<DumpHeader | undefined> {
  for await (const { type, body } of readFrames(createReadStream(file, { highWaterMark: 1 << 16 }) as AsyncIterable<Buffer>)) return type === 'H' ? parseHeader(body) : undefined;
  return undefined;
}

/** Loads an eventdb-pg dump into the open transaction. */
async function load(lite: PGlite, file: string): Promise<void> {
  let header: DumpHeader | undefined;
  let table: DumpTable | undefined;
  let parts: Buffer[] = [];
  let size = 0;
  let ended = false;
  const flush = async () => {
    if (!table || size === 0) return;
    const all = Buffer.concat(parts, size);
    const cut = all.lastIndexOf(10) + 1; // whole rows only; the rest waits for the next frame
    parts = cut < all.length ? [all.subarray(cut)] : [];
    size = all.length - cut;
    if (cut === 0) return;
    await lite.query(`copy ${copyTarget(table.schema, table.name, table.columns)} from '/dev/blob'`, [], { blob: new Blob([all.subarray(0, cut)]) });
  };
  for await (const { type, body } of readFrames(createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>)) {
    if (type === 'H') {
      header = parseHeader(body);
      for (const s of header.preData) await lite.exec(s);
    } else if (type === 'T') {
      table = parseTable(body);
    } else if (type === 'D') {
      if (!table) throw new DumpFormatError('data outside a table');
      parts.push(Buffer.from(body));
      size += body.length;
      if (size >= 8 * FRAME_BYTES) await flush();
    } else if (type === 'E') {
      if (!table) throw new DumpFormatError('a table end outside a table');
      await flush();
      if (size > 0) throw new Error(`the data of ${table.name} does not end with a complete row`);
      table = undefined;
    } else if (type === 'S') {
      for (const s of parseSequences(body)) {
        await lite.query(`select pg_catalog.setval($1, $2::bigint, $3)`, [s.name, s.value, s.called]);
      }
    } else if (type === 'Z') {
      ended = true;
    }
  }
  if (!header || !ended) throw new DumpFormatError('the dump is incomplete');
  for (const s of header.postData) await lite.exec(s);
}

export const pgliteSnapshot: SnapshotEngine = {
  engine: 'postgres',

  async snapshot(conn) {
    const held = await (conn as PgliteConnection).hold();
    const { lite } = held;
    try {
      const v = await lite.query<{ v: string }>('select version() as v');
      const server = /^(PostgreSQL [^ ]+ \(PGlite [^)]+\))/.exec(v.rows[0]?.v ?? '')?.[1] ?? 'PGlite';
      // The session is ours until cleanup: nothing else in this process writes meanwhile, and no
      // other process can open the directory. The transaction makes the copy one point in time anyway.
      await lite.exec('begin isolation level repeatable read read only');
      await lite.query("select pg_catalog.set_config('search_path', '', true)");
      const tables = rowCounts();
      return {
        format: 'eventdb-pg',
        extension: '.edbdump',
        tables,
        tool: 'eventdb logical dump (PGlite: COPY via /dev/blob in one REPEATABLE READ transaction)',
        notes: [],
        stream: writeOwnDump(asClient(lite), server, tables, copyThroughBlob(lite)),
        async cleanup() {
          await lite.exec('rollback').catch(() => undefined);
          held.release();
        },
      };
    } catch (e) {
      await lite.exec('rollback').catch(() => undefined);
      held.release();
      throw new EventdbError('BACKUP_FAILED', `cannot start the PGlite dump: ${messageOf(e)}`, 'check the message; no snapshot was written', { cause: e });
    }
  },

  checkFile: checkDumpFile,
  targetAge: pgTargetAge,

  /**
   * Downloads the dump into a scratch folder, then replaces the target PGlite database's user schemas
   * with it in one transaction: a failure leaves it exactly as it was. The rows are checked against the
   * manifest before the commit. With `keep`, the whole data directory is first saved as a tarball
   * beside it (`<dir>.pre-restore-<stamp>.tar.gz`, PGlite's dumpDataDir; untar it to get the folder back).
   */
  async restore(req) {
    const { target, format } = req;
    const dumpFile = join(await req.data.scratchDir(), 'data');
    // A PostgreSQL dump is only read by the load: no fsync.
    await req.data.download(dumpFile, { fsync: false });
    if (format !== 'eventdb-pg') {
      throw new EventdbError('RESTORE_REFUSED', `this snapshot was made by pg_dump (${format}); PGlite restores eventdb's own dump format only`, 'take the server backup with EVENTDB_PG_DUMP=never, or restore this one into a PostgreSQL server; nothing was changed');
    }
    req.onPhase?.('load');
    const { connectPglite } = await import('./index.js');
    const conn = await connectPglite(target);
    // The dump's extensions need their bundles loaded before its schema is made (extensions.ts).
    const header = await dumpHeader(dumpFile).catch(() => undefined); // a damaged one: the load says so
    const created = (header?.preData ?? []).map(createdExtension).filter((n): n is string => n !== undefined);
    await conn.loadExtensions(created).catch(async (e: unknown) => {
      await conn.close();
      throw e;
    });
    let previous: string | undefined;
    let wroteTarball = false;
    try {
      return await conn.exclusive(async (lite) => {
        if (req.keep && !target.database.memory) {
          // A new name every time (exclusive create): a kept copy never replaces another.
          const tar = Buffer.from(await (await lite.dumpDataDir('gzip')).arrayBuffer());
          for (let i = 1; !previous; i++) {
            const name = `${target.database.path}.pre-restore-${req.stamp}${i > 1 ? `-${i}` : ''}.tar.gz`;
            try {
              await writeFile(name, tar, { flag: 'wx', mode: 0o600 });
              previous = name;
            } catch (e) {
              if ((e as { code?: string }).code !== 'EEXIST') throw e;
            }
          }
          wroteTarball = true;
        }
        await lite.exec('begin');
        try {
          await lite.query("select pg_catalog.set_config('search_path', '', true)");
          await lite.exec('set local check_function_bodies = off');
          const schemas = await lite.query<{ n: string }>("select nspname as n from pg_namespace where nspname not in ('pg_catalog', 'information_schema') and nspname not like 'pg\\_%'");
          for (const { n } of schemas.rows) await lite.exec(`drop schema ${qi(n)} cascade`);
          await load(lite, dumpFile);
          const tables = await countAll(asClient(lite), await listTables(asClient(lite)));
          req.checkRows(tables);
          await lite.exec('commit');
          return { previous, tables, checks: ['row counts of the restored database match the manifest'] };
        } catch (e) {
          await lite.exec('rollback').catch(() => undefined);
          if (wroteTarball && previous) await rm(previous, { force: true }).catch(() => undefined); // nothing was replaced
          if (e instanceof EventdbError) throw e;
          if (e instanceof DumpFormatError) throw new EventdbError('CORRUPT_SNAPSHOT', `the PostgreSQL dump is damaged: ${e.message}`, `use another snapshot (\`eventdb backup list\`); the database ${target.database.display} was not changed`, { cause: e });
          throw new EventdbError('RESTORE_FAILED', `restore into PGlite failed: ${messageOf(e)}`, `the database ${target.database.display} was not changed`, { cause: e });
        }
      });
    } finally {
      await conn.close();
    }
  },
};
