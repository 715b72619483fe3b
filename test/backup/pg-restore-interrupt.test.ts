import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN, baseEnv, runCli } from '../helpers/cli.js';
import { createPgDatabase } from '../helpers/engines.js';

/*
 * A PostgreSQL restore stopped by SIGINT or SIGTERM left its work database (`<name>_restore_<time>`,
 * marked in progress) behind for the next restore to drop. Now the interrupted run drops it itself,
 * ending its own sessions on it first, and exits 130 / 143 with INTERRUPTED and nothing else; the target
 * keeps its data. Each run is signalled once its work database exists, while the rows load — through
 * eventdb's own dump and through pg_restore.
 */
const dir = mkdtempSync(join(tmpdir(), 'eventdb-pg-interrupt-'));
const env = { ...baseEnv(), EVENTDB_MIGRATIONS_DIR: join(dir, 'migrations') };
let db: Awaited<ReturnType<typeof createPgDatabase>>;

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

/** The databases named like this target's restore work databases, with their comments. */
const workDatabases = () =>
  query<{ d: string; n: string | null }>(db.url, `select datname as d, shobj_description(oid, 'pg_database') as n from pg_database where starts_with(datname, '${db.name}_restore_') order by 1`);

/** What the target holds: rows and a checksum of them. */
const contents = () => query<{ n: number; sum: string }>(db.url, 'select count(*)::int as n, sum(hashtext(body))::text as sum from big');

beforeAll(async () => {
  db = await createPgDatabase('eventdb_intr');
  await query(db.url, "create table big (id int primary key, body text); insert into big select i, repeat(md5(i::text), 6) from generate_series(1, 300000) i");
  for (const [store, pgDump] of [['own', 'never'], ['pgdump', 'auto']] as const) {
    const r = await runCli(['backup', '--url', db.url, '--store', `file://${join(dir, store)}`, '--compress', 'none', '--json'], { cwd: dir, env: { ...env, EVENTDB_PG_DUMP: pgDump }, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
  }
  // The target then changes: a finished restore would bring back the snapshot's rows.
  await query(db.url, "delete from big where id > 1000; update big set body = 'changed' where id <= 10");
}, 240_000);

afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `restore`, sends `signal` once its work database (not one of `existing`) exists, and resolves with the exit and output. */
function interrupt(args: string[], extraEnv: Record<string, string>, signal: NodeJS.Signals, existing: ReadonlySet<string>): Promise<{ code: number | null; stdout: string; stderr: string; signalled: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    let polling = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const poll = setInterval(() => {
      if (signalled || polling) return;
      polling = true;
      workDatabases()
        .then((rows) => {
          if (!signalled && rows.some((r) => !existing.has(r.d) && r.n?.startsWith('eventdb restore in progress: '))) {
            signalled = true;
            child.kill(signal);
          }
        })
        .catch(() => undefined)
        .finally(() => (polling = false));
    }, 10);
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code, stdout, stderr, signalled });
    });
  });
}

it.each([
  ["eventdb's own dump", 'SIGINT', 'own', 'never', 130],
  ['pg_restore', 'SIGTERM', 'pgdump', 'auto', 143],
] as const)('restore through %s, %s while the rows load: the work database is dropped, the target unchanged', async (_what, signal, store, pgDump, exit) => {
  const before = await contents();
  expect(before).toEqual([{ n: 1000, sum: expect.any(String) }]);
  const left = await workDatabases();
  const r = await interrupt(['restore', '--latest', '--url', db.url, '--store', `file://${join(dir, store)}`, '--yes', '--json'], { EVENTDB_PG_DUMP: pgDump }, signal, new Set(left.map((d) => d.d)));
  expect(r.signalled).toBe(true);
  expect(r.code, r.stderr).toBe(exit);
  // One answer, the interruption: not also the load's failure when its sessions were ended.
  expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'INTERRUPTED', message: `interrupted by ${signal}` } });
  expect(await workDatabases()).toEqual(left);
  expect(await contents()).toEqual(before);
}, 120_000);
