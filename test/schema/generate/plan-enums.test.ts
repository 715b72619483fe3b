/**
 * Enumerated types in the planner under `migrate diff` (issue 17), on every engine: a new type, a
 * value added, values removed or reordered, a column switched to and from an enum, a type dropped —
 * each applied (rows kept), planned again (nothing left), validated (no schema finding) and rolled back
 * (the same schema, enums included). SQLite has no enum type: an enum column is text there.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import type { Connection, SchemaSnapshot } from '../../../src/dialects/types.js';
import { defineSchema, enumColumn, enumType, integer, table, text } from '../../../src/schema/authoring.js';
import { diffSchema } from '../../../src/schema/diff.js';
import type { ExpectedSchema } from '../../../src/schema/model.js';
import { describeEngines } from '../../helpers/engines.js';
import { applySteps, plannerEachTest, shape } from './apply-plan.js';

const declare = (values: string[] | null, o: { statusEnum?: boolean; note?: 'text' | 'enum'; noteDefault?: string } = {}): ExpectedSchema =>
  defineSchema({
    enums: values ? [enumType('mood', values)] : [],
    tables: [
      table('tickets', {
        columns: [
          integer('id'),
          o.statusEnum === false ? text('status', { default: "'open'" }) : enumColumn('status', 'mood', { default: "'open'" }),
          ...(o.note === 'enum' ? [enumColumn('note', 'mood', { nullable: true })] : [text('note', { nullable: true })]),
        ],
        primaryKey: ['id'],
      }),
    ],
  });

describeEngines('planSchemaChange: enum types', (fx) => {
  let conn!: Connection;
  const plan = plannerEachTest(fx, (c) => (conn = c));
  const full = (s: SchemaSnapshot) => ({ ...shape(s), enums: [...(s.enums ?? [])].sort((a, b) => a.name.localeCompare(b.name)) });
  const schemaFindings = async (declared: ExpectedSchema) =>
    diffSchema(conn.db, declared, await conn.introspect())
      .map((i) => i.finding)
      .filter((f) => f.level === 'error' || f.level === 'warning')
      .map((f) => f.message);
  const statuses = async () => (await sql<{ status: string }>`select cast(status as text) as status from tickets order by id`.execute(conn.db)).rows.map((r) => r.status);
  /** Applies `want` on top of `from` (with rows), checks it converged, rolls back, checks the schema is `from`'s again. */
  const roundTrip = async (from: ExpectedSchema, want: ExpectedSchema, opts = {}) => {
    await applySteps(conn, (await plan(from)).steps);
    await sql`insert into tickets (id, status) values (1, 'open'), (2, 'closed')`.execute(conn.db);
    const before = full(await conn.introspect());
    const p = await plan(want, opts);
    expect(p.refused).toEqual([]);
    await applySteps(conn, p.steps);
    expect(await statuses()).toEqual(['open', 'closed']);
    expect((await plan(want, opts)).steps).toEqual([]);
    expect(await schemaFindings(want)).toEqual([]);
    await applySteps(conn, p.steps, 'down');
    expect(full(await conn.introspect())).toEqual(before);
    expect(await statuses()).toEqual(['open', 'closed']);
    return p;
  };
  const hasEnums = fx.engine !== 'sqlite';

  it('a new enum type is created before the table that uses it, dropped after it; SQLite writes text', async () => {
    const want = declare(['open', 'closed']);
    const p = await plan(want);
    const all = p.steps.flatMap((s) => s.up);
    if (hasEnums) {
      expect(all[0]).toBe(`create type "mood" as enum ('open', 'closed')`);
      expect(all[1]).toMatch(/^create table "tickets" \("id" integer not null, "status" mood default 'open' not null/);
    } else expect(all.some((q) => /create type/.test(q))).toBe(false);
    await applySteps(conn, p.steps);
    expect((await plan(want)).steps).toEqual([]);
    expect(await schemaFindings(want)).toEqual([]);
    if (hasEnums) expect((await conn.introspect()).enums).toEqual([{ name: 'mood', values: ['open', 'closed'] }]);
    await applySteps(conn, p.steps, 'down');
    expect(full(await conn.introspect())).toEqual(full({ engine: conn.engine, schema: '', tables: [], indexes: [], foreignKeys: [], enums: [] }));
  });

  it('values added (first, between, last) on a type a column uses: ADD VALUE outside a transaction; down rebuilds the type', async () => {
    const p = await plan(declare(['open', 'closed']));
    await applySteps(conn, p.steps);
    const want = declare(['new', 'open', 'pending', 'closed', 'archived']);
    const change = await plan(want);
    if (fx.engine === 'duckdb') {
      expect(change.refused).toEqual([{ change: 'change values of enum type mood from (open, closed) to (new, open, pending, closed, archived)', reason: 'DuckDB cannot alter an enumerated type (no ALTER TYPE) while columns use it: tickets.status' }]);
      return;
    }
    await applySteps(conn, p.steps, 'down');
    const q = await roundTrip(declare(['open', 'closed']), want);
    if (fx.engine === 'postgres') {
      expect(q.steps).toHaveLength(1);
      expect(q.steps[0]!.transaction).toBe(false);
      expect(q.steps[0]!.up).toEqual([`alter type "mood" add value 'new' before 'open'`, `alter type "mood" add value 'pending' after 'open'`, `alter type "mood" add value 'archived' after 'closed'`]);
      expect(q.steps[0]!.down).toHaveLength(1);
      expect(q.steps[0]!.down[0]).toMatch(/^do \$\$ begin create type "mood__new" as enum \('open', 'closed'\);/);
    } else expect(q.steps).toEqual([]);
  });

  it('values reordered: the type is rebuilt (new type, column cast through text, default set again)', async () => {
    if (fx.engine === 'duckdb') return; // refused while a column uses it: the test above
    const q = await roundTrip(declare(['open', 'closed']), declare(['closed', 'open']));
    if (fx.engine === 'postgres') {
      expect(q.steps[0]!.up).toEqual([
        `create type "mood__new" as enum ('closed', 'open')`,
        'alter table "tickets" alter column "status" drop default',
        'alter table "tickets" alter column "status" type "mood__new" using "status"::text::"mood__new"',
        'drop type "mood"',
        'alter type "mood__new" rename to "mood"',
        `alter table "tickets" alter column "status" set default 'open'`,
      ]);
      expect(q.steps[0]!.transaction).toBe(true);
    }
  });

  it('a value removed: left out without allowDrop; with it the type is rebuilt, and a row holding the value makes it fail, nothing changed', async () => {
    if (!hasEnums) return;
    const from = declare(['open', 'closed', 'stale']);
    await applySteps(conn, (await plan(from)).steps);
    const want = declare(['open', 'closed']);
    const p = await plan(want);
    if (fx.engine === 'duckdb') {
      expect(p.refused.map((r) => r.change)).toEqual(['change values of enum type mood from (open, closed, stale) to (open, closed)']);
      return;
    }
    expect(p.steps).toEqual([]);
    expect(p.omitted).toEqual([{ change: 'change values of enum type mood from (open, closed, stale) to (open, closed)', reason: 'values stale are removed: rows holding them would fail the cast; removing enum values needs allowDrop' }]);
    await sql`insert into tickets (id, status) values (3, 'stale')`.execute(conn.db);
    const before = full(await conn.introspect());
    const q = await plan(want, { allowDrop: true });
    await expect(applySteps(conn, q.steps)).rejects.toThrow(/invalid input value for enum "?mood__new"?: "stale"/);
    expect(full(await conn.introspect())).toEqual(before);
    await sql`delete from tickets where id = 3`.execute(conn.db);
    await applySteps(conn, (await plan(from)).steps, 'down');
    await roundTrip(from, want, { allowDrop: true });
  });

  it('a column switched from text to an enum and back; the type dropped once no column uses it', async () => {
    await roundTrip(declare(['open', 'closed'], { statusEnum: false }), declare(['open', 'closed'], { note: 'enum' }));
    await applySteps(conn, (await plan(declare(['open', 'closed'], { statusEnum: false }))).steps, 'down');
  });

  it('an enum column back to text and the type no longer declared: the type is dropped after the column changes', async () => {
    const p = await roundTrip(declare(['open', 'closed']), declare(null, { statusEnum: false }));
    if (hasEnums) {
      const last = p.steps[p.steps.length - 1]!;
      expect(last.up).toEqual(['drop type "mood"']);
      expect(last.down).toEqual([`create type "mood" as enum ('open', 'closed')`]);
    }
  });

  it('a type no longer declared but still used by a column is kept, and reported', async () => {
    if (!hasEnums) return;
    await applySteps(conn, (await plan(declare(['open', 'closed']))).steps);
    const want = declare(null);
    const p = await plan(want);
    expect(p.omitted).toContainEqual({ change: 'drop enum type mood', reason: 'it is not declared, but tickets.status still uses it' });
    expect(p.steps.flatMap((s) => s.up).some((q) => /drop type/.test(q))).toBe(false);
  });

  it('an enum type with an unused type on DuckDB: dropped and created again with the new values', async () => {
    if (fx.engine !== 'duckdb') return;
    const from = defineSchema({ enums: [enumType('mood', ['a', 'b'])], tables: [] });
    await applySteps(conn, (await plan(from)).steps);
    const want = defineSchema({ enums: [enumType('mood', ['b', 'a', 'c'])], tables: [] });
    const p = await plan(want);
    expect(p.refused).toEqual([]);
    await applySteps(conn, p.steps);
    expect((await conn.introspect()).enums).toEqual([{ name: 'mood', values: ['b', 'a', 'c'] }]);
    expect((await plan(want)).steps).toEqual([]);
    await applySteps(conn, p.steps, 'down');
    expect((await conn.introspect()).enums).toEqual([{ name: 'mood', values: ['a', 'b'] }]);
  });

});
