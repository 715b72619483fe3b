import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createBackup, restoreSnapshot } from '../../src/backup/index.js';
import { resolveConfig, type ResolvedConfig } from '../../src/config/index.js';
import { EventdbError } from '../../src/errors.js';
import { createPgDatabase, pgAdminUrl, withDatabase } from '../helpers/engines.js';
import { execSql, fingerprint, seedItems } from './helpers.js';

// #18 restore --to: no `pg_restore --version` runs first (a blocking Perl start through Debian's
// pg_wrapper); pg_restore starts while the new database is created and is fed once it exists. An absent
// pg_restore is still PG_RESTORE_MISSING, with nothing changed and no database left behind.

let dir: string;
let db: Awaited<ReturnType<typeof createPgDatabase>>;
let cfg: ResolvedConfig;
const path = process.env.PATH;

async function databasesLike(prefix: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: pgAdminUrl() });
  await c.connect();
  try {
    return (await c.query<{ d: string }>('select datname as d from pg_database where starts_with(datname, $1) order by 1', [prefix])).rows.map((r) => r.d);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eventdb-pgrestore-start-'));
  db = await createPgDatabase('eventdb_rstart');
  cfg = await resolveConfig({ flags: { url: db.url }, env: {} });
  await seedItems(cfg, 300);
});
afterEach(() => {
  process.env.PATH = path;
});
afterAll(async () => {
  process.env.PATH = path;
  const c = new pg.Client({ connectionString: pgAdminUrl() });
  await c.connect();
  for (const d of await databasesLike(`${db.name}_to`)) await c.query(`drop database if exists "${d}" with (force)`);
  await c.end();
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

it('restore --to a new database: pg_restore loads it while it is created; the rows and the checks are those of the snapshot', async () => {
  const store = `file:${join(dir, 'store-ok')}`;
  const b = await createBackup(cfg, { store, env: {} });
  expect(b.tool).toMatch(/^pg_dump/);
  const to = withDatabase(db.url, `${db.name}_to1`);
  const r = await restoreSnapshot(cfg, { latest: true, store, to, env: {} });
  expect(r.restored).toBe(true);
  expect(r.tables).toEqual({ items: 300 });
  expect(r.checks).toContain('row counts of the restored database match the manifest (checked before the swap)');
  const restored = await resolveConfig({ flags: { url: to }, env: {} });
  expect(await fingerprint(restored)).toEqual(await fingerprint(cfg));
  expect((await databasesLike(`${db.name.slice(0, 30)}_restore_`)).length).toBe(0);
});

it('pg_restore not on PATH: PG_RESTORE_MISSING, the target unchanged, no database left', async () => {
  const store = `file:${join(dir, 'store-missing')}`;
  await createBackup(cfg, { store, env: {} });
  await execSql(cfg, 'delete from items where id > 100');
  const before = await fingerprint(cfg);
  const empty = join(dir, 'empty-path');
  mkdirSync(empty);
  process.env.PATH = empty;
  const err = await restoreSnapshot(cfg, { latest: true, store, env: {} }).then(
    () => undefined,
    (e: unknown) => e,
  );
  process.env.PATH = path;
  expect(err).toBeInstanceOf(EventdbError);
  expect((err as EventdbError).code).toBe('PG_RESTORE_MISSING');
  expect((err as EventdbError).message).toBe('this snapshot was made by pg_dump and pg_restore is not on PATH');
  expect((err as EventdbError).hint).toMatch(/nothing was changed/);
  expect(await fingerprint(cfg)).toEqual(before);
  expect(await databasesLike(`${db.name.slice(0, 30)}_restore_`)).toEqual([]);
  expect(await databasesLike(`${db.name.slice(0, 30)}_pre_restore_`)).toEqual([]);
});
