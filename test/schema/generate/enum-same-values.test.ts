/**
 * Two enum types with the same values (found by the property test's enum edits, seed 17, DuckDB step
 * 51): DuckDB reports every enum column as `enum('a', 'b')`, without its type's name, so a column of
 * the second type read as the first and every diff after up asked to change its type. The column's
 * declared type is taken when it is among the types with those values. Every engine.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Connection } from '../../../src/dialects/types.js';
import { openDatabase } from '../../../src/index.js';
import { defineSchema, enumColumn, enumType, integer, table } from '../../../src/schema/authoring.js';
import { planSchemaChange } from '../../../src/schema/generate/index.js';
import { describeEngines } from '../../helpers/engines.js';
import { applySteps } from './apply-plan.js';

const base = [integer('id'), enumColumn('e1', 'mood10', { nullable: true })];
const before = defineSchema({ enums: [enumType('mood10', ['a', 'b'])], tables: [table('t37', { columns: base, primaryKey: ['id'] })] });
const after = defineSchema({
  enums: [enumType('mood10', ['a', 'b']), enumType('mood42', ['a', 'b'])],
  tables: [table('t37', { columns: [...base, enumColumn('e43', 'mood42', { nullable: false, default: "'a'" })], primaryKey: ['id'] })],
});

describeEngines('migrate diff: two enum types with the same values', (fx) => {
  let conn: Connection;
  beforeEach(async () => {
    conn = await openDatabase({ flags: { url: fx.url() }, env: {}, cwd: fx.dir() }, { lockWaitMs: 30_000 });
  });
  afterEach(async () => {
    await conn.close();
  });

  it('a column of the second type, added to a table: planned again, nothing to do', async () => {
    await applySteps(conn, planSchemaChange(await conn.introspect(), before, conn.engine).steps);
    const p = planSchemaChange(await conn.introspect(), after, conn.engine);
    expect(p.refused).toEqual([]);
    expect(p.steps.length).toBeGreaterThan(0);
    await applySteps(conn, p.steps);
    const again = planSchemaChange(await conn.introspect(), after, conn.engine);
    expect(again.steps.flatMap((s) => s.up)).toEqual([]);
    expect(again.refused).toEqual([]);
    // and the first type's column still reads as the first type
    const back = planSchemaChange(await conn.introspect(), before, conn.engine, { allowDrop: true });
    expect(back.steps.flatMap((s) => s.up).filter((q) => /"e1"/.test(q))).toEqual([]);
  });
});
