/**
 * `validate` and `auto-fix` on checks and enum types (issue 17), on every engine: each difference is a
 * schema finding with a clear message; auto-fix creates a missing enum type, a missing enum value and
 * (PostgreSQL: NOT VALID, then VALIDATE) a missing check, and validate is clean afterwards; what it
 * cannot do is a needs-migration fix with its SQL; a check that existing rows violate fails and leaves
 * nothing behind.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Connection, SchemaSnapshot } from '../../src/dialects/types.js';
import { openDatabase } from '../../src/index.js';
import { check, defineSchema, enumColumn, enumType, integer, table } from '../../src/schema/authoring.js';
import { autoFix } from '../../src/schema/autofix/index.js';
import { planSchemaChange } from '../../src/schema/generate/index.js';
import type { ExpectedSchema } from '../../src/schema/model.js';
import { validateDatabase } from '../../src/schema/validate.js';
import { describeEngines } from '../helpers/engines.js';
import { applySteps } from './generate/apply-plan.js';

interface Variant {
  values?: string[];
  kind?: boolean;
  checks?: Array<[string, string]>;
}

const declare = (v: Variant = {}): ExpectedSchema =>
  defineSchema({
    enums: [enumType('mood', v.values ?? ['open', 'pending', 'closed']), ...(v.kind === false ? [] : [enumType('kind', ['bug', 'task'])])],
    tables: [
      table('tickets', {
        columns: [integer('id'), enumColumn('status', 'mood', { default: "'open'" }), integer('n')],
        primaryKey: ['id'],
        checks: (v.checks ?? [['tickets_n_positive', 'n > 0'], ['tickets_n_range', 'n between 1 and 100']]).map(([name, e]) => check(name, e)),
      }),
    ],
  });

describeEngines('validate and auto-fix: checks and enum types', (fx) => {
  let conn: Connection;
  beforeEach(async () => {
    conn = await openDatabase({ flags: { url: fx.url() }, env: {}, cwd: fx.dir() }, { lockWaitMs: 30_000 });
  });
  afterEach(async () => {
    await conn.close();
  });

  /** The database made from the declaration `v` by the planner, with two rows. */
  const build = async (v: Variant) => {
    const p = planSchemaChange(await conn.introspect(), declare(v), conn.engine);
    expect(p.refused).toEqual([]);
    await applySteps(conn, p.steps);
    await sql`insert into tickets (id, status, n) values (1, 'open', 5), (2, 'closed', 50)`.execute(conn.db);
  };
  const findings = async (expected: ExpectedSchema) => {
    const r = await validateDatabase(conn, await fx.config(), { expected, drift: false });
    return r.findings.filter((f) => f.check === 'schema' && (f.level === 'error' || f.level === 'warning'));
  };
  const checksOf = (s: SchemaSnapshot) => (s.checks ?? []).map((c) => `${c.table}:${c.name}:${c.expression}`).sort();
  const hasEnums = fx.engine !== 'sqlite';

  it('a database made from the declaration validates clean, and the planner finds nothing left (checks as the engine spells them back; DuckDB renames them)', async () => {
    await build({ checks: [['tickets_n_positive', 'n > 0'], ['tickets_n_range', 'n between 1 and 100'], ['tickets_n_listed', 'n in (5, 50, 70)']] });
    const expected = declare({ checks: [['tickets_n_positive', 'n > 0'], ['tickets_n_range', 'n between 1 and 100'], ['tickets_n_listed', 'n in (5, 50, 70)']] });
    expect(await findings(expected)).toEqual([]);
    const again = planSchemaChange(await conn.introspect(), expected, conn.engine);
    expect(again.steps).toEqual([]);
    expect(again.refused).toEqual([]);
  });

  it('finds a missing, a different and an undeclared check, a missing enum type and missing enum values', async () => {
    await build({ values: ['open', 'closed'], kind: false, checks: [['tickets_n_range', 'n between 1 and 50'], ['tickets_extra', 'n <> 7']] });
    const got = (await findings(declare())).map((f) => `${f.level} ${f.kind}: ${f.message}`);
    const enumFindings = hasEnums ? [`error missing-enum: enum type kind ('bug', 'task') is missing`, `error enum-values: enum type mood has values ('open', 'closed'); expected ('open', 'pending', 'closed')`] : [];
    if (fx.engine === 'duckdb') {
      // DuckDB names checks itself (tickets_n_check): they are found by expression, so a changed one is missing plus undeclared
      expect(got.sort()).toEqual(
        [
          ...enumFindings,
          'error missing-check: check tickets_n_positive on tickets (n > 0) is missing',
          'error missing-check: check tickets_n_range on tickets (n between 1 and 100) is missing',
          'warning unknown-check: check tickets_n_check on tickets ((n BETWEEN 1 AND 50)) is not declared (tickets declares its checks)',
          'warning unknown-check: check tickets_n_check on tickets ((n != 7)) is not declared (tickets declares its checks)',
        ].sort(),
      );
      return;
    }
    const range = fx.engine === 'postgres' ? 'n >= 1 AND n <= 50' : 'n between 1 and 50';
    const extra = fx.engine === 'postgres' ? 'n <> 7' : 'n <> 7';
    expect(got.sort()).toEqual(
      [
        ...enumFindings,
        'error missing-check: check tickets_n_positive on tickets (n > 0) is missing',
        `error check-mismatch: check tickets_n_range on tickets is (${range}); expected (n between 1 and 100)`,
        `warning unknown-check: check tickets_extra on tickets (${extra}) is not declared (tickets declares its checks)`,
      ].sort(),
    );
  });

  it('values removed or reordered, and an undeclared type: reported with the migration they need; auto-fix changes nothing', async () => {
    if (fx.engine === 'sqlite') return; // no enum types: the column is text
    await build({ values: ['closed', 'open', 'stale'] });
    await sql.raw(`create type "spare" as enum ('x')`).execute(conn.db);
    const expected = declare();
    const r = await validateDatabase(conn, await fx.config(), { expected, drift: false });
    const mood = r.findings.find((f) => f.kind === 'enum-values')!;
    expect(mood.message).toBe("enum type mood has values ('closed', 'open', 'stale'); expected ('open', 'pending', 'closed')");
    expect(r.findings.find((f) => f.kind === 'unknown-enum')).toMatchObject({ level: 'info', message: "enum type spare ('x') is not in the expected schema" });
    if (fx.engine === 'postgres') {
      expect(mood.fix!.sql).toEqual([
        `create type "mood__new" as enum ('open', 'pending', 'closed')`,
        'alter table "tickets" alter column "status" drop default',
        'alter table "tickets" alter column "status" type "mood__new" using "status"::text::"mood__new"',
        'drop type "mood"',
        'alter type "mood__new" rename to "mood"',
        `alter table "tickets" alter column "status" set default ('open'::mood)`,
      ]);
    } else expect(mood.fix!.description).toBe('DuckDB cannot alter an enumerated type: create a new type and change tickets.status to it in a migration');
    const before = await conn.introspect();
    const fixed = await autoFix(conn, await fx.config(), { expected, apply: true, drift: false, allowPending: true });
    expect(fixed.fixes.find((f) => f.kind === 'enum-values')!.status).toBe('needs-migration');
    expect((await conn.introspect()).enums).toEqual(before.enums);
  });

  it('a table that declares no checks leaves its live checks alone', async () => {
    await build({});
    const noChecks = declare();
    delete noChecks.tables[0]!.checks;
    expect(await findings(noChecks)).toEqual([]);
  });

  it('auto-fix creates the missing enum type, enum values and check; validate is clean afterwards (or names the migration it needs)', async () => {
    await build({ values: ['open', 'closed'], kind: false, checks: [['tickets_n_range', 'n between 1 and 100']] });
    const expected = declare();
    const r = await autoFix(conn, await fx.config(), { expected, apply: true, drift: false, allowPending: true });
    const status = Object.fromEntries(r.fixes.filter((f) => f.kind !== 'missing-history-table').map((f) => [`${f.kind} ${f.object}`, f.status]));
    const after = (await findings(expected)).map((f) => `${f.kind} ${f.object}`);
    if (fx.engine === 'postgres') {
      expect(status).toEqual({ 'missing-enum enum type kind': 'applied', 'enum-values enum type mood': 'applied', 'missing-check check tickets_n_positive': 'applied' });
      const fix = r.fixes.find((f) => f.kind === 'missing-check')!;
      expect(fix.sql).toEqual(['alter table "tickets" add constraint "tickets_n_positive" check (n > 0) not valid', 'alter table "tickets" validate constraint "tickets_n_positive"']);
      expect(after).toEqual([]);
      const s = await conn.introspect();
      expect(s.enums).toEqual([{ name: 'kind', values: ['bug', 'task'] }, { name: 'mood', values: ['open', 'pending', 'closed'] }]);
      await sql`update tickets set status = 'pending' where id = 1`.execute(conn.db);
    } else if (fx.engine === 'duckdb') {
      expect(status).toEqual({ 'missing-enum enum type kind': 'applied', 'enum-values enum type mood': 'needs-migration', 'missing-check check tickets_n_positive': 'needs-migration' });
      expect(r.fixes.find((f) => f.kind === 'missing-check')!.description).toContain('DuckDB cannot add or drop a check of an existing table');
      expect(after.sort()).toEqual(['enum-values enum type mood', 'missing-check check tickets_n_positive']);
    } else {
      // SQLite: the check needs the table rebuild, which auto-fix leaves to a migration (its SQL for review)
      expect(status).toEqual({ 'missing-check check tickets_n_positive': 'needs-migration' });
      const fix = r.fixes.find((f) => f.kind === 'missing-check')!;
      expect(fix.sql.find((q) => q.startsWith('create table "tickets__new"'))).toMatch(/constraint "tickets_n_positive" check \(n > 0\), constraint "tickets_n_range" check \(n between 1 and 100\)\)$/);
      expect(fix.sql).toContain('insert into "tickets__new" ("id", "status", "n") select "id", "status", "n" from "tickets"');
      expect(after).toEqual(['missing-check check tickets_n_positive']);
    }
  });

  it('a check the rows violate: auto-fix fails it and leaves nothing behind (PostgreSQL); the rows stay', async () => {
    await build({ checks: [['tickets_n_range', 'n between 1 and 100']] });
    const expected = declare({ checks: [['tickets_n_range', 'n between 1 and 100'], ['tickets_n_small', 'n < 10']] });
    const before = checksOf(await conn.introspect());
    const r = await autoFix(conn, await fx.config(), { expected, apply: true, drift: false, allowPending: true });
    const fix = r.fixes.find((f) => f.kind === 'missing-check')!;
    if (fx.engine === 'postgres') {
      expect(fix.status).toBe('failed');
      expect(fix.error).toMatch(/check constraint "tickets_n_small" .*is violated by some row/);
      expect(r.ok).toBe(false);
    } else expect(fix.status).toBe('needs-migration');
    expect(checksOf(await conn.introspect())).toEqual(before);
    expect((await sql<{ n: number }>`select n from tickets order by id`.execute(conn.db)).rows.map((x) => Number(x.n))).toEqual([5, 50]);
  });
});
