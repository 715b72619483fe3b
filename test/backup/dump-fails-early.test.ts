import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBackup } from '../../src/backup/index.js';
import { resolveConfig, type ResolvedConfig } from '../../src/config/index.js';
import { EventdbError } from '../../src/errors.js';
import { createPgDatabase } from '../helpers/engines.js';
import { execSql, fingerprint } from './helpers.js';

// On a server the dump starts before the migration head is read (#18 fixed cost). A pg_dump that
// fails at once, while the head is still being read, must end the backup with its own error, write
// nothing, and not crash the process with an unhandled stream error.

let dir: string;
let db: Awaited<ReturnType<typeof createPgDatabase>>;
let cfg: ResolvedConfig;
const path = process.env.PATH;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eventdb-dump-fails-'));
  // A pg_dump that gives a version new enough to be used, then fails on the dump itself.
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'pg_dump'), '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "pg_dump (PostgreSQL) 99.0"; exit 0; fi\necho "pg_dump: error: simulated failure at start" >&2\nexit 1\n');
  chmodSync(join(bin, 'pg_dump'), 0o755);
  process.env.PATH = `${bin}${delimiter}${path}`;
  db = await createPgDatabase('eventdb_dumpfail');
  cfg = await resolveConfig({ flags: { url: db.url }, env: {} });
  await execSql(cfg, "create table items (id int primary key, name text not null, amount double precision); insert into items select i, 'n' || i, i from generate_series(1, 100) i");
});
afterAll(async () => {
  process.env.PATH = path;
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

it('a pg_dump that fails while the migration head is read fails the backup with its message and writes no snapshot', async () => {
  const before = await fingerprint(cfg);
  const storeDir = join(dir, 'store');
  const err = await createBackup(cfg, { store: `file:${storeDir}`, env: { EVENTDB_PG_DUMP: 'auto' } }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EventdbError);
  expect((err as EventdbError).code).toBe('BACKUP_FAILED');
  expect((err as EventdbError).message).toMatch(/^pg_dump exited with 1: simulated failure at start$/);
  // Nothing written: no snapshot folder holds a manifest (or any object).
  const files = existsSync(storeDir) ? readdirSync(storeDir, { recursive: true }).map(String).filter((f) => /manifest|data/.test(f)) : [];
  expect(files).toEqual([]);
  expect(await fingerprint(cfg)).toEqual(before);
});
