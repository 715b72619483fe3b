import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { duckdbStableSql } from '../../src/dialects/duckdb/expression-text.js';
import { runCli } from '../helpers/cli.js';

/*
 * DuckDB prints `CAST(0 AS "DOUBLE")` and `DECIMAL(10, 2)` in the session that made them, and
 * `CAST(0 AS DOUBLE)`, `DECIMAL(10,2)` once the file is opened again. validate's drift check compared
 * the reopened live file with a replay that never was, and warned about every such default, index,
 * view and check right after `migrate up` — failing in production.
 */
const root = mkdtempSync(join(tmpdir(), 'eventdb-duckexpr-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('the spellings of one session and of a reopened file read the same; string literals are kept', () => {
  expect(duckdbStableSql('CAST((CAST(reading AS "DOUBLE") * 2) AS "DOUBLE")')).toBe('CAST((CAST(reading AS DOUBLE) * 2) AS DOUBLE)');
  expect(duckdbStableSql('CAST(1 AS DECIMAL(10, 2))')).toBe('CAST(1 AS DECIMAL(10,2))');
  expect(duckdbStableSql(`CAST('x AS "DOUBLE", DECIMAL(1, 2)' AS VARCHAR)`)).toBe(`CAST('x AS "DOUBLE", DECIMAL(1, 2)' AS VARCHAR)`);
  expect(duckdbStableSql('SELECT "Mixed" AS "Name" FROM t')).toBe('SELECT "Mixed" AS "Name" FROM t');
  expect(duckdbStableSql(null)).toBeNull();
});

it('validate right after migrate up: no drift for casts in defaults, a generated column, a check, an index and a view', async () => {
  const migrations = join(root, 'migrations');
  mkdirSync(migrations);
  writeFileSync(
    join(migrations, '0001_casts.sql'),
    `-- eventdb:up
CREATE TABLE measurement (id INTEGER PRIMARY KEY, reading DOUBLE DEFAULT 0::DOUBLE,
  price DECIMAL(10,2) DEFAULT 1::DECIMAL(10,2), day DATE DEFAULT CAST(now() AS DATE),
  doubled DOUBLE GENERATED ALWAYS AS (reading::DOUBLE * 2) VIRTUAL, CHECK (price::DOUBLE >= 0));
CREATE INDEX measurement_day ON measurement (CAST(day AS DATE));
CREATE VIEW measurement_v AS SELECT id, reading::DOUBLE AS r, CAST(day AS DATE) AS d FROM measurement;
`,
  );
  const env = { EVENTDB_MIGRATIONS_DIR: migrations, EVENTDB_SCHEMA_DIR: join(root, 'schema') };
  const url = `duckdb:${join(root, 'm.duckdb')}`;
  const up = await runCli(['--url', url, 'migrate', 'up'], { env, cwd: root });
  expect(up.code, up.stderr).toBe(0);
  const v = await runCli(['--url', url, 'validate', '--env', 'production', '--json'], { env, cwd: root });
  const drift = v.json<{ findings: Array<{ check: string; level: string; message: string }> }>().findings.filter((f) => f.check === 'drift');
  expect(drift.map((f) => `${f.level}: ${f.message}`)).toEqual(['ok: no drift: the live schema is what the migrations make (1 table)']);
  expect(v.code).toBe(0);
});
