import { beforeAll, expect, it } from 'vitest';
import { analyseMigration, loadParsers, readSqlMigration } from '../../src/risk/index.js';

/*
 * hatchet's 20241023112235_v0_50_3: `WITH unique_queues AS (SELECT … FROM "StepRun") INSERT INTO "Queue"
 * … SELECT … FROM unique_queues` beside DDL. Lint said "data change on "unique_queues"", a CTE, and
 * sized a table of that name. The copy reads StepRun: that is the table named and sized now.
 */
beforeAll(() => loadParsers(['postgres']));

const lint = (up: string, rows: Record<string, number> = {}) =>
  analyseMigration(readSqlMigration('0001_q', `-- eventdb:up\n${up}`, '0001_q.sql'), { engine: 'postgres', ...(Object.keys(rows).length ? { tableSizes: new Map(Object.entries(rows)) } : {}) })
    .findings.filter((f) => f.rule === 'txn-ddl-with-large-dml')
    .map((f) => `${f.level} ${f.message.split(' runs in')[0]}`);

it('INSERT … SELECT through a CTE is sized and named by the table the CTE reads', () => {
  const ddl = 'ALTER TABLE "Queue" ADD COLUMN "lastActive" timestamp(3) NULL;\n';
  expect(lint(`${ddl}WITH unique_queues AS (SELECT DISTINCT "tenantId", "queue" FROM "StepRun")\nINSERT INTO "Queue" ("tenantId", "name") SELECT "tenantId", "queue" FROM unique_queues;`)).toEqual(['high data change on "StepRun"']);
  // With live sizes, the size is the read table's (a name absent from them would count as a new, empty table).
  const sized = (up: string, rows: Record<string, number>) => lint(`ALTER TABLE queue ADD COLUMN last_active timestamp NULL;\n${up}`, rows);
  const big = { step_run: 5_000_000, queue: 5_000_000 };
  expect(sized('WITH q AS (SELECT tenant FROM step_run) INSERT INTO queue (tenant) SELECT tenant FROM q;', big)).toEqual(['high data change on "step_run"']);
  expect(sized('INSERT INTO queue (tenant) SELECT tenant FROM step_run;', big)).toEqual(['high data change on "step_run"']);
  expect(sized('WITH q AS (SELECT tenant FROM step_run) INSERT INTO queue (tenant) SELECT tenant FROM q;', { step_run: 10, queue: 5_000_000 })).toEqual([]);
  // A CTE through a CTE, and one with a WITH inside the INSERT's SELECT.
  expect(lint(`${ddl}WITH a AS (SELECT * FROM "StepRun"), b AS (SELECT * FROM a) INSERT INTO "Queue" SELECT * FROM b;`)).toEqual(['high data change on "StepRun"']);
  expect(lint(`${ddl}INSERT INTO "Queue" WITH a AS (SELECT * FROM "StepRun") SELECT * FROM a;`)).toEqual(['high data change on "StepRun"']);
  // A CTE of constants reads no table: no copy to size.
  expect(lint(`${ddl}WITH v AS (SELECT 1 AS x) INSERT INTO "Queue" ("tenantId") SELECT x FROM v;`)).toEqual([]);
});
