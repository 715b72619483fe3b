import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackup, restoreSnapshot } from '../../src/backup/index.js';
import { resolveConfig, type ResolvedConfig } from '../../src/config/index.js';
import { EventdbError } from '../../src/errors.js';
import { createPgDatabase, pgAdminUrl } from '../helpers/engines.js';
import { dataObject, execSql, fingerprint, seedItems } from './helpers.js';

// PostgreSQL restores load the dump into a new database while it downloads; the checksum is known
// only at the end. These tests pin down that nothing is swapped in before it is.

let dir: string;
let db: Awaited<ReturnType<typeof createPgDatabase>>;
let cfg: ResolvedConfig;

/** Every database whose name marks a restore in progress or a kept original. */
async function restoreLeftovers(): Promise<string[]> {
  const c = new pg.Client({ connectionString: pgAdminUrl() });
  await c.connect();
  try {
    const r = await c.query<{ d: string }>("select datname as d from pg_database where datname like $1 order by 1", [`${db.name.slice(0, 30)}\\_%restore\\_%`]);
    return r.rows.map((x) => x.d);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eventdb-stream-restore-'));
  db = await createPgDatabase('eventdb_bks');
  cfg = await resolveConfig({ flags: { url: db.url }, env: {} });
});
afterAll(async () => {
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe.each([
  ['pg_dump archive', 'auto'],
  ['own dump', 'never'],
] as const)('PostgreSQL streaming restore [%s]', (_label, pgDump) => {
  const env = { EVENTDB_PG_DUMP: pgDump };
  let n = 0;
  const store = () => {
    const p = join(dir, `${pgDump}-${++n}`);
    return { url: `file:${p}`, path: p };
  };

  it('an object that loads cleanly but is not the one in the manifest: CORRUPT_SNAPSHOT, target unchanged, no database left', async () => {
    await execSql(cfg, 'drop table if exists items');
    await seedItems(cfg, 400);
    const a = store();
    await createBackup(cfg, { store: a.url, env });
    // Another valid snapshot's data (a complete, loadable dump of different rows) in place of this one.
    await execSql(cfg, 'delete from items where id > 40');
    const b = store();
    await createBackup(cfg, { store: b.url, env });
    copyFileSync(dataObject(b.path), dataObject(a.path));
    await execSql(cfg, 'delete from items where id > 20');
    const before = await fingerprint(cfg);
    expect(before.rows).toBe(20);

    const e = await restoreSnapshot(cfg, { latest: true, store: a.url, env }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(EventdbError);
    expect((e as EventdbError).code).toBe('CORRUPT_SNAPSHOT');
    expect((e as EventdbError).message).toMatch(/^data\.\S+ does not match the manifest \(\d+ of \d+ bytes, SHA-256 differs\)$/);
    expect(await fingerprint(cfg)).toEqual(before);
    expect(await restoreLeftovers()).toEqual([]);
  });

  it('a truncated object stops the load: CORRUPT_SNAPSHOT, target unchanged, no database left', async () => {
    await execSql(cfg, 'drop table if exists items');
    await seedItems(cfg, 3000);
    const a = store();
    await createBackup(cfg, { store: a.url, env });
    const obj = dataObject(a.path);
    const buf = readFileSync(obj);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(obj, buf.subarray(0, Math.floor(statSync(obj).size * 0.7)));
    await execSql(cfg, 'delete from items where id > 5');
    const before = await fingerprint(cfg);

    const e = await restoreSnapshot(cfg, { latest: true, store: a.url, env }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((e as EventdbError).code).toBe('CORRUPT_SNAPSHOT');
    expect((e as EventdbError).message).toMatch(/^data\.\S+ (does not match the manifest|is damaged)/);
    expect(await fingerprint(cfg)).toEqual(before);
    expect(await restoreLeftovers()).toEqual([]);
  });

  it('restores while downloading, reports download progress up to the stored size, and checks the rows before the swap', async () => {
    await execSql(cfg, 'drop table if exists items');
    await seedItems(cfg, 2500);
    const want = await fingerprint(cfg);
    const a = store();
    const bk = await createBackup(cfg, { store: a.url, env });
    await execSql(cfg, 'delete from items');
    const seen: Array<{ phase: string; bytes?: number; total?: number }> = [];
    const r = await restoreSnapshot(cfg, { latest: true, store: a.url, keep: false, env, onProgress: (p) => seen.push(p) });
    expect(r.restored).toBe(true);
    expect(r.tables.items).toBe(2500);
    expect(r.checks).toContain('row counts of the restored database match the manifest (checked before the swap)');
    expect(await fingerprint(cfg)).toEqual(want);
    expect(await restoreLeftovers()).toEqual([]);
    const loads = seen.filter((p) => p.phase === 'load');
    expect(loads.length).toBeGreaterThan(0);
    expect(loads.at(-1)).toEqual({ phase: 'load', bytes: bk.size, total: bk.size });
    for (let i = 1; i < loads.length; i++) expect(loads[i]!.bytes!).toBeGreaterThanOrEqual(loads[i - 1]!.bytes!);
  });
});
