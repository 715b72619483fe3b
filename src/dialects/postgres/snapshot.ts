import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { EventdbError, messageOf } from '../../errors.js';
import type { ResolvedConfig } from '../../config/index.js';
import type { SnapshotEngine, SnapshotSource } from '../types.js';
import { checkDumpFile } from './check-dump.js';
import { snapshotClient as client } from './client.js';
import { countAll, listTables, writeOwnDump, type CopyOut } from './own-dump.js';
import { startPgDump } from './pg-dump.js';
import { restoreIntoServer } from './restore.js';
import { headOf, HISTORY_TABLE_NAME, type HeadRow } from '../../backup/migration-head.js';
import { pgTargetAge } from './target-age.js';
import { mark } from '../../trace.js';
import { rowCounts } from '../row-counts.js';

type SessionHead = NonNullable<SnapshotSource['head']>;

/**
 * PostgreSQL server backup and restore. Wiring only; each concern has its file: pg_dump (pg-dump.ts)
 * or eventdb's own dump (own-dump.ts, format in dump-format.ts), tool probing (tools.ts), the check
 * of a downloaded dump (check-dump.ts), the restore into a new database (restore.ts: own dump load
 * in own-load.ts, pg_restore in pg-restore.ts, the name swap in database-swap.ts).
 */

/** A table's COPY text straight off the connection. */
const copyOverWire = (c: pg.Client): CopyOut => (copySql) => c.query(copyTo(`${copySql} to stdout`)) as AsyncIterable<Buffer>;

/**
 * eventdb's history table as the session's search_path finds it (as the core's connection would): its
 * qualified name, whether this user may read it, and how many of eventdb's columns (id, checksum,
 * applied_at) it has. No row: there is no such table, so no migration head.
 */
const HISTORY_PROBE = `select pg_catalog.format('%I.%I', n.nspname, c.relname) as name, pg_catalog.has_table_privilege(c.oid, 'SELECT') as readable,
         (select count(*)::int from pg_catalog.pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attname in ('id', 'checksum', 'applied_at')) as cols
  from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where c.oid = pg_catalog.to_regclass('"${HISTORY_TABLE_NAME}"')`;

interface HistoryProbe {
  name: string;
  readable: boolean;
  cols: number;
}

/**
 * The migration head as readMigrationHead (backup/migration-head.ts) reads it on the core's connection:
 * no history table, or one this user cannot read, is no head (its queries failed there too); eventdb's
 * layout is read with the same query, inside a savepoint so that a failure leaves the dump's
 * transaction (and the snapshot pg_dump imports) intact. Undefined — the core reads it then — for a
 * table of another layout or when that query fails.
 */
async function readHeadInSession(c: pg.Client, probe: HistoryProbe | undefined): Promise<SessionHead['migrations'] | undefined> {
  if (!probe || !probe.readable) return { head: null, applied: [] };
  if (probe.cols !== 3) return undefined;
  try {
    const r = (await c.query(`savepoint eventdb_head; select id, checksum, applied_at from ${probe.name} order by applied_at, id; release savepoint eventdb_head`)) as unknown as Array<{ rows: HeadRow[] }>;
    return headOf(r[1]!.rows);
  } catch {
    await c.query('rollback to savepoint eventdb_head');
    return undefined;
  }
}

export const postgresSnapshot: SnapshotEngine = {
  engine: 'postgres',
  snapshot(_conn, config, opts) {
    return dumpInOwnSession(config, opts);
  },
  snapshotOwnSession: dumpInOwnSession,

  checkFile: checkDumpFile,
  targetAge: pgTargetAge,
  restore: restoreIntoServer,
};

/**
 * The dump, in a session of its own (the core's connection is not used, so the core starts this before
 * that connection is open). Its transaction runs the row counts without parallel workers: they run
 * beside pg_dump, which needs the cores more (a parallel count of pgbench_accounts took two workers
 * for a result needed only when pg_dump ends).
 */
async function dumpInOwnSession(config: ResolvedConfig, opts: { pgDump?: 'auto' | 'never'; onStarted?: (readsHead?: boolean) => void }): Promise<SnapshotSource> {
  const p = config.database.postgres!;
  const c = await client(config);
  mark('dump session connected');
  try {
    // One round trip: the server's version, the dump's transaction, and (for pg_dump) its exported snapshot.
    const own = opts.pgDump === 'never';
    // The history table is looked up with the session's own search_path, before it is emptied.
    const results = (await c.query(
      `begin isolation level repeatable read read only;
       ${HISTORY_PROBE};
       select current_setting('server_version') as v, pg_catalog.set_config('search_path', '', true),
              pg_catalog.set_config('max_parallel_workers_per_gather', '0', true)${own ? '' : ', pg_export_snapshot() as id'}`,
    )) as unknown as Array<{ rows: Array<Record<string, string>> }>;
    const row = results[2]!.rows[0]!;
    mark('snapshot exported');
    const server = `PostgreSQL ${row.v}`;
    // The migration head, read here in the dump's snapshot: the core then opens no connection of its
    // own (Kysely's modules and a second session were part of every backup's fixed cost, #18).
    const probe = results[1]!.rows[0] as unknown as HistoryProbe | undefined;
    const readsHead = !probe || !probe.readable || probe.cols === 3;
    const heading = readHeadInSession(c, probe).then((migrations) => (migrations ? { serverVersion: server, migrations } : undefined));
    const notes: string[] = [];
    const cleanup = async () => {
      await c.query('rollback').catch(() => undefined);
      await c.end().catch(() => undefined);
    };
    // pg_dump starts at once on the exported snapshot; its version comes from its archive's header.
    const starting = own ? undefined : startPgDump(p, row.id!);
    opts.onStarted?.(readsHead); // pg_dump runs (or the own dump is about to): the core opens its connection now
    // The rows are counted in the exported snapshot while pg_dump reads its catalog and streams, not
    // after its header arrived (for a small database that was after pg_dump had ended, #18). Should
    // pg_dump prove unusable, counting stops after the table it is on and the own dump counts instead.
    const stop = { now: false };
    const counting = starting ? heading.then(() => listTables(c)).then((list) => countAll(c, list, stop)) : undefined;
    counting?.catch(() => undefined);
    // A table the role cannot read fails the count first, which aborts the exporting transaction: pg_dump
    // then says only "could not import the requested snapshot". The count's error is the cause.
    const use = starting
      ? await starting.catch(async (e: unknown) => {
          const cause = await counting!.then(
            () => undefined,
            (x: unknown) => x,
          );
          throw cause === undefined ? e : new EventdbError('BACKUP_FAILED', `cannot start the PostgreSQL dump: ${messageOf(cause)}`, 'check the database permissions (the backup reads every table)', { cause });
        })
      : { problem: 'EVENTDB_PG_DUMP=never' };
    const head = await heading;
    if ('stream' in use) {
      const tables = rowCounts();
      const settled = counting!.then(
        (counted) => void Object.assign(tables, counted),
        (e: unknown) => {
          throw new EventdbError('BACKUP_FAILED', `cannot start the PostgreSQL dump: ${messageOf(e)}`, 'check the database permissions (the backup reads every table)', { cause: e });
        },
      );
      settled.catch(() => undefined); // awaited by the core; a failed put must not leave it unhandled
      return { format: 'pg-custom', extension: '.pgdump', tables, tool: use.version.text, notes, stream: use.stream, settled, head, cleanup } satisfies SnapshotSource;
    }
    stop.now = true;
    await counting?.catch(() => undefined);
    notes.push(`eventdb's own dump was used: ${use.problem}${'version' in use && use.version ? " (install the PostgreSQL client tools of the server's version to use pg_dump)" : ''}`);
    const tables = rowCounts();
    return { format: 'eventdb-pg', extension: '.edbdump', tables, tool: 'eventdb logical dump (COPY in one REPEATABLE READ transaction)', notes, stream: writeOwnDump(c, server, tables, copyOverWire(c)), head, cleanup } satisfies SnapshotSource;
  } catch (e) {
    await c.end().catch(() => undefined);
    if (e instanceof EventdbError) throw e;
    throw new EventdbError('BACKUP_FAILED', `cannot start the PostgreSQL dump: ${messageOf(e)}`, 'check the database permissions (the backup reads every table)', { cause: e });
  }
}
