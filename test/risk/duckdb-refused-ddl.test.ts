/**
 * DDL that PostgreSQL and SQLite run and DuckDB refuses, met running Synapse's SQLite history on DuckDB:
 * a foreign key with a referential action (`ON DELETE CASCADE`, `SET NULL`, `SET DEFAULT`, `ON UPDATE
 * CASCADE`: "FOREIGN KEY constraints cannot use CASCADE, SET NULL or SET DEFAULT") and a partial index
 * (`CREATE INDEX … WHERE`: "Creating partial indexes is not supported currently"). lint said nothing of
 * either. DuckDB is the judge: each statement is linted, then run on a real in-memory DuckDB; a statement
 * DuckDB refuses must be `unsupported-statement` (critical), one it runs must not.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import { lintMigrations } from '../../src/risk/index.js';

const dir = mkdtempSync(join(tmpdir(), 'eventdb-duck-refused-ddl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SETUP = ['CREATE TABLE rooms (id integer PRIMARY KEY, live boolean)'];
const CASES: Array<{ what: string; stmt: string; refused: boolean }> = [
  { what: 'column REFERENCES … ON DELETE CASCADE', stmt: 'CREATE TABLE gaps (id integer, room_id integer REFERENCES rooms (id) ON DELETE CASCADE)', refused: true },
  { what: 'column REFERENCES … ON DELETE SET NULL', stmt: 'CREATE TABLE gaps (id integer, room_id integer REFERENCES rooms (id) ON DELETE SET NULL)', refused: true },
  { what: 'column REFERENCES … ON UPDATE CASCADE', stmt: 'CREATE TABLE gaps (id integer, room_id integer REFERENCES rooms (id) ON UPDATE CASCADE)', refused: true },
  { what: 'table FOREIGN KEY … ON DELETE SET DEFAULT', stmt: 'CREATE TABLE gaps (id integer, room_id integer DEFAULT 0, FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE SET DEFAULT)', refused: true },
  { what: 'table FOREIGN KEY … ON DELETE CASCADE DEFERRABLE (Synapse 73/20)', stmt: 'CREATE TABLE gaps (id integer, room_id integer, FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED)', refused: true },
  { what: 'ON DELETE RESTRICT', stmt: 'CREATE TABLE gaps (id integer, room_id integer REFERENCES rooms (id) ON DELETE RESTRICT)', refused: false },
  { what: 'ON DELETE NO ACTION ON UPDATE NO ACTION', stmt: 'CREATE TABLE gaps (id integer, room_id integer REFERENCES rooms (id) ON DELETE NO ACTION ON UPDATE NO ACTION)', refused: false },
  { what: 'a plain foreign key, DEFERRABLE', stmt: 'CREATE TABLE gaps (id integer, room_id integer, FOREIGN KEY (room_id) REFERENCES rooms (id) DEFERRABLE INITIALLY DEFERRED)', refused: false },
  { what: 'partial index (Synapse 79/03)', stmt: 'CREATE UNIQUE INDEX rooms_live ON rooms (id) WHERE live', refused: true },
  { what: 'partial index on IS NOT NULL', stmt: 'CREATE INDEX rooms_id_nn ON rooms (id) WHERE id IS NOT NULL', refused: true },
  { what: 'plain index', stmt: 'CREATE INDEX rooms_live_idx ON rooms (live)', refused: false },
];

it.each(CASES.map((c, i) => [i, c.what, c] as const))('case %i: %s — lint and DuckDB agree', async (i, _what, c) => {
  const folder = join(dir, `case${i}`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, '0001_setup.sql'), `-- eventdb:up\n${SETUP.map((q) => `${q};`).join('\n')}\n`);
  writeFileSync(join(folder, '0002_stmt.sql'), `-- eventdb:up\n${c.stmt};\n`);
  const lint = await lintMigrations({ paths: [folder], engine: 'duckdb', failOn: 'high', cwd: folder, assumeSmall: true });
  const unsupported = lint.findings.filter((f) => f.migration === '0002_stmt' && f.rule === 'unsupported-statement');

  const conn = await openDatabase({ flags: { url: 'duckdb::memory:' }, env: {}, cwd: folder });
  let refused: string | undefined;
  try {
    for (const q of SETUP) await sql.raw(q).execute(conn.db);
    await sql.raw(c.stmt).execute(conn.db);
  } catch (e) {
    refused = (e as Error).message;
  } finally {
    await conn.close();
  }
  expect(refused !== undefined, `DuckDB: ${refused ?? 'ran it'}`).toBe(c.refused);
  expect(unsupported.map((f) => f.level)).toEqual(c.refused ? ['critical'] : []);
});
