/**
 * An enum type rebuilt (values reordered or removed, or an added value undone by the down) while a
 * CHECK or a partial index names one of its values (`status <> 'closed'`, stored as `'closed'::mood`):
 * PostgreSQL cannot carry those over the column's type change ("operator does not exist: mood__new =
 * mood"), so the rebuild drops them and creates them again. Applied with rows, planned again (nothing
 * left), validated (no schema finding), rolled back (the same schema), on PostgreSQL and PGlite.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Connection, SchemaSnapshot } from '../../../src/dialects/types.js';
import { openDatabase } from '../../../src/index.js';
import { check, defineSchema, enumColumn, enumType, index, integer, table } from '../../../src/schema/authoring.js';
import { diffSchema } from '../../../src/schema/diff.js';
import { planSchemaChange } from '../../../src/schema/generate/index.js';
import type { ExpectedSchema } from '../../../src/schema/model.js';
import { describeEngines } from '../../helpers/engines.js';
import { applySteps, shape } from './apply-plan.js';

const declare = (values: string[]): ExpectedSchema =>
  defineSchema({
    enums: [enumType('mood', values)],
    tables: [
      table('tickets', {
        columns: [integer('id'), enumColumn('status', 'mood', { default: "'open'" })],
        primaryKey: ['id'],
        checks: [check('tickets_not_stale', "status <> 'stale'")],
        indexes: [index('tickets_open_idx', ['id'], { where: "status = 'open'" })],
      }),
    ],
  });

describeEngines(
  'planSchemaChange: an enum rebuilt under checks and partial indexes that name its values',
  (fx) => {
    let conn: Connection;
    beforeEach(async () => {
      conn = await openDatabase({ flags: { url: fx.url() }, env: {}, cwd: fx.dir() }, { lockWaitMs: 30_000 });
    });
    afterEach(async () => {
      await conn.close();
    });

    const plan = async (declared: ExpectedSchema, opts = {}) => planSchemaChange(await conn.introspect(), declared, conn.engine, opts);
    const full = (s: SchemaSnapshot) => ({ ...shape(s), enums: s.enums, checks: [...(s.checks ?? [])].sort((a, b) => a.name.localeCompare(b.name)) });
    const findings = async (declared: ExpectedSchema) =>
      diffSchema(conn.db, declared, await conn.introspect())
        .map((i) => i.finding)
        .filter((f) => f.level === 'error' || f.level === 'warning')
        .map((f) => f.message);
    const statuses = async () => (await sql<{ status: string }>`select cast(status as text) as status from tickets order by id`.execute(conn.db)).rows.map((r) => r.status);

    const roundTrip = async (from: string[], to: string[], opts = {}) => {
      const first = await plan(declare(from));
      await applySteps(conn, first.steps);
      await sql`insert into tickets (id, status) values (1, 'open'), (2, 'closed')`.execute(conn.db);
      const before = full(await conn.introspect());
      expect(before.checks.map((c) => c.name)).toEqual(['tickets_not_stale']);
      const p = await plan(declare(to), opts);
      expect(p.refused).toEqual([]);
      expect(p.omitted).toEqual([]);
      await applySteps(conn, p.steps);
      expect(await statuses()).toEqual(['open', 'closed']);
      expect((await plan(declare(to), opts)).steps).toEqual([]);
      expect(await findings(declare(to))).toEqual([]);
      // the check still holds and the partial index still serves its predicate
      await expect(sql`insert into tickets (id, status) values (3, 'stale')`.execute(conn.db)).rejects.toThrow(/tickets_not_stale/);
      const idx = await sql<{ def: string }>`select pg_get_indexdef('tickets_open_idx'::regclass) as def`.execute(conn.db);
      expect(idx.rows[0]!.def).toMatch(/WHERE \(status = 'open'::mood\)/);
      await applySteps(conn, p.steps, 'down');
      expect(full(await conn.introspect())).toEqual(before);
      expect(await statuses()).toEqual(['open', 'closed']);
      await sql`delete from tickets`.execute(conn.db);
      await applySteps(conn, first.steps, 'down');
      return p;
    };

    it('values reordered: the check and the partial index are dropped before the rebuild and created again after it', async () => {
      const p = await roundTrip(['open', 'closed', 'stale'], ['closed', 'open', 'stale']);
      const up = p.steps.flatMap((s) => s.up);
      expect(up.findIndex((q) => /drop constraint "tickets_not_stale"/.test(q))).toBeLessThan(up.findIndex((q) => /type "mood__new"/.test(q)));
      expect(up.findIndex((q) => /drop index "tickets_open_idx"/.test(q))).toBeLessThan(up.findIndex((q) => /type "mood__new"/.test(q)));
      expect(up.at(-1)).toMatch(/tickets_open_idx|tickets_not_stale/);
    });

    it('a value removed (allowDrop) and a value added (its down rebuilds the type) keep them too', async () => {
      await roundTrip(['open', 'closed', 'stale', 'gone'], ['open', 'closed', 'stale'], { allowDrop: true });
      await roundTrip(['open', 'closed', 'stale'], ['open', 'pending', 'closed', 'stale']);
    });
  },
  ['postgres', 'pglite'],
);
