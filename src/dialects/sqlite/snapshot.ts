import Database from 'better-sqlite3';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EventdbError, messageOf } from '../../errors.js';
import type { SnapshotEngine } from '../types.js';

function countRows(db: Database.Database): Record<string, number> {
  const names = db.prepare("select name from sqlite_schema where type = 'table' and name not like 'sqlite_%' order by name").all() as Array<{ name: string }>;
  const tables: Record<string, number> = {};
  for (const { name } of names) {
    const r = db.prepare(`select count(*) as n from "${name.replace(/"/g, '""')}"`).get() as { n: number };
    tables[name] = r.n;
  }
  return tables;
}

/**
 * SQLite: `VACUUM INTO` a temp file — one read transaction, so the copy is consistent while other
 * processes keep writing (WAL), and it is compact. The temp file is then streamed.
 */
export const sqliteSnapshot: SnapshotEngine = {
  engine: 'sqlite',
  async snapshot(conn, config, opts) {
    if (config.database.memory) throw new EventdbError('USAGE', 'an in-memory SQLite database cannot be backed up', 'back up a database file (sqlite:./path.sqlite)');
    const tmp = join(opts.tmpDir, 'snapshot.sqlite');
    const src = new Database(config.database.path!, { readonly: true, fileMustExist: true, timeout: 30_000 });
    let tables: Record<string, number>;
    try {
      src.prepare('vacuum into ?').run(tmp);
    } catch (e) {
      await rm(tmp, { force: true });
      throw new EventdbError('BACKUP_FAILED', `cannot copy ${config.database.path}: ${messageOf(e)}`, (e as { code?: string }).code === 'SQLITE_FULL' ? 'free space in the temp folder (TMPDIR)' : 'check the database file', { cause: e });
    } finally {
      src.close();
    }
    const copy = new Database(tmp, { readonly: true });
    try {
      tables = countRows(copy);
    } finally {
      copy.close();
    }
    return {
      format: 'sqlite-file',
      extension: '.sqlite',
      tables,
      tool: 'VACUUM INTO',
      notes: [],
      stream: createReadStream(tmp, { highWaterMark: 1024 * 1024 }),
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
};
