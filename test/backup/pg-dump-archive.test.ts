import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBackup, restoreSnapshot } from '../../src/backup/index.js';
import { resolveConfig, type ResolvedConfig } from '../../src/config/index.js';
import { createPgDatabase } from '../helpers/engines.js';
import { execSql, fingerprint } from './helpers.js';

// pg_dump compresses the table data inside its archive (-Z1), so eventdb carries the compressed
// archive through Node instead of the raw table data (issue #18); the archive still restores.

let dir: string;
let db: Awaited<ReturnType<typeof createPgDatabase>>;
let cfg: ResolvedConfig;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eventdb-pg-archive-'));
  db = await createPgDatabase('eventdb_pgz');
  cfg = await resolveConfig({ flags: { url: db.url }, env: {} });
});
afterAll(async () => {
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

it('the pg_dump archive holds compressed table data (raw object far below the data size) and restores the same rows', async () => {
  // 20,000 rows of 500 repeated characters: 10 MB of table text that compresses to a few KB.
  await execSql(cfg, "create table items (id int primary key, name text not null, amount double precision); insert into items select i, repeat('x', 500), i from generate_series(1, 20000) i");
  const before = await fingerprint(cfg);
  const store = `file:${join(dir, 'store')}`;
  const b = await createBackup(cfg, { store, compress: 'none', env: { EVENTDB_PG_DUMP: 'auto' } });
  expect(b.tool).toMatch(/^pg_dump/);
  expect(b.tables).toEqual({ items: 20000 });
  // Uncompressed (-Z0) the archive would be over 10 MB; with -Z1 it is well under 1 MB.
  expect(b.rawSize).toBeLessThan(1_000_000);
  await execSql(cfg, 'delete from items where id > 10');
  const r = await restoreSnapshot(cfg, { id: b.id, store, env: {}, keep: false });
  expect(r.restored).toBe(true);
  expect(r.tables).toEqual({ items: 20000 });
  expect(await fingerprint(cfg)).toEqual(before);
}, 60_000);
