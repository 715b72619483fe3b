/**
 * DuckDB builds an index (ART) on a foreign key's columns itself, with the constraint: deleting a parent
 * row looks the key up in it. lint reported `fk-without-index` on DuckDB (Synapse's SQLite history linted
 * for DuckDB: 5 findings), though the rule's own engines are PostgreSQL and SQLite. DuckDB is the judge:
 * the memory its ART indexes hold grows by the child's key index when the table has the foreign key.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, expect, it } from 'vitest';
import { analyseMigration, loadParsers, readSqlMigration } from '../../src/risk/index.js';

const PARENT = 'CREATE TABLE rooms (id integer PRIMARY KEY)';
const CHILD = 'CREATE TABLE gaps (id integer, room_id integer REFERENCES rooms (id))';

async function artBytes(withFk: boolean): Promise<bigint> {
  const inst = await DuckDBInstance.create(':memory:');
  const c = await inst.connect();
  try {
    await c.run(PARENT);
    await c.run('INSERT INTO rooms SELECT range FROM range(1000)');
    await c.run(withFk ? CHILD : 'CREATE TABLE gaps (id integer, room_id integer)');
    await c.run('INSERT INTO gaps SELECT range, range % 1000 FROM range(200000)');
    const r = await c.runAndReadAll("SELECT coalesce(sum(memory_usage_bytes), 0)::BIGINT FROM duckdb_memory() WHERE tag = 'ART_INDEX'");
    return r.getRows()[0]![0] as bigint;
  } finally {
    c.closeSync();
    inst.closeSync();
  }
}

beforeAll(async () => {
  await loadParsers(['postgres', 'sqlite', 'duckdb']);
});

it('DuckDB indexes the foreign key columns itself; lint flags a foreign key without an index on PostgreSQL and SQLite only', async () => {
  const without = await artBytes(false);
  const withFk = await artBytes(true);
  expect(withFk, `ART index memory: ${without} bytes without the foreign key, ${withFk} with it`).toBeGreaterThan(without * 2n);

  const sql = `-- eventdb:up\n${PARENT};\n${CHILD};\n`;
  const rules = (engine: 'postgres' | 'sqlite' | 'duckdb') => analyseMigration(readSqlMigration('0001_gaps', sql, 'gaps.sql'), { engine }).findings.map((f) => f.rule);
  expect(rules('duckdb')).not.toContain('fk-without-index');
  expect(rules('postgres')).toContain('fk-without-index');
  expect(rules('sqlite')).toContain('fk-without-index');
});
