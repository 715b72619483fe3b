import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { EventdbError, messageOf } from '../../errors.js';
import type { SnapshotEngine, SnapshotSource } from '../types.js';
import { checkDumpFile } from './check-dump.js';
import { snapshotClient as client } from './client.js';
import { countAll, listTables, writeOwnDump, type CopyOut } from './own-dump.js';
import { pgDumpStream } from './pg-dump.js';
import { restoreIntoServer } from './restore.js';
import { pgTargetAge } from './target-age.js';
import { pgDumpProblem, toolVersionAsync } from './tools.js';

/**
 * PostgreSQL server backup and restore. Wiring only; each concern has its file: pg_dump (pg-dump.ts)
 * or eventdb's own dump (own-dump.ts, format in dump-format.ts), tool probing (tools.ts), the check
 * of a downloaded dump (check-dump.ts), the restore into a new database (restore.ts: own dump load
 * in own-load.ts, pg_restore in pg-restore.ts, the name swap in database-swap.ts).
 */

/** A table's COPY text straight off the connection. */
const copyOverWire = (c: pg.Client): CopyOut => (copySql) => c.query(copyTo(`${copySql} to stdout`)) as AsyncIterable<Buffer>;

export const postgresSnapshot: SnapshotEngine = {
  engine: 'postgres',
  async snapshot(_conn, config, opts) {
    const p = config.database.postgres!;
    // pg_dump's version is asked while the session opens, not before it.
    const probe = opts.pgDump === 'never' ? undefined : toolVersionAsync('pg_dump');
    const c = await client(config);
    try {
      const v = await c.query<{ num: string; v: string }>("select current_setting('server_version_num') as num, current_setting('server_version') as v");
      const serverMajor = Math.floor(Number(v.rows[0]!.num) / 10000);
      const server = `PostgreSQL ${v.rows[0]!.v}`;
      await c.query('begin isolation level repeatable read read only');
      await c.query("select pg_catalog.set_config('search_path', '', true)");
      const notes: string[] = [];
      const use = opts.pgDump === 'never' ? { problem: 'EVENTDB_PG_DUMP=never' } : pgDumpProblem(serverMajor, await probe);
      const cleanup = async () => {
        await c.query('rollback').catch(() => undefined);
        await c.end().catch(() => undefined);
      };
      if (!use.problem && use.version) {
        const snap = await c.query<{ id: string }>('select pg_export_snapshot() as id');
        const stream = pgDumpStream(p, snap.rows[0]!.id);
        // The rows are counted in the exported snapshot while pg_dump streams it, not before.
        const tables: Record<string, number> = {};
        const settled = listTables(c)
          .then((list) => countAll(c, list))
          .then(
            (counted) => void Object.assign(tables, counted),
            (e: unknown) => {
              throw new EventdbError('BACKUP_FAILED', `cannot start the PostgreSQL dump: ${messageOf(e)}`, 'check the database permissions (the backup reads every table)', { cause: e });
            },
          );
        settled.catch(() => undefined); // awaited by the core; a failed put must not leave it unhandled
        return { format: 'pg-custom', extension: '.pgdump', tables, tool: use.version.text, notes, stream, settled, cleanup } satisfies SnapshotSource;
      }
      notes.push(`eventdb's own dump was used: ${use.problem}${use.version ? ' (install the PostgreSQL client tools of the server\'s version to use pg_dump)' : ''}`);
      const tables: Record<string, number> = {};
      return { format: 'eventdb-pg', extension: '.edbdump', tables, tool: 'eventdb logical dump (COPY in one REPEATABLE READ transaction)', notes, stream: writeOwnDump(c, server, tables, copyOverWire(c)), cleanup } satisfies SnapshotSource;
    } catch (e) {
      await c.end().catch(() => undefined);
      if (e instanceof EventdbError) throw e;
      throw new EventdbError('BACKUP_FAILED', `cannot start the PostgreSQL dump: ${messageOf(e)}`, 'check the database permissions (the backup reads every table)', { cause: e });
    }
  },

  checkFile: checkDumpFile,
  targetAge: pgTargetAge,
  restore: restoreIntoServer,
};
