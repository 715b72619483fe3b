import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { getSnapshotEngine } from '../../src/dialects/index.js';
import { EventdbError } from '../../src/errors.js';

/*
 * A manifest is untrusted: one rewritten to say `duckdb` made verify and restore open a SQLite file as
 * a DuckDB copy, and DuckDB went to fetch its sqlite_scanner extension over plain HTTP to read it. The
 * copy is now opened with extension autoinstall and autoload off: refused, nothing fetched.
 */
const dir = mkdtempSync(join(tmpdir(), 'eventdb-duckcopy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a SQLite file given as a DuckDB copy is CORRUPT_SNAPSHOT without loading an extension', async () => {
  const file = join(dir, 'copy.duckdb');
  const db = new Database(file);
  db.exec('create table t (x integer); insert into t values (1)');
  db.close();
  const engine = await getSnapshotEngine('duckdb');
  const e = await engine.checkFile(file, 'duckdb-file').then(() => undefined, (x: unknown) => x as EventdbError);
  expect(e).toBeInstanceOf(EventdbError);
  expect(e!.code).toBe('CORRUPT_SNAPSHOT');
  expect(e!.message).toMatch(/^the snapshot's DuckDB copy cannot be opened: /);
  expect(e!.message).not.toMatch(/download|http:|extensions\.duckdb\.org/i);
});
