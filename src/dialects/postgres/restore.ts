import type pg from 'pg';
import { EventdbError, messageOf } from '../../errors.js';
import type { RestoreOutcome, RestoreRequest } from '../types.js';
import { snapshotClient as client } from './client.js';
import { createRestoreDatabase, databaseExists, dropDatabase, dropRestoreLeftovers, freeName, inProgressMarker, renameDatabase } from './database-swap.js';
import { DumpFormatError } from './dump-format.js';
import { withAdvisoryLock } from './lock.js';
import { loadOwnDump } from './own-load.js';
import { countAll, listTables, tableKey } from './own-dump.js';
import { pgRestore } from './pg-restore.js';
import { dropOnInterrupt, type RestoreInterrupt } from './restore-interrupt.js';
import { mark } from '../../trace.js';
import { rowCounts } from '../row-counts.js';

/**
 * Rows per table after pg_restore, checked cheaply: in a database nobody else has used, the
 * statistics' inserted-tuple count of a table is its row count. Where it differs from what the
 * manifest expects (statistics not flushed yet, track_counts off, or really different), the table
 * is counted exactly, so a mismatch is always confirmed by count(*).
 */
async function restoredCounts(c: pg.Client, expected: Record<string, number> | undefined): Promise<Record<string, number>> {
  const tables = await listTables(c);
  if (!expected) return countAll(c, tables);
  const stats = await c.query<{ schema: string; name: string; n: string }>('select schemaname as schema, relname as name, n_tup_ins::text as n from pg_stat_user_tables').catch(() => ({ rows: [] as Array<{ schema: string; name: string; n: string }> }));
  const inserted = new Map(stats.rows.map((r) => [tableKey(r.schema, r.name), Number(r.n)]));
  const out = rowCounts();
  const exact: typeof tables = [];
  for (const t of tables) {
    const k = tableKey(t.schema, t.name);
    if (expected[k] !== undefined && inserted.get(k) === expected[k]) out[k] = expected[k];
    else exact.push(t);
  }
  return { ...out, ...(await countAll(c, exact)) };
}

/**
 * PostgreSQL server: loads the dump into a new database while it downloads, then makes it the target
 * (swap names, keeping the old one as `<name>_pre_restore_<stamp>` unless keep is false). The swap
 * waits until the download was verified and the rows were checked against the manifest; the new
 * database is dropped on any failure — the original is untouched until the swap. Restores of one
 * target are serialised by an advisory lock (LOCK_TIMEOUT after `lockTimeoutMs`).
 */
export async function restoreIntoServer(req: RestoreRequest): Promise<RestoreOutcome> {
  const targetCfg = req.target;
  const { format } = req;
  const p = targetCfg.database.postgres!;
  const target = p.database;
  const maintenance = target === 'postgres' ? 'template1' : 'postgres';
  const dump = await req.data.open();
  const fail = (e: unknown) => {
    dump.abort(e instanceof Error ? e : new Error(String(e)));
    throw e;
  };
  const admin = await client(targetCfg, maintenance).catch(async (e: unknown) => {
    if (e instanceof EventdbError && e.code === 'DB_NOT_FOUND') return client(targetCfg, 'template1');
    throw e;
  }).catch(fail);
  mark('admin session connected');
  const base = target.slice(0, 30);
  let interrupt: RestoreInterrupt | undefined;
  try {
    // One restore of a target at a time (a second one waits, then gives up with LOCK_TIMEOUT, exit 4).
    return await withAdvisoryLock(admin, `restore ${base}`, `the restore lock on database "${target}"`, { timeoutMs: req.lockTimeoutMs }, async () => {
      const notes: string[] = [];
      // Under the lock no other restore of this target runs: a database of ours left by a failed or
      // killed restore (`<name>_restore_<time>` carrying our in-progress marker) is removed. A database
      // that only has such a name is not ours and is left alone. Kept copies (`_pre_restore_`) are not touched.
      mark('restore lock taken');
      const leftovers = await dropRestoreLeftovers(admin, base, target);
      if (leftovers.dropped.length) notes.push(`removed ${leftovers.dropped.length} database(s) left by an interrupted restore: ${leftovers.dropped.join(', ')}`);
      if (leftovers.unmarked.length) notes.push(`left alone ${leftovers.unmarked.length} database(s) named like ${base}_restore_<time> but not marked as an unfinished eventdb restore of "${target}": not dropped (a copy of yours, or left by an older eventdb — drop it by hand if it is a leftover)`);
      const fresh = await freeName(admin, `${base}_restore_${req.stamp}`);
      const previous = await freeName(admin, `${base}_pre_restore_${req.stamp}`);
      // Created and marked in progress in one step; the mark goes in the transaction that renames it into place.
      const creating = createRestoreDatabase(admin, fresh, inProgressMarker(target, req.stamp)).then(
        () => undefined,
        (e: unknown) => {
          const code = (e as { code?: string }).code;
          throw new EventdbError('RESTORE_FAILED', `cannot create the database "${fresh}" to restore into: ${messageOf(e)}`, code === '42501' ? 'the user needs the CREATEDB privilege (restore loads into a new database, then swaps names)' : 'nothing was changed', { cause: e });
        },
      );
      creating.catch(() => undefined);
      // SIGINT / SIGTERM from here on drops the database being made (once it is), before the process exits.
      interrupt = dropOnInterrupt(admin, fresh, creating);
      // pg_restore starts (and reads nothing) while the database is created (#18): its start-up, through
      // Debian's pg_wrapper a Perl start, overlaps CREATE DATABASE. It is fed the archive once the
      // database exists, and stopped if it cannot be created.
      const restoring = format === 'pg-custom' ? pgRestore(p, fresh, dump.data, creating) : undefined;
      restoring?.catch(() => undefined);
      await creating.catch(async (e: unknown) => {
        await restoring?.catch(() => undefined);
        fail(e);
      });
      mark('database created');
      let tables!: Record<string, number>;
      try {
        const load = async () => {
          let counted: Record<string, number> | undefined;
          if (format === 'pg-custom') {
            // The session that counts the rows opens while pg_restore loads, not after it.
            const counting = client(targetCfg, fresh);
            counting.catch(() => undefined);
            try {
              await restoring;
              mark('pg_restore done');
            } catch (e) {
              await counting.then((c) => c.end()).catch(() => undefined);
              throw e;
            }
            const c = await counting;
            try {
              await c.query("select pg_catalog.set_config('search_path', '', false)");
              return await restoredCounts(c, req.expected);
            } finally {
              await c.end().catch(() => undefined);
            }
          } else {
            const c = await client(targetCfg, fresh);
            try {
              counted = await loadOwnDump(c, dump.data as AsyncIterable<Buffer>);
            } finally {
              await c.end().catch(() => undefined);
            }
          }
          if (counted) return counted;
          const c = await client(targetCfg, fresh);
          try {
            await c.query("select pg_catalog.set_config('search_path', '', false)");
            return await restoredCounts(c, req.expected);
          } finally {
            await c.end().catch(() => undefined);
          }
        };
        const loading = load().catch(fail);
        // A damaged download (checksum, decryption, store) is the error to report, not what it did to the load.
        const [l, v] = await Promise.allSettled([loading, dump.verified]);
        if (v.status === 'rejected') throw v.reason;
        if (l.status === 'rejected') throw l.reason;
        tables = l.value;
        mark('rows counted, download verified');
      } catch (e) {
        await dropDatabase(admin, fresh).catch(() => undefined);
        if (e instanceof EventdbError) throw e;
        if (e instanceof DumpFormatError) throw new EventdbError('CORRUPT_SNAPSHOT', `the PostgreSQL dump is damaged: ${e.message}`, `use another snapshot (\`eventdb backup list\`); the original database "${target}" was not changed`, { cause: e });
        throw new EventdbError('RESTORE_FAILED', `restore into a new database failed: ${messageOf(e)}`, `the original database "${target}" was not changed`, { cause: e });
      }
      // Row counts are checked before anything is swapped.
      for (const [t, n] of Object.entries(req.expected)) {
        if (tables[t] !== n) {
          await dropDatabase(admin, fresh).catch(() => undefined);
          throw new EventdbError('CORRUPT_SNAPSHOT', `table ${t} has ${tables[t] ?? 'no'} rows in the restored copy, the manifest says ${n}`, `use another snapshot (\`eventdb backup list\`); the original database "${target}" was not changed`);
        }
      }
      // Swap: the old database keeps its data under another name until the new one is in place. Not
      // begun once interrupted (the cleanup is dropping the new one); begun, an interrupt waits for it.
      if (interrupt.interrupted) return await interrupt.parked();
      let moved: string | undefined;
      const swap = (async () => {
        try {
          if (await databaseExists(admin, target)) {
            await renameDatabase(admin, target, previous);
            moved = previous;
          }
          await renameDatabase(admin, fresh, target);
        } catch (e) {
          if (moved) await renameDatabase(admin, previous, target).catch(() => undefined);
          moved = undefined;
          await dropDatabase(admin, fresh).catch(() => undefined);
          throw new EventdbError('RESTORE_FAILED', `cannot swap the restored database into place: ${messageOf(e)}`, `the original database "${target}" was kept; close the sessions using it and retry`, { cause: e });
        }
      })();
      interrupt.swapping(swap);
      await swap;
      // Interrupted while swapping: the restored database is in place (a replaced one kept even with
      // --no-keep), and the run reports only its interruption.
      if (interrupt.interrupted) return await interrupt.parked();
      if (moved && !req.keep) {
        await dropDatabase(admin, moved);
        moved = undefined;
      }
      return { previous: moved, tables, checks: ['row counts of the restored database match the manifest (checked before the swap)'], notes };
    });
  } catch (e) {
    dump.abort(e instanceof Error ? e : new Error(String(e)));
    // Ended by the interrupt's cleanup (its sessions terminated): the process exits with INTERRUPTED, not this error.
    if (interrupt?.interrupted) return await interrupt.parked();
    throw e;
  } finally {
    interrupt?.off();
    await admin.end().catch(() => undefined);
  }
}
