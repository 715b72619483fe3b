import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { quoteIdent as qi } from '../quote.js';

/** Whether a database of that name exists on the server. */
export async function databaseExists(c: pg.Client, name: string): Promise<boolean> {
  return (await c.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
}

/** Renames a database, first closing other sessions on it; retries when clients reconnect at once. */
export async function renameDatabase(c: pg.Client, from: string, to: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await c.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [from]);
    try {
      await c.query(`alter database ${qi(from)} rename to ${qi(to)}`);
      return;
    } catch (e) {
      if ((e as { code?: string }).code !== '55006' || attempt >= 10) throw e;
      await sleep(100 * attempt);
    }
  }
}

/** Drops a database, closing its sessions. */
export async function dropDatabase(c: pg.Client, name: string): Promise<void> {
  await c.query(`drop database if exists ${qi(name)} with (force)`);
}

/** `name`, or `name_2`, `name_3` … — the first that is not a database yet (called under the restore lock). */
export async function freeName(c: pg.Client, name: string): Promise<string> {
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? name : `${name}_${i}`;
    if (!(await databaseExists(c, candidate))) return candidate;
  }
}

/**
 * Databases of ours left by a failed or killed restore of `base` (`<base>_restore_<time>`): dropped.
 * Called under the target's restore lock, when no other restore of it runs. Kept copies
 * (`_pre_restore_`) are not touched. Returns their names.
 */
export async function dropRestoreLeftovers(c: pg.Client, base: string): Promise<string[]> {
  const leftovers = (await c.query<{ d: string }>('select datname as d from pg_database where starts_with(datname, $1)', [`${base}_restore_`])).rows.map((r) => r.d).filter((d) => /^\d{8}t\d{6}z(_\d+)?$/.test(d.slice(base.length + 9)));
  for (const d of leftovers) await dropDatabase(c, d);
  return leftovers;
}
