/**
 * SQLite-only statements in a history run on DuckDB (Synapse's SQLite files: FTS4 virtual tables,
 * `CREATE TRIGGER … BEGIN … END`, `DROP TRIGGER IF EXISTS x`) do not parse with PostgreSQL's grammar
 * either; lint called them "DuckDB-only syntax: not analysed" (low), so `--fail-on high` passed a
 * migration DuckDB refuses. DuckDB is the judge: each statement is linted, then run on a real
 * in-memory DuckDB; a statement DuckDB refuses must be `unsupported-statement` (critical), one it runs
 * stays `not-analysed`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import { lintMigrations } from '../../src/risk/index.js';

const dir = mkdtempSync(join(tmpdir(), 'eventdb-duck-sqlite-only-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SETUP = ['create table t (id integer, room_id varchar)', 'create table u (id integer)'];
const CASES: Array<{ what: string; stmt: string; refused: boolean }> = [
  { what: 'FTS4 virtual table', stmt: 'CREATE VIRTUAL TABLE event_search USING fts4 ( event_id, room_id, sender, key, value )', refused: true },
  { what: 'FTS5 virtual table, lower case, after a comment', stmt: '/* search */ create virtual table if not exists s5 using fts5(body)', refused: true },
  { what: "SQLite trigger with BEGIN … END", stmt: "CREATE TRIGGER t_bad BEFORE INSERT ON t FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'bad') WHERE NEW.id < 0; END", refused: true },
  { what: 'SQLite trigger IF NOT EXISTS', stmt: 'CREATE TRIGGER IF NOT EXISTS t_ins AFTER INSERT ON t FOR EACH ROW BEGIN INSERT INTO u VALUES (NEW.id); END', refused: true },
  { what: 'SQLite temporary trigger', stmt: 'CREATE TEMP TRIGGER t_tmp AFTER DELETE ON t BEGIN DELETE FROM u WHERE id = OLD.id; END', refused: true },
  { what: 'DROP TRIGGER without ON (SQLite form)', stmt: 'DROP TRIGGER IF EXISTS t_ins', refused: true },
  { what: 'DROP TRIGGER … ON (PostgreSQL form)', stmt: 'DROP TRIGGER IF EXISTS t_ins ON t', refused: true },
  { what: 'DuckDB macro (DuckDB-only, valid)', stmt: 'CREATE MACRO add_points(a, b) AS a + b', refused: false },
  { what: 'FROM-first CREATE TABLE AS (DuckDB-only, valid)', stmt: 'CREATE TABLE t_copy AS FROM t', refused: false },
];

it.each(CASES.map((c, i) => [i, c.what, c] as const))('case %i: %s — lint and DuckDB agree', async (i, _what, c) => {
  const folder = join(dir, `case${i}`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, '0001_setup.sql'), `-- eventdb:up\n${SETUP.map((q) => `${q};`).join('\n')}\n`);
  writeFileSync(join(folder, '0002_stmt.sql'), `-- eventdb:up\n${c.stmt};\n`);
  const lint = await lintMigrations({ paths: [folder], engine: 'duckdb', failOn: 'high', cwd: folder });
  const rules = lint.findings.filter((f) => f.migration === '0002_stmt').map((f) => `${f.rule}:${f.level}`);

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
  expect(rules).toEqual(c.refused ? ['unsupported-statement:critical'] : ['not-analysed:low']);
  if (c.refused) expect(lint.failed).toBe(true);
});
