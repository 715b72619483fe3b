import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { quoteIdent as qi } from '../quote.js';

/**
 * The comment a database carries while a restore loads into it — and only then: it is set right after
 * CREATE DATABASE and removed in the transaction that renames the database into place. Only a database
 * that carries it (for the target being restored) is ever dropped as a leftover; a name alone is
 * never enough (a user's `<name>_restore_<time>` copy is theirs).
 */
const IN_PROGRESS = 'eventdb restore in progress: ';

/** The marker text for a restore of `target` started at `stamp`. */
export const inProgressMarker = (target: string, stamp: string): string => `${IN_PROGRESS}${target} ${stamp}`;

/** Whether a database of that name exists on the server. */
export async function databaseExists(c: pg.Client, name: string): Promise<boolean> {
  return (await c.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
}

/**
 * Creates an empty database for a restore to load into and marks it as eventdb's work in progress
 * (`COMMENT ON DATABASE`) at once, on the same session. CREATE DATABASE cannot run in a transaction,
 * so a process killed between the two leaves an unmarked database: it is left alone, never dropped.
 * If the comment fails, the database just created is dropped again.
 */
export async function createRestoreDatabase(c: pg.Client, name: string, marker: string): Promise<void> {
  await c.query(`create database ${qi(name)} template template0`);
  try {
    await c.query(`comment on database ${qi(name)} is ${c.escapeLiteral(marker)}`);
  } catch (e) {
    await dropDatabase(c, name).catch(() => undefined);
    throw e;
  }
}

/**
 * Renames a database, first closing other sessions on it; retries when clients reconnect at once.
 * In the same transaction the in-progress marker is removed if the database carries it, so a database
 * that becomes the target (or a kept copy) is never taken for a leftover; any other comment is kept.
 */
export async function renameDatabase(c: pg.Client, from: string, to: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await c.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [from]);
    try {
      await c.query('begin');
      await c.query(`alter database ${qi(from)} rename to ${qi(to)}`);
      const note = await c.query<{ n: string | null }>("select shobj_description(oid, 'pg_database') as n from pg_database where datname = $1", [to]);
      if (note.rows[0]?.n?.startsWith(IN_PROGRESS)) await c.query(`comment on database ${qi(to)} is null`);
      await c.query('commit');
      return;
    } catch (e) {
      await c.query('rollback').catch(() => undefined);
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
 * Databases left by a failed or killed restore of `target` (base: its first 30 characters): named
 * `<base>_restore_<time>` AND marked in progress for `target` by the restore that created them — those
 * are dropped. Databases with such a name but without the marker (a user's copy, or a leftover of an
 * older eventdb that did not mark them) are left alone and only counted. Called under the target's
 * restore lock, when no other restore of it runs. Kept copies (`_pre_restore_`) are not touched.
 */
export async function dropRestoreLeftovers(c: pg.Client, base: string, target: string): Promise<{ dropped: string[]; unmarked: string[] }> {
  const rows = (await c.query<{ d: string; n: string | null }>("select datname as d, shobj_description(oid, 'pg_database') as n from pg_database where starts_with(datname, $1) and datname <> $2 order by 1", [`${base}_restore_`, target])).rows;
  const named = rows.filter((r) => /^\d{8}t\d{6}z(_\d+)?$/.test(r.d.slice(base.length + 9)));
  const ours = (n: string | null) => n !== null && n.startsWith(`${IN_PROGRESS}${target} `);
  const dropped = named.filter((r) => ours(r.n)).map((r) => r.d);
  for (const d of dropped) await dropDatabase(c, d);
  return { dropped, unmarked: named.filter((r) => !ours(r.n)).map((r) => r.d) };
}
