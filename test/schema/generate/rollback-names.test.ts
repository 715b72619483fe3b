/**
 * A down puts back what the up changed under the names and the text it had (issue 17: "the introspected
 * schema equals the one before"), found by the property test's strict comparison: a table renamed then
 * dropped comes back with its primary key's own name (PostgreSQL keeps `old_pkey` through a RENAME), and
 * a SQLite index re-created by a rebuild or a dropped index's down keeps its predicate's letter case.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import type { Connection } from '../../../src/dialects/types.js';
import { describeEngines } from '../../helpers/engines.js';
import { applySteps, plannerEachTest } from './apply-plan.js';
import { int, schemaOf, table, text } from './project.js';

describeEngines(
  'down restores primary key names',
  (fx) => {
    let conn!: Connection;
    const plan = plannerEachTest(fx, (c) => (conn = c));
    const pk = async () => (await conn.introspect()).indexes.filter((i) => i.primary && !i.table.startsWith('eventdb_')).map((i) => ({ table: i.table, name: i.name, definition: i.definition }));

    it('a table renamed, then dropped: the down creates it again with the primary key named as before the rename', async () => {
      await applySteps(conn, (await plan(schemaOf([table('old', [int('id', false), text('c')])]))).steps);
      await applySteps(conn, (await plan(schemaOf([table('t2', [int('id', false), text('c')])]), { renames: [{ table: 't2', fromTable: 'old' }] })).steps);
      const before = await pk();
      expect(before).toEqual([{ table: 't2', name: 'old_pkey', definition: expect.stringContaining('old_pkey') as string }]);
      const drop = await plan(schemaOf([]), { allowDrop: true });
      expect(drop.steps.flatMap((s) => s.down).find((q) => q.startsWith('create table'))).toBe('create table "t2" ("id" integer not null, "c" text, constraint "old_pkey" primary key ("id"))');
      await applySteps(conn, drop.steps);
      expect(await pk()).toEqual([]);
      await applySteps(conn, drop.steps, 'down');
      expect(await pk()).toEqual(before);
    });
  },
  ['postgres', 'pglite'],
);

describeEngines(
  'down restores index text',
  (fx) => {
    let conn!: Connection;
    const plan = plannerEachTest(fx, (c) => (conn = c));
    const indexSql = async () => (await sql<{ name: string; sql: string }>`select name, sql from sqlite_schema where type = 'index' and sql is not null order by name`.execute(conn.db)).rows;
    const base = () => table('t', [int('id', false), text('c'), int('n')], { indexes: [{ name: 'ix_t_c', columns: ['c'], where: 'c IS NOT NULL' }] });

    it('a table rebuilt (a type change): the down re-creates its partial index from its own text, the predicate in its letter case', async () => {
      await applySteps(conn, (await plan(schemaOf([base()]))).steps);
      const before = await indexSql();
      expect(before).toEqual([{ name: 'ix_t_c', sql: 'CREATE INDEX "ix_t_c" on "t" ("c") where c IS NOT NULL' }]);
      const changed = base();
      changed.columns[2] = text('n');
      const p = await plan(schemaOf([changed]));
      expect(p.steps[0]!.note).toMatch(/^rebuilds t /);
      expect(p.steps[0]!.down).toContain(before[0]!.sql);
      await applySteps(conn, p.steps);
      await applySteps(conn, p.steps, 'down');
      expect(await indexSql()).toEqual(before);
      expect((await conn.introspect()).indexes.find((i) => i.name === 'ix_t_c')?.where).toBe('c IS NOT NULL');
    });

    it('a partial index dropped: its down creates it again as it was written', async () => {
      await applySteps(conn, (await plan(schemaOf([base()]))).steps);
      const before = await indexSql();
      const p = await plan(schemaOf([{ ...base(), indexes: [] }]));
      expect(p.steps.map((s) => s.down)).toEqual([[before[0]!.sql]]);
      await applySteps(conn, p.steps);
      expect(await indexSql()).toEqual([]);
      await applySteps(conn, p.steps, 'down');
      expect(await indexSql()).toEqual(before);
    });
  },
  ['sqlite'],
);
