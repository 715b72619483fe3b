/**
 * A PostgreSQL CHECK left NOT VALID (pg_constraint.convalidated = false; issue 17): `validate` reports
 * it (`check-not-valid`, warning, with the VALIDATE CONSTRAINT statement) and `auto-fix` validates it;
 * rows that fail it make the fix fail with PostgreSQL's message, and nothing changes. Only PostgreSQL
 * (server and PGlite) has NOT VALID constraints.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Connection } from '../../src/dialects/types.js';
import { openDatabase } from '../../src/index.js';
import { check, defineSchema, integer, table } from '../../src/schema/authoring.js';
import { autoFix } from '../../src/schema/autofix/index.js';
import type { ExpectedSchema } from '../../src/schema/model.js';
import { validateDatabase } from '../../src/schema/validate.js';
import { describeEngines } from '../helpers/engines.js';

const declare = (checks: Array<[string, string]> | undefined): ExpectedSchema =>
  defineSchema({
    tables: [table('tickets', { columns: [integer('id'), integer('n')], primaryKey: ['id'], ...(checks ? { checks: checks.map(([name, e]) => check(name, e)) } : {}) })],
  });

describeEngines(
  'validate and auto-fix: a CHECK left NOT VALID',
  (fx) => {
    let conn: Connection;
    beforeEach(async () => {
      conn = await openDatabase({ flags: { url: fx.url() }, env: {}, cwd: fx.dir() }, { lockWaitMs: 30_000 });
      await sql`create table tickets (id integer primary key, n integer not null)`.execute(conn.db);
      await sql`insert into tickets (id, n) values (1, 5), (2, 50)`.execute(conn.db);
    });
    afterEach(async () => {
      await conn.close();
    });

    const problems = async (expected: ExpectedSchema) => {
      const r = await validateDatabase(conn, await fx.config(), { expected, drift: false });
      return r.findings.filter((f) => f.check === 'schema' && (f.level === 'error' || f.level === 'warning'));
    };
    const checks = async () => ((await conn.introspect()).checks ?? []).map((c) => ({ ...c }));
    const rows = async () => (await sql<{ n: number }>`select n from tickets order by id`.execute(conn.db)).rows.map((r) => Number(r.n));

    it('introspection says NOT VALID; validate warns with the VALIDATE statement; auto-fix validates it and validate is clean', async () => {
      await sql`alter table tickets add constraint tickets_n_range check (n between 1 and 100) not valid`.execute(conn.db);
      expect(await checks()).toEqual([{ table: 'tickets', name: 'tickets_n_range', expression: 'n >= 1 AND n <= 100', validated: false }]);
      const expected = declare([['tickets_n_range', 'n between 1 and 100']]);
      const found = await problems(expected);
      expect(found.map((f) => ({ level: f.level, kind: f.kind, object: f.object, message: f.message, fix: f.fix }))).toEqual([
        {
          level: 'warning',
          kind: 'check-not-valid',
          object: 'check tickets_n_range',
          message: 'check tickets_n_range on tickets is NOT VALID: existing rows of tickets were never checked against it',
          fix: { kind: 'auto-fix', description: expect.stringContaining('VALIDATE the constraint'), sql: ['alter table "tickets" validate constraint "tickets_n_range"'] },
        },
      ]);
      const r = await autoFix(conn, await fx.config(), { expected, apply: true, drift: false, allowPending: true });
      const fix = r.fixes.find((f) => f.kind === 'check-not-valid')!;
      expect(fix.status).toBe('applied');
      expect(fix.sql).toEqual(['alter table "tickets" validate constraint "tickets_n_range"']);
      expect(r.ok).toBe(true);
      expect(await checks()).toEqual([{ table: 'tickets', name: 'tickets_n_range', expression: 'n >= 1 AND n <= 100' }]);
      expect(await problems(expected)).toEqual([]);
    });

    it('a table that declares no checks: its NOT VALID check is still reported (and validated by auto-fix)', async () => {
      await sql`alter table tickets add constraint tickets_n_positive check (n > 0) not valid`.execute(conn.db);
      const expected = declare(undefined);
      expect((await problems(expected)).map((f) => `${f.level} ${f.kind} ${f.object}`)).toEqual(['warning check-not-valid check tickets_n_positive']);
      const r = await autoFix(conn, await fx.config(), { expected, apply: true, drift: false, allowPending: true });
      expect(r.fixes.find((f) => f.kind === 'check-not-valid')!.status).toBe('applied');
      expect(await problems(expected)).toEqual([]);
    });

    it('rows that fail it: the fix fails with a clear error, the check stays NOT VALID and the rows stay', async () => {
      await sql`alter table tickets add constraint tickets_n_small check (n < 10) not valid`.execute(conn.db);
      const expected = declare([['tickets_n_small', 'n < 10']]);
      const before = await checks();
      expect(before).toEqual([{ table: 'tickets', name: 'tickets_n_small', expression: 'n < 10', validated: false }]);
      const r = await autoFix(conn, await fx.config(), { expected, apply: true, drift: false, allowPending: true });
      const fix = r.fixes.find((f) => f.kind === 'check-not-valid')!;
      expect(fix.status).toBe('failed');
      expect(fix.error).toMatch(/check constraint "tickets_n_small" .*is violated by some row/);
      expect(r.ok).toBe(false);
      expect(await checks()).toEqual(before);
      expect(await rows()).toEqual([5, 50]);
      expect((await problems(expected)).map((f) => f.kind)).toEqual(['check-not-valid']);
    });

    it('a NOT VALID check whose expression differs from the declaration is a check-mismatch only (validating it would not help)', async () => {
      await sql`alter table tickets add constraint tickets_n_small check (n < 1000) not valid`.execute(conn.db);
      const found = await problems(declare([['tickets_n_small', 'n < 10']]));
      expect(found.map((f) => f.kind)).toEqual(['check-mismatch']);
    });
  },
  ['postgres', 'pglite'],
);
