import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBackup, restoreSnapshot } from '../../src/backup/index.js';
import { resolveConfig, type ResolvedConfig } from '../../src/config/index.js';
import { createPgDatabase, pgAdminUrl, withDatabase } from '../helpers/engines.js';
import { BIN, baseEnv, runCli } from '../helpers/cli.js';
import { execSql, fingerprint, seedItems } from './helpers.js';

// A restore removes only the `<name>_restore_<time>` databases that an eventdb restore created and
// marked as its work in progress (COMMENT ON DATABASE), never a database because of its name alone:
// a user's copy named like a leftover (e.g. a rehearsal restored `--to <name>_restore_<time>`) stays.
// A finished restore leaves no marker on the target or on the kept copy.

const MARK = 'eventdb restore in progress: ';

let dir: string;
let store: string;
let db: Awaited<ReturnType<typeof createPgDatabase>>;
let cfg: ResolvedConfig;
let base: string;

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: pgAdminUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const exists = (name: string) => admin(async (c) => (await c.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1);
const comment = (name: string) => admin(async (c) => (await c.query<{ n: string | null }>("select shobj_description(oid, 'pg_database') as n from pg_database where datname = $1", [name])).rows[0]?.n ?? null);
/** Databases of this file carrying the in-progress marker. */
const marked = () => admin(async (c) => (await c.query<{ d: string }>("select datname as d from pg_database where starts_with(datname, $1) and starts_with(shobj_description(oid, 'pg_database'), $2) order by 1", [base, MARK])).rows.map((r) => r.d));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eventdb-pgleftovers-'));
  store = `file:${join(dir, 'store')}`;
  db = await createPgDatabase('eventdb_rleft');
  base = db.name.slice(0, 30);
  cfg = await resolveConfig({ flags: { url: db.url }, env: {} });
  await seedItems(cfg, 50);
  await createBackup(cfg, { store, env: {} });
});
afterAll(async () => {
  // drop() also removes `<name>_restore_*` and `<name>_pre_restore_*`.
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

it("a user's database named like a leftover survives a restore of the target, and no note names it", async () => {
  const mine = `${base}_restore_20250101t000000z`;
  await admin((c) => c.query(`create database "${mine}"`));
  const u = new pg.Client({ connectionString: withDatabase(pgAdminUrl(), mine) });
  await u.connect();
  await u.query("create table precious (id int primary key, v text); insert into precious values (1, 'keep me')");
  await u.end();

  const r = await restoreSnapshot(cfg, { latest: true, store, env: {} });
  expect(r.restored).toBe(true);
  expect(r.notes.join('\n')).not.toContain(mine);
  expect(r.notes.join('\n')).not.toMatch(/removed \d+ database\(s\) left by an interrupted restore/);
  expect(await exists(mine)).toBe(true);
  const v = new pg.Client({ connectionString: withDatabase(pgAdminUrl(), mine) });
  await v.connect();
  expect((await v.query('select id, v from precious')).rows).toEqual([{ id: 1, v: 'keep me' }]);
  await v.end();
}, 60_000);

it('a rehearsal copy restored --to <name>_restore_<time> carries no marker and survives the next restore of <name>', async () => {
  const rehearsal = `${base}_restore_20261203t000000z`;
  const r1 = await restoreSnapshot(cfg, { latest: true, store, to: withDatabase(pgAdminUrl(), rehearsal), env: {} });
  expect(r1.restored).toBe(true);
  expect(await comment(rehearsal)).toBeNull();
  const r2 = await restoreSnapshot(cfg, { latest: true, store, env: {} });
  expect(r2.restored).toBe(true);
  expect(r2.notes.join('\n')).not.toContain(rehearsal);
  expect(await exists(rehearsal)).toBe(true);
  expect(await fingerprint(await resolveConfig({ flags: { url: withDatabase(pgAdminUrl(), rehearsal) }, env: {} }))).toEqual(await fingerprint(cfg));
}, 60_000);

it('a leftover that a restore created and marked (killed midway) is removed by the next restore and named in its note', async () => {
  // What a restore killed while loading leaves: the database created from template0 and marked at once.
  const left = `${base}_restore_20250202t020202z`;
  await admin(async (c) => {
    await c.query(`create database "${left}" template template0`);
    await c.query(`comment on database "${left}" is '${MARK}${db.name} 20250202t020202z'`);
  });
  const r = await restoreSnapshot(cfg, { latest: true, store, env: {} });
  expect(r.restored).toBe(true);
  expect(r.notes).toContain(`removed 1 database(s) left by an interrupted restore: ${left}`);
  expect(await exists(left)).toBe(false);
}, 60_000);

it('after a successful restore neither the target nor the kept copy carries the marker', async () => {
  const r = await restoreSnapshot(cfg, { latest: true, store, env: {} });
  expect(r.restored).toBe(true);
  expect(r.previous).toMatch(new RegExp(`^${base}_pre_restore_`));
  expect(await comment(db.name)).toBeNull();
  expect(await comment(r.previous!)).toBeNull();
  expect(await marked()).toEqual([]);
  expect(await fingerprint(cfg)).toEqual({ rows: 50, hash: expect.any(String) });
  // The next restore takes neither for a leftover.
  const again = await restoreSnapshot(cfg, { latest: true, store, env: {} });
  expect(again.notes.join('\n')).not.toMatch(/interrupted restore/);
  expect(await exists(r.previous!)).toBe(true);
}, 60_000);

it('kill -9 while a restore loads: its database carries the marker; the next restore removes it and names it', async () => {
  // ~24 MB gzip cannot shrink, so the load takes long enough to be interrupted.
  await execSql(cfg, "create table big (id integer primary key, v text not null); insert into big select g, (select string_agg(md5((g * 1000 + i)::text), '') from generate_series(1, 60) i) from generate_series(1, 12000) g");
  const b = await runCli(['backup', '--json', '--url', db.url, '--store', store], { cwd: dir, env: { EVENTDB_PG_DUMP: 'never' } });
  expect(b.code, b.stderr).toBe(0);
  const before = await fingerprint(cfg);
  const child = spawn(process.execPath, [BIN, 'restore', '--latest', '--yes', '--url', db.url, '--store', store], { cwd: dir, env: baseEnv(), stdio: 'ignore' });
  const ended = new Promise<void>((r) => child.on('close', () => r()));
  let done = false;
  void ended.then(() => (done = true));
  let left: string[] = [];
  while (!done && left.length === 0) left = await marked();
  child.kill('SIGKILL');
  await ended;
  expect(left, 'the restore ended before its database was seen').toHaveLength(1);
  expect(left[0]).toMatch(new RegExp(`^${base}_restore_\\d{8}t\\d{6}z$`));
  expect(await comment(left[0]!)).toMatch(new RegExp(`^${MARK}${db.name} \\d{8}t\\d{6}z$`));
  const r = await runCli(['restore', '--latest', '--yes', '--json', '--url', db.url, '--store', store], { cwd: dir, timeoutMs: 120_000 });
  expect(r.code, r.stderr).toBe(0);
  expect(r.json().restore.notes).toContain(`removed 1 database(s) left by an interrupted restore: ${left[0]}`);
  expect(await exists(left[0]!)).toBe(false);
  expect(await marked()).toEqual([]);
  expect(await fingerprint(cfg)).toEqual(before);
}, 180_000);
