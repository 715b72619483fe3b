import { DuckDBInstance } from '@duckdb/node-api';
import { sql } from 'kysely';
import { createReadStream, statSync } from 'node:fs';
import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EventdbError, messageOf } from '../../errors.js';
import { quoteIdent } from '../quote.js';
import { checkDatabaseFile } from '../file-checks.js';
import { fileAge, removeRestoreLeftovers, restoreFile, type FileEngine } from '../file-swap.js';
import { MAGIC } from './magic.js';
import type { SnapshotEngine } from '../types.js';
import { rowCounts } from '../row-counts.js';


/**
 * DuckDB: one process owns a database file at a time, and this process has it open. Under eventdb's
 * lock the file is checkpointed (the WAL folded in), copied to a temp file, and the copy streamed.
 */
export const duckdbSnapshot: SnapshotEngine = {
  engine: 'duckdb',
  async snapshot(conn, config, opts) {
    if (config.database.memory) throw new EventdbError('USAGE', 'an in-memory DuckDB database cannot be backed up', 'back up a database file (duckdb:./path.duckdb)');
    const tmp = join(opts.tmpDir, 'snapshot.duckdb');
    const tables = rowCounts();
    await conn.withLock('migrate', { timeoutMs: 60_000 }, async () => {
      const names = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'main' and table_type = 'BASE TABLE' order by 1`.execute(conn.db);
      for (const { name } of names.rows) {
        const r = await sql<{ n: number | bigint }>`select count(*) as n from ${sql.raw(quoteIdent(name))}`.execute(conn.db);
        tables[name] = Number(r.rows[0]?.n ?? 0);
      }
      await sql`force checkpoint`.execute(conn.db);
      try {
        await copyFile(config.database.path!, tmp);
      } catch (e) {
        await rm(tmp, { force: true });
        throw new EventdbError('BACKUP_FAILED', `cannot copy ${config.database.path}: ${messageOf(e)}`, (e as { code?: string }).code === 'ENOSPC' ? 'free space in the temp folder (TMPDIR)' : 'check the database file', { cause: e });
      }
    });
    return {
      format: 'duckdb-file',
      extension: '.duckdb',
      tables,
      tool: 'CHECKPOINT + file copy',
      notes: [],
      stream: createReadStream(tmp, { highWaterMark: 1024 * 1024 }),
      size: statSync(tmp).size,
      cleanup: () => rm(tmp, { force: true }),
    };
  },
  async checkFile(path) {
    let instance: DuckDBInstance;
    try {
      // A copy read from a store is untrusted: DuckDB must not fetch and load an extension for it (a SQLite
      // file passed off as a DuckDB copy made it download sqlite_scanner over plain HTTP).
      instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY', autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    } catch (e) {
      throw new EventdbError('CORRUPT_SNAPSHOT', `the snapshot's DuckDB copy cannot be opened: ${messageOf(e)}`, 'use another snapshot (`eventdb backup list`)', { cause: e });
    }
    const c = await instance.connect();
    try {
      const names = (await c.runAndReadAll("select table_name from information_schema.tables where table_schema = 'main' and table_type = 'BASE TABLE' order by 1")).getRows().map((r) => String(r[0]));
      const tables = rowCounts();
      for (const name of names) {
        // Reads every column of every row, so every block's checksum is checked.
        const cols = (await c.runAndReadAll(`select column_name from information_schema.columns where table_schema = 'main' and table_name = '${name.replace(/'/g, "''")}'`)).getRows().map((r) => quoteIdent(String(r[0])));
        const r = (await c.runAndReadAll(`select count(*), bit_xor(hash(${cols.join(', ') || '1'})) from ${quoteIdent(name)}`)).getRows();
        tables[name] = Number(r[0]?.[0] ?? 0);
      }
      return { tables, check: 'every table read in full' };
    } catch (e) {
      throw new EventdbError('CORRUPT_SNAPSHOT', `the snapshot's DuckDB copy is damaged: ${messageOf(e)}`, 'use another snapshot (`eventdb backup list`)', { cause: e });
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  },
  targetAge: (target) => fileAge(target, fileEngine.sidecars),
  removeLeftovers: removeRestoreLeftovers,
  restore: (req) => restoreFile(req, fileEngine),
};

/** What the shared file swap needs to know of a DuckDB file (src/dialects/file-swap.ts). */
const fileEngine: FileEngine = {
  sidecars: ['.wal'],
  checkTarget: (path) => void checkDatabaseFile(path, 'DuckDB', MAGIC, true),
  checkpoint: async (conn) => {
    await sql`force checkpoint`.execute(conn.db);
  },
  checkFile: (path, format) => duckdbSnapshot.checkFile(path, format),
};
