import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { createReadStream, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EventdbError, messageOf } from '../../errors.js';
import { checkDatabaseFile } from '../file-checks.js';
import { fileAge, removeRestoreLeftovers, restoreFile, type FileEngine } from '../file-swap.js';
import { MAGIC } from './magic.js';
import type { SnapshotEngine } from '../types.js';
import { countRows, countRowsInWorker } from './count-rows.js';
import { rowCounts } from '../row-counts.js';

/**
 * SQLite: the online backup API into a temp file while other processes keep writing (WAL), then
 * the temp file is streamed while a worker thread counts its rows.
 */
export const sqliteSnapshot: SnapshotEngine = {
  engine: 'sqlite',
  async snapshot(conn, config, opts) {
    if (config.database.memory) throw new EventdbError('USAGE', 'an in-memory SQLite database cannot be backed up', 'back up a database file (sqlite:./path.sqlite)');
    const tmp = join(opts.tmpDir, 'snapshot.sqlite');
    const src = new Database(config.database.path!, { readonly: true, fileMustExist: true, timeout: 30_000 });
    const tables = rowCounts();
    const notes: string[] = [];
    try {
      // The online backup API, all remaining pages in one step: one read transaction, so writers in
      // other processes continue (WAL) and the copy is consistent. Faster than VACUUM INTO.
      await src.backup(tmp, { progress: () => 1_000_000_000 });
    } catch (e) {
      await rm(tmp, { force: true });
      throw new EventdbError('BACKUP_FAILED', `cannot copy ${config.database.path}: ${messageOf(e)}`, (e as { code?: string }).code === 'SQLITE_FULL' ? 'free space in the temp folder (TMPDIR)' : 'check the database file', { cause: e });
    } finally {
      src.close();
    }
    // The rows are counted in a worker thread while the copy streams through compression (both read
    // the same file, mostly from the page cache): the count no longer precedes the compression.
    const settled = countRowsInWorker(tmp).then((r) => {
      Object.assign(tables, r.tables);
      notes.push(...r.skipped);
    });
    settled.catch(() => undefined); // awaited by the core; a failed put must not leave it unhandled
    return {
      settled,
      format: 'sqlite-file',
      extension: '.sqlite',
      tables,
      tool: 'SQLite online backup API',
      notes,
      stream: createReadStream(tmp, { highWaterMark: 1024 * 1024 }),
      size: statSync(tmp).size,
      cleanup: () => rm(tmp, { force: true }),
    };
  },
  async checkFile(path) {
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
    } catch (e) {
      throw new EventdbError('CORRUPT_SNAPSHOT', `the snapshot's SQLite copy cannot be opened: ${messageOf(e)}`, 'use another snapshot (`eventdb backup list`)', { cause: e });
    }
    try {
      const rows = db.prepare('pragma integrity_check').all() as Array<{ integrity_check: string }>;
      const problems = rows.map((r) => r.integrity_check).filter((m) => m !== 'ok');
      if (problems.length > 0) throw new EventdbError('CORRUPT_SNAPSHOT', `the snapshot's SQLite copy fails integrity_check: ${problems[0]}`, 'use another snapshot (`eventdb backup list`)');
      return { tables: countRows(db), check: 'integrity_check ok' };
    } catch (e) {
      if (e instanceof EventdbError) throw e;
      throw new EventdbError('CORRUPT_SNAPSHOT', `the snapshot's SQLite copy is damaged: ${messageOf(e)}`, 'use another snapshot (`eventdb backup list`)', { cause: e });
    } finally {
      db.close();
    }
  },
  targetAge: (target) => fileAge(target, fileEngine.sidecars),
  removeLeftovers: removeRestoreLeftovers,
  restore: (req) => restoreFile(req, fileEngine),
};

/** What the shared file swap needs to know of a SQLite file (src/dialects/file-swap.ts). */
const fileEngine: FileEngine = {
  sidecars: ['-wal', '-shm', '-journal'],
  checkTarget: (path) => void checkDatabaseFile(path, 'SQLite', MAGIC, true),
  checkpoint: async (conn) => {
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(conn.db);
  },
  checkFile: (path, format) => sqliteSnapshot.checkFile(path, format),
};
