import { spawn, spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { ResolvedConfig } from '../../config/index.js';
import type { PostgresParams } from '../../config/url.js';
import { EventdbError, messageOf } from '../../errors.js';
import type { DumpStream, SnapshotEngine, SnapshotSource } from '../types.js';
import { DumpFormatError, parseHeader, parseSequences, parseTable, readFrames, type DumpHeader, type DumpTable } from './dump-format.js';
import { quoteIdent as qi } from '../quote.js';
import { countAll, listTables, qn, tableKey, writeOwnDump, type CopyOut } from './own-dump.js';
import { connectError } from './errors.js';
import { withAdvisoryLock } from './lock.js';
import { poolConfig } from './index.js';

type RestoreIntoOptions = { to?: ResolvedConfig; keep: boolean; stamp: string; expected?: Record<string, number>; lockTimeoutMs?: number };

/** Environment for pg_dump / pg_restore: the password goes in PGPASSWORD, never on the command line. */
export function libpqEnv(p: PostgresParams, database = p.database): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PGHOST: p.host, PGPORT: String(p.port), PGDATABASE: database, PGAPPNAME: 'eventdb' };
  const user = p.user ?? process.env.PGUSER;
  if (user) env.PGUSER = user;
  const password = p.password ?? process.env.PGPASSWORD;
  if (password) env.PGPASSWORD = password;
  if (p.sslmode) env.PGSSLMODE = p.sslmode === 'no-verify' ? 'require' : p.sslmode;
  return env;
}

/** Major version of a client tool on PATH (`pg_dump`, `pg_restore`), or undefined when absent. */
export function toolVersion(tool: string): { major: number; text: string } | undefined {
  const r = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  const m = /(\d+)(?:\.(\d+))?/.exec(r.stdout);
  return m ? { major: Number(m[1]), text: r.stdout.trim() } : undefined;
}

async function client(config: ResolvedConfig, database?: string): Promise<pg.Client> {
  const cfg = poolConfig(config);
  const c = new pg.Client({ ...cfg, database: database ?? cfg.database, application_name: 'eventdb backup' });
  await c.connect().catch((e: unknown) => {
    throw connectError(e, { ...config.database.postgres!, database: database ?? config.database.postgres!.database }, config.connectTimeoutMs);
  });
  c.on('error', () => undefined);
  return c;
}

/** A table's COPY text straight off the connection. */
const copyOverWire = (c: pg.Client): CopyOut => (copySql) => c.query(copyTo(`${copySql} to stdout`)) as AsyncIterable<Buffer>;

/** Why pg_dump cannot be used here, or undefined when it can. */
function pgDumpProblem(serverMajor: number): { problem?: string; version?: { major: number; text: string } } {
  const v = toolVersion('pg_dump');
  if (!v) return { problem: 'pg_dump is not on PATH' };
  if (v.major < serverMajor) return { problem: `pg_dump ${v.major} is older than the server (${serverMajor}) and cannot dump it`, version: v };
  return { version: v };
}

function pgDumpStream(p: PostgresParams, snapshotId: string): Readable {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const child = spawn('pg_dump', ['-Fc', '-Z0', `--snapshot=${snapshotId}`, '--no-sync'], { env: libpqEnv(p), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()).slice(-4000));
  child.stdout.pipe(out, { end: false });
  child.on('error', (e) => out.destroy(new EventdbError('BACKUP_FAILED', `pg_dump failed to start: ${messageOf(e)}`, 'check that pg_dump runs, or set EVENTDB_PG_DUMP=never to use eventdb\'s own dump')));
  child.on('close', (code) => {
    if (code === 0) out.end();
    else out.destroy(new EventdbError('BACKUP_FAILED', `pg_dump exited with ${code}: ${stderr.trim().split('\n').pop() ?? ''}`, "check pg_dump's message; set EVENTDB_PG_DUMP=never to use eventdb's own dump"));
  });
  out.on('close', () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  });
  return out;
}

async function runSql(c: pg.Client, statements: string[]): Promise<void> {
  for (const s of statements) await c.query(s);
}

/** Loads an eventdb-pg dump into an empty database; returns the rows each COPY loaded. */
async function loadOwnDump(c: pg.Client, input: AsyncIterable<Buffer>): Promise<Record<string, number>> {
  const counted: Record<string, number> = {};
  await c.query("select pg_catalog.set_config('search_path', '', false)");
  await c.query('set check_function_bodies = off');
  await c.query('begin');
  let header: DumpHeader | undefined;
  let current: { table: DumpTable; copy: NodeJS.WritableStream & { write(b: Buffer): boolean; rowCount?: number }; done: Promise<void> } | undefined;
  let ended = false;
  // Frames are pulled by hand, not with for-await: a failure here must not destroy the download
  // before the caller has aborted it with this error (else the download's "stopped" would be reported).
  const frames = readFrames(input);
  for (;;) {
    const next = await frames.next();
    if (next.done) break;
    const { type, body } = next.value;
    if (type === 'H') {
      header = parseHeader(body);
      await runSql(c, header.preData);
    } else if (type === 'T') {
      if (current) throw new DumpFormatError('a table starts inside another');
      const table = parseTable(body);
      const copy = c.query(copyFrom(`copy ${qn(table.schema, table.name)} (${table.columns.map(qi).join(', ')}) from stdin`));
      const done = new Promise<void>((resolve, reject) => {
        copy.on('finish', () => resolve());
        copy.on('error', reject);
      });
      // The server may reject a row while later frames are still being written: that error is
      // raised at the next write or table end, never left as an unhandled rejection.
      done.catch(() => undefined);
      current = { table, copy, done };
    } else if (type === 'D') {
      if (!current) throw new DumpFormatError('data outside a table');
      const cur = current;
      if (!cur.copy.write(Buffer.from(body))) await Promise.race([new Promise((r) => cur.copy.once('drain', r)), cur.done]);
    } else if (type === 'E') {
      if (!current) throw new DumpFormatError('a table end outside a table');
      current.copy.end();
      await current.done;
      counted[tableKey(current.table.schema, current.table.name)] = current.copy.rowCount ?? 0;
      current = undefined;
    } else if (type === 'S') {
      for (const s of parseSequences(body)) {
        await c.query(`select pg_catalog.setval($1, $2::bigint, $3)`, [s.name, s.value, s.called]);
      }
    } else if (type === 'Z') {
      ended = true;
    }
  }
  if (!header || !ended || current) throw new DumpFormatError('the dump is incomplete');
  await runSql(c, header.postData);
  await c.query('commit');
  return counted;
}

/**
 * Writes a download into pg_restore's stdin. When pg_restore stops reading (it has what it needs, or
 * it failed) the rest is still read and dropped, so the checksum of the whole object is computed.
 */
async function feed(data: NodeJS.ReadableStream, stdin: NodeJS.WritableStream & { writable: boolean }): Promise<void> {
  let open = true;
  const closed = new Promise<void>((resolve) => {
    stdin.on('error', () => {
      open = false;
      resolve();
    });
    stdin.on('close', () => {
      open = false;
      resolve();
    });
  });
  for await (const chunk of data as AsyncIterable<Buffer>) {
    if (!open) continue;
    if (!stdin.write(chunk)) await Promise.race([new Promise<void>((r) => stdin.once('drain', () => r())), closed]);
  }
  if (open) stdin.end();
}

/** Runs pg_restore into `database`, the archive streamed into its stdin (read in archive order). */
function pgRestore(p: PostgresParams, database: string, input: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['--no-owner', '--no-acl', '--exit-on-error', '--single-transaction', '-d', database];
    const child = spawn('pg_restore', args, { env: libpqEnv(p, database), stdio: ['pipe', 'ignore', 'pipe'] });
    const fed = feed(input, child.stdin!);
    // The download failed (checksum, store, decryption): stop pg_restore, which waits for more input.
    fed.catch(() => {
      child.stdin?.destroy();
      child.kill('SIGTERM');
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('error', (e) => reject(new EventdbError('RESTORE_FAILED', `pg_restore failed to start: ${messageOf(e)}`, 'install the PostgreSQL client tools (pg_restore) matching the snapshot')));
    child.on('close', (code) => (code === 0 ? fed.then(resolve, reject) : reject(new EventdbError('RESTORE_FAILED', `pg_restore exited with ${code}: ${stderr.trim().split('\n').pop() ?? ''}`, 'the original database was not changed; check the message above'))));
  });
}

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
  const out: Record<string, number> = {};
  const exact: typeof tables = [];
  for (const t of tables) {
    const k = tableKey(t.schema, t.name);
    if (expected[k] !== undefined && inserted.get(k) === expected[k]) out[k] = expected[k];
    else exact.push(t);
  }
  return { ...out, ...(await countAll(c, exact)) };
}

async function databaseExists(c: pg.Client, name: string): Promise<boolean> {
  return (await c.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
}

/** Renames a database, first closing other sessions on it; retries when clients reconnect at once. */
async function renameDatabase(c: pg.Client, from: string, to: string): Promise<void> {
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

export const postgresSnapshot: SnapshotEngine = {
  engine: 'postgres',
  async snapshot(_conn, config, opts) {
    const p = config.database.postgres!;
    const c = await client(config);
    try {
      const v = await c.query<{ num: string; v: string }>("select current_setting('server_version_num') as num, current_setting('server_version') as v");
      const serverMajor = Math.floor(Number(v.rows[0]!.num) / 10000);
      const server = `PostgreSQL ${v.rows[0]!.v}`;
      await c.query('begin isolation level repeatable read read only');
      await c.query("select pg_catalog.set_config('search_path', '', true)");
      const notes: string[] = [];
      const use = opts.pgDump === 'never' ? { problem: 'EVENTDB_PG_DUMP=never' } : pgDumpProblem(serverMajor);
      const cleanup = async () => {
        await c.query('rollback').catch(() => undefined);
        await c.end().catch(() => undefined);
      };
      if (!use.problem && use.version) {
        const snap = await c.query<{ id: string }>('select pg_export_snapshot() as id');
        const stream = pgDumpStream(p, snap.rows[0]!.id);
        const tables = await countAll(c, await listTables(c));
        return { format: 'pg-custom', extension: '.pgdump', tables, tool: use.version.text, notes, stream, cleanup } satisfies SnapshotSource;
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

  async checkFile(path, format) {
    if (format === 'eventdb-pg') {
      const tables: Record<string, number> = {};
      let declared: Record<string, number> | undefined;
      let current: DumpTable | undefined;
      let rows = 0;
      try {
        for await (const { type, body } of readFrames(createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>)) {
          if (type === 'T') {
            current = parseTable(body);
            rows = 0;
          } else if (type === 'D') {
            let i = -1;
            while ((i = body.indexOf(10, i + 1)) !== -1) rows++;
          } else if (type === 'E' && current) {
            tables[tableKey(current.schema, current.name)] = rows;
            current = undefined;
          } else if (type === 'Z') {
            declared = (JSON.parse(body.toString('utf8')) as { tables: Record<string, number> }).tables;
          }
        }
      } catch (e) {
        throw new EventdbError('CORRUPT_SNAPSHOT', `the PostgreSQL dump is damaged: ${messageOf(e)}`, 'use another snapshot (`eventdb backup list`)', { cause: e });
      }
      if (!declared) throw new EventdbError('CORRUPT_SNAPSHOT', 'the PostgreSQL dump has no end marker', 'use another snapshot (`eventdb backup list`)');
      return { tables, check: 'dump read through, rows counted' };
    }
    if (!toolVersion('pg_restore')) return { check: 'checksums only (pg_restore is not installed, the archive was not listed)' };
    await new Promise<void>((resolve, reject) => {
      const child = spawn('pg_restore', ['--list', path], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new EventdbError('CORRUPT_SNAPSHOT', `pg_restore cannot read the archive: ${stderr.trim().split('\n').pop() ?? code}`, 'use another snapshot (`eventdb backup list`)'))));
    });
    return { check: 'pg_restore --list ok' };
  },

  restoreStream: restoreInto,
};

/**
 * Loads a dump into a new database while it downloads, then swaps names (or, with `to`, loads that
 * database). The swap waits until the download was verified, and the new database is dropped on any
 * failure — the original is untouched until the swap.
 */
async function restoreInto(config: ResolvedConfig, dump: DumpStream, format: SnapshotSource['format'], opts: RestoreIntoOptions): Promise<{ database: string; previous?: string; tables: Record<string, number>; notes?: string[] }> {
  const targetCfg = opts.to ?? config;
  const p = targetCfg.database.postgres!;
  const target = p.database;
  const maintenance = target === 'postgres' ? 'template1' : 'postgres';
  const fail = (e: unknown) => {
    dump.abort(e instanceof Error ? e : new Error(String(e)));
    throw e;
  };
  const admin = await client(targetCfg, maintenance).catch(async (e: unknown) => {
    if (e instanceof EventdbError && e.code === 'DB_NOT_FOUND') return client(targetCfg, 'template1');
    throw e;
  }).catch(fail);
  const base = target.slice(0, 30);
  try {
    // One restore of a target at a time (a second one waits, then gives up with LOCK_TIMEOUT, exit 4).
    return await withAdvisoryLock(admin, `restore ${base}`, `the restore lock on database "${target}"`, { timeoutMs: opts.lockTimeoutMs ?? 30_000 }, async () => {
      const notes: string[] = [];
      // Under the lock no other restore of this target runs: a database of ours left by a failed or
      // killed restore (`<name>_restore_<time>`) is removed. Kept copies (`_pre_restore_`) are not.
      const leftovers = (await admin.query<{ d: string }>('select datname as d from pg_database where starts_with(datname, $1)', [`${base}_restore_`])).rows.map((r) => r.d).filter((d) => /^\d{8}t\d{6}z(_\d+)?$/.test(d.slice(base.length + 9)));
      for (const d of leftovers) await admin.query(`drop database if exists ${qi(d)} with (force)`);
      if (leftovers.length) notes.push(`removed ${leftovers.length} database(s) left by an interrupted restore: ${leftovers.join(', ')}`);
      const fresh = await freeName(admin, `${base}_restore_${opts.stamp}`);
      const previous = await freeName(admin, `${base}_pre_restore_${opts.stamp}`);
      if (format === 'pg-custom') {
        const v = toolVersion('pg_restore');
        if (!v) fail(new EventdbError('PG_RESTORE_MISSING', 'this snapshot was made by pg_dump and pg_restore is not on PATH', 'install the PostgreSQL client tools (apt-get install postgresql-client); nothing was changed'));
      }
      try {
        await admin.query(`create database ${qi(fresh)} template template0`);
      } catch (e) {
        const code = (e as { code?: string }).code;
        fail(new EventdbError('RESTORE_FAILED', `cannot create the database "${fresh}" to restore into: ${messageOf(e)}`, code === '42501' ? 'the user needs the CREATEDB privilege (restore loads into a new database, then swaps names)' : 'nothing was changed', { cause: e }));
      }
      let tables!: Record<string, number>;
      try {
        const load = async () => {
          let counted: Record<string, number> | undefined;
          if (format === 'pg-custom') {
            await pgRestore(p, fresh, dump.data);
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
            return await restoredCounts(c, opts.expected);
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
      } catch (e) {
        await admin.query(`drop database if exists ${qi(fresh)} with (force)`).catch(() => undefined);
        if (e instanceof EventdbError) throw e;
        if (e instanceof DumpFormatError) throw new EventdbError('CORRUPT_SNAPSHOT', `the PostgreSQL dump is damaged: ${e.message}`, `use another snapshot (\`eventdb backup list\`); the original database "${target}" was not changed`, { cause: e });
        throw new EventdbError('RESTORE_FAILED', `restore into a new database failed: ${messageOf(e)}`, `the original database "${target}" was not changed`, { cause: e });
      }
      // Row counts are checked before anything is swapped.
      if (opts.expected) {
        for (const [t, n] of Object.entries(opts.expected)) {
          if (tables[t] !== n) {
            await admin.query(`drop database if exists ${qi(fresh)} with (force)`).catch(() => undefined);
            throw new EventdbError('CORRUPT_SNAPSHOT', `table ${t} has ${tables[t] ?? 'no'} rows in the restored copy, the manifest says ${n}`, `use another snapshot (\`eventdb backup list\`); the original database "${target}" was not changed`);
          }
        }
      }
      // Swap: the old database keeps its data under another name until the new one is in place.
      let moved: string | undefined;
      try {
        if (await databaseExists(admin, target)) {
          await renameDatabase(admin, target, previous);
          moved = previous;
        }
        await renameDatabase(admin, fresh, target);
      } catch (e) {
        if (moved) await renameDatabase(admin, previous, target).catch(() => undefined);
        await admin.query(`drop database if exists ${qi(fresh)} with (force)`).catch(() => undefined);
        throw new EventdbError('RESTORE_FAILED', `cannot swap the restored database into place: ${messageOf(e)}`, `the original database "${target}" was kept; close the sessions using it and retry`, { cause: e });
      }
      if (moved && !opts.keep) {
        await admin.query(`drop database if exists ${qi(moved)} with (force)`);
        moved = undefined;
      }
      return { database: target, previous: moved, tables, notes };
    });
  } catch (e) {
    dump.abort(e instanceof Error ? e : new Error(String(e)));
    throw e;
  } finally {
    await admin.end().catch(() => undefined);
  }
}

/** `name`, or `name_2`, `name_3` … — the first that is not a database yet (called under the restore lock). */
async function freeName(c: pg.Client, name: string): Promise<string> {
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? name : `${name}_${i}`;
    if (!(await databaseExists(c, candidate))) return candidate;
  }
}

