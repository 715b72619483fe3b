import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../src/config/url.js';
import { gatePlan, lintMigrations, type GateStep } from '../../src/risk/index.js';

/*
 * Issue 19: a relation an earlier step of the plan being run creates is new to every later step —
 * no deployed code uses it, it starts empty — whatever statement created it. The gate (migrate up,
 * rollback) reads the pending plan; lint reads a history whose earlier files are deployed.
 */
const step = (engine: Engine, id: string, ...statements: string[]): GateStep => ({ id, file: `${id}.sql`, engine, direction: 'up', statements });
const rules = (r: Awaited<ReturnType<typeof gatePlan>>) => r.migrations.flatMap((m) => m.findings.map((f) => `${m.migration}:${f.rule}:${f.level}`));
const prod = { environment: 'production', force: false };

describe('relations created earlier in the same plan', () => {
  for (const engine of ['postgres', 'sqlite'] as Engine[]) {
    it(`[${engine}] renaming a table the plan creates, and indexing it, breaks nothing deployed and locks nothing in use`, async () => {
      const r = await gatePlan([step(engine, '0001_staging', 'CREATE TABLE bookings_uuid (id integer, title text)'), step(engine, '0002_swap', 'ALTER TABLE bookings_uuid RENAME TO bookings', 'CREATE INDEX bookings_title_idx ON bookings (title)')], prod);
      expect(rules(r)).toEqual([]);
      expect(r.blocked).toBe(false);
    });

    it(`[${engine}] the same rename of a table the plan did not create is refused (compat-rename-table, high)`, async () => {
      const r = await gatePlan([step(engine, '0002_swap', 'ALTER TABLE bookings_uuid RENAME TO bookings')], prod);
      expect(rules(r)).toEqual(['0002_swap:compat-rename-table:high']);
      expect(r.blocking).toEqual(['0002_swap']);
    });
  }

  it('[postgres] a materialized view, CREATE TABLE AS and SELECT INTO of an earlier step are new: no lock-index-build, and the size note says why', async () => {
    const r = await gatePlan([
      step('postgres', '0001_make', 'CREATE MATERIALIZED VIEW totals AS SELECT 1 AS day WITH NO DATA', 'CREATE TABLE copy1 AS SELECT 1 AS id', 'SELECT 1 AS id INTO copy2'),
      step('postgres', '0002_index', 'CREATE UNIQUE INDEX totals_day ON totals (day)', 'CREATE INDEX copy1_id ON copy1 (id)', 'CREATE INDEX copy2_id ON copy2 (id)', 'LOCK TABLE copy1'),
    ], prod);
    expect(rules(r)).toEqual([]);
    const existing = await gatePlan([step('postgres', '0002_index', 'CREATE UNIQUE INDEX totals_day ON totals (day)')], prod);
    expect(existing.migrations[0]!.findings.map((f) => [f.rule, f.level, f.message])).toEqual([['lock-index-build', 'high', expect.stringContaining('"totals" assumed production-sized')]]);
  });

  it('[postgres] a table dropped by an earlier step and not re-created is no longer new', async () => {
    const r = await gatePlan([step('postgres', '0001_make', 'CREATE TABLE t (id int)'), step('postgres', '0002_drop', 'DROP TABLE t'), step('postgres', '0003_rename', 'ALTER TABLE t RENAME TO u')], prod);
    expect(rules(r)).toEqual(['0002_drop:loss-drop-table:low', '0003_rename:compat-rename-table:high']);
  });

  it('[duckdb] renaming a table whose index an earlier step committed still fails on DuckDB, and says so', async () => {
    const r = await gatePlan([step('duckdb', '0001_make', 'CREATE TABLE b (id integer, title varchar)', 'CREATE INDEX bt ON b (title)'), step('duckdb', '0002_rename', 'ALTER TABLE b RENAME TO c')], prod);
    expect(rules(r)).toEqual(['0002_rename:unsupported-statement:critical']);
  });

  it('lint reads a history: a table an earlier file created is deployed, its rename a compat break', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eventdb-plan-created-'));
    try {
      writeFileSync(join(dir, '0001_staging.sql'), '-- eventdb:up\nCREATE TABLE bookings_uuid (id integer, title text);\n');
      writeFileSync(join(dir, '0002_swap.sql'), '-- eventdb:up\nALTER TABLE bookings_uuid RENAME TO bookings;\n');
      const r = await lintMigrations({ paths: [dir], engine: 'postgres', failOn: 'high' });
      expect(r.findings.map((f) => `${f.migration}:${f.rule}:${f.level}`)).toEqual(['0002_swap:compat-rename-table:high']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
