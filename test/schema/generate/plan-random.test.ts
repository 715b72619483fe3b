/**
 * Random declaration edits, planned and applied one after another (a seeded generator, so a failure
 * repeats): after each `up` the rows are all there and planning again finds nothing; the `down`
 * restores the schema exactly; then `up` again to move on. The full property test across engines
 * and `migrate diff` is the command's; this one checks the planner alone.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Connection } from '../../../src/dialects/types.js';
import { planSchemaChange, type PlanOptions } from '../../../src/schema/generate/index.js';
import type { ExpectedSchema, ReferentialAction } from '../../../src/schema/model.js';
import { describeEngines } from '../../helpers/engines.js';
import { applySteps, openPlannerDatabase, count, shape } from './apply-plan.js';
import { col, SEED, v1 } from './fixture.js';

/** mulberry32: a small seeded generator. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Edit = (s: ExpectedSchema, n: number) => { opts?: PlanOptions; before?: string[]; label: string } | undefined;

const ACTIONS: ReferentialAction[] = ['CASCADE', 'RESTRICT', 'SET NULL', 'NO ACTION'];

const EDITS: Edit[] = [
  (s, n) => {
    const t = s.tables[n % s.tables.length]!;
    t.columns.push(col(`c${n}`, n % 2 ? 'integer' : 'text', true, n % 3 === 0 ? { default: n % 2 ? String(n) : `'v${n}'` } : {}));
    return { label: `add column ${t.name}.c${n}` };
  },
  (s, n) => {
    const t = s.tables[n % s.tables.length]!;
    const extra = t.columns.filter((c) => /^c\d+/.test(c.name));
    if (!extra.length) return undefined;
    t.columns = t.columns.filter((c) => c !== extra[0]);
    t.indexes = (t.indexes ?? []).filter((i) => !i.columns.includes(extra[0]!.name));
    return { opts: { allowDrop: true }, label: `drop column ${t.name}.${extra[0]!.name}` };
  },
  (s, n) => {
    const t = s.tables[n % s.tables.length]!;
    const c = t.columns.find((x) => /^c\d+/.test(x.name));
    if (!c) return undefined;
    c.nullable = !c.nullable;
    return { before: c.nullable ? [] : [`update "${t.name}" set "${c.name}" = ${c.type === 'text' ? "'x'" : '1'} where "${c.name}" is null`], label: `${c.nullable ? 'drop' : 'set'} not null ${t.name}.${c.name}` };
  },
  (s, n) => {
    const t = s.tables[n % s.tables.length]!;
    const c = t.columns.find((x) => /^c\d+/.test(x.name));
    if (!c) return undefined;
    if (c.default === undefined) c.default = c.type === 'integer' ? '7' : "'d'";
    else delete c.default;
    return { label: `default of ${t.name}.${c.name}` };
  },
  (s, n) => {
    const t = s.tables[n % s.tables.length]!;
    const c = t.columns.find((x) => /^c\d+/.test(x.name) && x.type === 'integer');
    if (!c) return undefined;
    c.type = 'bigint';
    return { label: `widen ${t.name}.${c.name}` };
  },
  (s, n) => {
    const t = s.tables[n % s.tables.length]!;
    const c = t.columns.find((x) => /^c\d+/.test(x.name));
    if (!c) return undefined;
    t.indexes = [...(t.indexes ?? []).filter((i) => i.name !== `${t.name}_${c.name}_idx`), ...((t.indexes ?? []).some((i) => i.name === `${t.name}_${c.name}_idx`) ? [] : [{ name: `${t.name}_${c.name}_idx`, columns: [c.name] }])];
    return { label: `toggle index on ${t.name}.${c.name}` };
  },
  (s, n) => {
    const t = s.tables[n % s.tables.length]!;
    const c = t.columns.find((x) => /^c\d+/.test(x.name));
    if (!c) return undefined;
    const from = c.name;
    c.name = `c${n}_r`;
    for (const i of t.indexes ?? []) {
      i.columns = i.columns.map((x) => (x === from ? c.name : x));
      if (i.where) i.where = i.where.replace(new RegExp(`\\b${from}\\b`, 'g'), c.name);
    }
    return { opts: { renames: [{ table: t.name, from, to: c.name }] }, label: `rename ${t.name}.${from} to ${c.name}` };
  },
  (s, n) => {
    const t = s.tables[n % s.tables.length]!;
    const c = t.columns.find((x) => /^c\d+/.test(x.name));
    if (!c) return undefined;
    const name = `${t.name}_${n}_partial`;
    const had = (t.indexes ?? []).filter((i) => i.where);
    t.indexes = had.length ? (t.indexes ?? []).filter((i) => !i.where) : [...(t.indexes ?? []), { name, columns: [c.name], where: `${c.name} is not null` }];
    return { label: had.length ? `drop partial index on ${t.name}` : `partial index on ${t.name}.${c.name}` };
  },
  (s, n) => {
    const r = s.tables.find((t) => t.name === 'registrations')!;
    const fk = r.foreignKeys![n % 2]!;
    fk.onDelete = ACTIONS[n % ACTIONS.length]!;
    if (fk.onDelete === 'SET NULL') fk.onDelete = 'NO ACTION'; // the columns are NOT NULL
    return { label: `on delete ${fk.onDelete} for registrations.${fk.columns[0]}` };
  },
  (s, n) => {
    const name = `extra${n}`;
    if (s.tables.some((t) => t.name.startsWith('extra'))) {
      s.tables = s.tables.filter((t) => !t.name.startsWith('extra'));
      return { opts: { allowDrop: true }, label: 'drop the extra table' };
    }
    s.tables.push({ name, required: true, primaryKey: ['id'], columns: [col('id', 'integer', false), col('member_id', 'integer')], foreignKeys: [{ columns: ['member_id'], references: { table: 'members', columns: ['id'] }, onDelete: 'SET NULL' }] });
    return { label: `create ${name}` };
  },
];

describeEngines('planSchemaChange: random edits', (fx) => {
  let conn: Connection;
  beforeEach(async () => {
    conn = await openPlannerDatabase(fx);
  });
  afterEach(async () => {
    await conn.close();
  });

  it('each step: up keeps the rows, planning again finds nothing, down restores the schema', async () => {
    const steps = fx.variant === 'pglite' ? 12 : 30;
    const next = rng(Number(process.env.PLAN_SEED ?? 0) + fx.variant.length * 7919 + 17);
    let declared = v1();
    await applySteps(conn, planSchemaChange(await conn.introspect(), declared, conn.engine).steps);
    for (const q of SEED) await sql.raw(q).execute(conn.db);
    const rows = async () => Promise.all(['members', 'events', 'registrations', 'tags'].map((t) => count(conn, t)));
    const done: string[] = [];
    for (let n = 0; n < steps; n++) {
      const want = structuredClone(declared);
      let edit: ReturnType<Edit>;
      for (let tries = 0; !edit && tries < 10; tries++) edit = EDITS[Math.floor(next() * EDITS.length)]!(want, n);
      if (!edit) continue;
      for (const q of edit.before ?? []) await sql.raw(q).execute(conn.db);
      const before = shape(await conn.introspect());
      const counts = await rows();
      const p = planSchemaChange(await conn.introspect(), want, conn.engine, edit.opts);
      const at = `${done.length} after [${done.join('; ')}]: ${edit.label}`;
      try {
        await applySteps(conn, p.steps);
      } catch (e) {
        throw new Error(`${at}: up failed: ${(e as Error).message}\n${p.steps.flatMap((s) => s.up).join('\n')}`);
      }
      expect(await rows(), at).toEqual(counts);
      const again = planSchemaChange(await conn.introspect(), want, conn.engine, edit.opts);
      expect(again.steps.flatMap((s) => s.up), at).toEqual([]);
      try {
        await applySteps(conn, p.steps, 'down');
      } catch (e) {
        throw new Error(`${at}: down failed: ${(e as Error).message}\n${p.steps.flatMap((s) => s.down).join('\n')}`);
      }
      expect(shape(await conn.introspect()), at).toEqual(before);
      await applySteps(conn, p.steps);
      // What the engine refused stays declared but not made: carry on from what was made.
      declared = p.refused.length ? declared : want;
      if (p.refused.length) await applySteps(conn, p.steps, 'down');
      done.push(edit.label + (p.refused.length ? ' (refused)' : ''));
    }
    if (process.env.PLAN_DEBUG) console.log(done.join('\n'));
    expect(done.length).toBeGreaterThan(steps * 0.8);
  });
});
