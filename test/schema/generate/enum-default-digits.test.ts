/**
 * migrate diff after up finds nothing when an enum column's default names a type with digits
 * (`'a'::mood83` on PostgreSQL, `CAST('a' AS mood83)`-style casts): found by the property test's enum
 * edits (seed 17, PostgreSQL step 124), where the default's cast was only partly stripped (`'a'83`) and
 * every diff asked to SET DEFAULT again. Every engine (SQLite: the enum column is text).
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { canonicalExpression } from '../../../src/dialects/ddl-common.js';
import type { Connection } from '../../../src/dialects/types.js';
import { openDatabase } from '../../../src/index.js';
import { defineSchema, enumColumn, enumType, integer, table } from '../../../src/schema/authoring.js';
import { planSchemaChange } from '../../../src/schema/generate/index.js';
import { describeEngines } from '../../helpers/engines.js';
import { applySteps } from './apply-plan.js';

const declare = () =>
  defineSchema({
    enums: [enumType('mood83', ['a', 'b']), enumType('mood_2x9', ['x', 'y'])],
    tables: [table('t48', { columns: [integer('id'), enumColumn('e84', 'mood83', { nullable: false, default: "'a'" }), enumColumn('e85', 'mood_2x9', { default: "'y'" })], primaryKey: ['id'] })],
  });

it('a cast to a type name with digits, or quoted, is stripped whole', () => {
  expect(canonicalExpression(`'a'::mood83`)).toBe(`'a'`);
  expect(canonicalExpression(`'y'::"Mood_2"`)).toBe(`'y'`);
  expect(canonicalExpression(`CAST('a' AS mood83)`)).toBe(`'a'`);
  expect(canonicalExpression(`(7)::int4`)).toBe('7');
  expect(canonicalExpression(`'x'::character varying(20)`)).toBe(`'x'`);
  expect(canonicalExpression(`'b'::mood83`)).not.toBe(canonicalExpression(`'a'::mood83`));
});

describeEngines('migrate diff: an enum column default, type name with digits', (fx) => {
  let conn: Connection;
  beforeEach(async () => {
    conn = await openDatabase({ flags: { url: fx.url() }, env: {}, cwd: fx.dir() }, { lockWaitMs: 30_000 });
  });
  afterEach(async () => {
    await conn.close();
  });

  it('made from the declaration, planned again: nothing to do', async () => {
    const p = planSchemaChange(await conn.introspect(), declare(), conn.engine);
    expect(p.refused).toEqual([]);
    await applySteps(conn, p.steps);
    const again = planSchemaChange(await conn.introspect(), declare(), conn.engine);
    expect(again.steps.flatMap((s) => s.up)).toEqual([]);
  });
});
