/**
 * The property test of `migrate diff` (issue 17): random sequences of declaration edits — add, drop and
 * rename tables and columns, type change, nullability, default, unique, index, partial index, foreign
 * key with actions — each step: migrate diff → migrate up → validate has no schema finding → existing
 * rows survive → diff --check finds nothing → roll the step back → the introspected schema equals the one
 * before → up again. On PostgreSQL, PGlite, SQLite and DuckDB. A change an engine cannot make must be
 * refused with nothing written. Seeded: DIFF_SEED=<n> reproduces a run (the seed is printed on failure);
 * DIFF_STEPS=<n> sets the number of steps per engine.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import type { Engine } from '../../../src/config/url.js';
import type { Connection } from '../../../src/dialects/types.js';
import { EventdbError } from '../../../src/errors.js';
import { migrateDiff, type RenameSpec } from '../../../src/schema/generate/command.js';
import type { ExpectedColumn, ExpectedSchema, ExpectedTable, ReferentialAction } from '../../../src/schema/model.js';
import { validateDatabase } from '../../../src/schema/validate.js';
import { describeEngines } from '../../helpers/engines.js';
import { count, down, int, makeProject, schemaOf, shape, table, text, up, type Project } from './project.js';

const SEED = Number(process.env.DIFF_SEED ?? 17);
const STEPS = Number(process.env.DIFF_STEPS ?? 50);

/** mulberry32: a small seeded PRNG. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)]! };
}
type Rng = ReturnType<typeof rng>;

interface Edit {
  label: string;
  schema: ExpectedSchema;
  allowDrop?: boolean;
  renames?: RenameSpec[];
}

const clone = (s: ExpectedSchema): ExpectedSchema => JSON.parse(JSON.stringify(s)) as ExpectedSchema;
const isText = (c: ExpectedColumn) => c.family === 'text';
const fkCols = (s: ExpectedSchema, t: ExpectedTable) => new Set([...(t.foreignKeys ?? []).flatMap((f) => f.columns), ...s.tables.flatMap((o) => (o.foreignKeys ?? []).filter((f) => f.references.table === t.name).flatMap((f) => f.references.columns))]);
const indexed = (t: ExpectedTable) => new Set((t.indexes ?? []).flatMap((i) => i.columns));
const ACTIONS_DELETE: ReferentialAction[] = ['CASCADE', 'RESTRICT', 'SET NULL', 'NO ACTION'];
const ACTIONS_UPDATE: ReferentialAction[] = ['CASCADE', 'RESTRICT', 'NO ACTION'];

/** One random edit of the declaration, or undefined when the chosen kind does not apply. */
function edit(s0: ExpectedSchema, r: Rng, n: { v: number }): Edit | undefined {
  const s = clone(s0);
  const name = (p: string) => `${p}${++n.v}`;
  const tables = s.tables;
  const t = tables.length ? r.pick(tables) : undefined;
  const plain = t ? t.columns.filter((c) => !t.primaryKey.includes(c.name) && !fkCols(s, t).has(c.name)) : [];
  const kind = tables.length < 2 ? 'add-table' : r.pick(['add-table', 'drop-table', 'rename-table', 'add-column', 'add-column', 'drop-column', 'rename-column', 'type', 'nullability', 'default', 'unique', 'index', 'partial-index', 'drop-index', 'foreign-key', 'drop-foreign-key']);
  switch (kind) {
    case 'add-table': {
      const cols = [int('id', false), r.next() < 0.5 ? text(name('c')) : int(name('c'))];
      const nt = table(name('t'), cols);
      if (tables.length && r.next() < 0.5) {
        const parent = r.pick(tables);
        const c = name('ref');
        nt.columns.push(int(c));
        nt.foreignKeys = [{ columns: [c], references: { table: parent.name, columns: ['id'] }, onDelete: r.pick(ACTIONS_DELETE), onUpdate: r.pick(ACTIONS_UPDATE) }];
      }
      tables.push(nt);
      return { label: `add table ${nt.name}`, schema: s };
    }
    case 'drop-table': {
      const free = tables.filter((x) => !tables.some((o) => o !== x && (o.foreignKeys ?? []).some((f) => f.references.table === x.name)));
      if (!free.length) return undefined;
      const x = r.pick(free);
      s.tables = tables.filter((y) => y !== x);
      return { label: `drop table ${x.name}`, schema: s, allowDrop: true };
    }
    case 'rename-table': {
      const to = name('t');
      const from = t!.name;
      t!.name = to;
      for (const o of tables) for (const f of o.foreignKeys ?? []) if (f.references.table === from) f.references.table = to;
      return { label: `rename table ${from} → ${to}`, schema: s, renames: [{ table: to, fromTable: from }] };
    }
    case 'add-column': {
      const c = r.next() < 0.5 ? int(name('c'), r.next() < 0.7, {}) : text(name('c'), r.next() < 0.7, {});
      if (!c.nullable) c.default = isText(c) ? "'x'" : '0';
      t!.columns.push(c);
      return { label: `add column ${t!.name}.${c.name}${c.nullable ? '' : ' not null default'}`, schema: s };
    }
    case 'drop-column': {
      const free = plain.filter((c) => !indexed(t!).has(c.name));
      if (!free.length) return undefined;
      const c = r.pick(free);
      t!.columns = t!.columns.filter((x) => x !== c);
      return { label: `drop column ${t!.name}.${c.name}`, schema: s, allowDrop: true };
    }
    case 'rename-column': {
      if (!plain.length) return undefined;
      const c = r.pick(plain);
      const from = c.name;
      c.name = name('c');
      for (const i of t!.indexes ?? []) {
        i.columns = i.columns.map((x) => (x === from ? c.name : x));
        if (i.where) i.where = i.where.replace(new RegExp(`\\b${from}\\b`), c.name);
      }
      return { label: `rename column ${t!.name}.${from} → ${c.name}`, schema: s, renames: [{ table: t!.name, from, to: c.name }] };
    }
    case 'type': {
      const ints = plain.filter((c) => !isText(c) && !indexed(t!).has(c.name) && c.default === undefined);
      if (!ints.length) return undefined;
      const c = r.pick(ints);
      Object.assign(c, text(c.name, c.nullable));
      return { label: `type of ${t!.name}.${c.name}: integer → text`, schema: s };
    }
    case 'nullability': {
      if (!plain.length) return undefined;
      const c = r.pick(plain);
      c.nullable = !c.nullable;
      return { label: `${t!.name}.${c.name} ${c.nullable ? 'nullable' : 'not null'}`, schema: s };
    }
    case 'default': {
      if (!plain.length) return undefined;
      const c = r.pick(plain);
      if (c.default === undefined) c.default = isText(c) ? "'d'" : '7';
      else if (c.nullable) delete c.default;
      else c.default = c.default === (isText(c) ? "'d'" : '7') ? (isText(c) ? "'e'" : '8') : isText(c) ? "'d'" : '7';
      return { label: `default of ${t!.name}.${c.name}: ${c.default ?? 'none'}`, schema: s };
    }
    case 'unique':
    case 'index':
    case 'partial-index': {
      // not on a column added with a default: its existing rows share that value
      const cands = plain.filter((c) => !indexed(t!).has(c.name) && (kind !== 'unique' || c.default === undefined));
      if (!cands.length) return undefined;
      const c = r.pick(cands);
      const ix = { name: name(`ix_${t!.name}_`), columns: [c.name], ...(kind === 'unique' ? { unique: true } : {}), ...(kind === 'partial-index' ? { where: `${c.name} IS NOT NULL` } : {}) };
      (t!.indexes ??= []).push(ix);
      return { label: `${kind} ${ix.name} on ${t!.name}(${c.name})`, schema: s };
    }
    case 'drop-index': {
      if (!t!.indexes?.length) return undefined;
      const ix = r.pick(t!.indexes);
      t!.indexes = t!.indexes.filter((x) => x !== ix);
      return { label: `drop index ${ix.name}`, schema: s };
    }
    case 'foreign-key': {
      const parent = r.pick(tables.filter((x) => x !== t));
      const c = name('ref');
      t!.columns.push(int(c));
      (t!.foreignKeys ??= []).push({ columns: [c], references: { table: parent.name, columns: ['id'] }, onDelete: r.pick(ACTIONS_DELETE), onUpdate: r.pick(ACTIONS_UPDATE) });
      return { label: `foreign key ${t!.name}.${c} → ${parent.name}`, schema: s };
    }
    case 'drop-foreign-key': {
      if (!t!.foreignKeys?.length) return undefined;
      const f = r.pick(t!.foreignKeys);
      t!.foreignKeys = t!.foreignKeys.filter((x) => x !== f);
      return { label: `drop foreign key ${t!.name}(${f.columns.join(',')})`, schema: s };
    }
  }
  return undefined;
}

/**
 * One row per table per step, its foreign keys pointing at an existing parent row (so a rebuild that
 * cascaded would lose it), and no NULL left in plain columns (so NOT NULL can be declared later).
 */
async function fill(conn: Connection, s: ExpectedSchema, step: number): Promise<void> {
  for (const t of s.tables) {
    const id = step * 1000 + s.tables.indexOf(t);
    const refs = new Map((t.foreignKeys ?? []).map((f) => [f.columns[0]!, f.references.table]));
    const vals = t.columns.map((c) => {
      const parent = refs.get(c.name);
      if (parent) return sql`(select min(id) from ${sql.table(parent)})`;
      return c.name === 'id' ? sql.lit(id) : isText(c) ? sql.lit(`v${id}`) : sql.lit(id);
    });
    await sql`insert into ${sql.table(t.name)} (${sql.join(t.columns.map((c) => sql.id(c.name)))}) values (${sql.join(vals)})`.execute(conn.db);
    for (const c of t.columns) {
      if (c.name === 'id' || refs.has(c.name)) continue;
      // distinct values: a unique index may be declared on the column later
      await sql`update ${sql.table(t.name)} set ${sql.id(c.name)} = ${isText(c) ? sql`'f' || cast(id as varchar)` : sql.ref('id')} where ${sql.id(c.name)} is null`.execute(conn.db);
    }
  }
}

describeEngines('migrate diff property', (fx) => {
  it(`random declaration edits (seed ${SEED}, ${STEPS} steps)`, async () => {
    const r = rng(SEED);
    const n = { v: 0 };
    const p: Project = await makeProject(fx.dir(), fx.url(), 'prop');
    const conn = await p.open();
    const engines: Engine[] = [fx.engine];
    let current = schemaOf([], engines);
    const log: string[] = [];
    const stats = { steps: 0, applied: 0, refused: 0, skipped: 0 };
    // SQLite and DuckDB: the real path — every diff replays the migrations into an in-memory scratch
    // database and rehearses the new ones there. PostgreSQL and PGlite, where a scratch database costs
    // seconds: the test database (always in the migrations' state here) stands in for the replay.
    const fast = fx.engine === 'postgres' ? { replayed: async () => shape(conn), rehearse: false } : {};
    const t0 = performance.now();
    try {
      for (let step = 1; stats.steps < STEPS; step++) {
        const e = edit(current, r, n);
        if (!e) {
          stats.skipped++;
          continue;
        }
        stats.steps++;
        log.push(`${step}: ${e.label}`);
        p.declare(e.schema);
        const filesBefore = p.files();
        const before = await shape(conn);
        const rows = new Map<string, number>();
        for (const t of current.tables) rows.set(t.name, await count(conn, t.name));
        let res;
        try {
          res = await migrateDiff(p.config, { name: `s${step}`, allowDrop: e.allowDrop, renames: e.renames, ...fast });
        } catch (err) {
          if (!(err instanceof EventdbError) || !['DIFF_REFUSED', 'DIFF_RISK', 'DIFF_REHEARSAL'].includes(err.code)) {
            log.push(`   ${err instanceof EventdbError ? err.code : 'error'}: ${(err as Error).message} renames=${JSON.stringify(e.renames)} live=${JSON.stringify(before.tables.map((t) => [t.name, t.columns.map((c) => c.name)]))}`);
            throw err;
          }
          log.push(`   refused: ${err.code} ${err.message}`);
          stats.refused++;
          expect(p.files()).toEqual(filesBefore);
          expect(await shape(conn)).toEqual(before);
          p.declare(current);
          continue;
        }
        expect(res.written.length, 'a changed declaration writes a migration').toBeGreaterThan(0);
        const applied = await up(conn, p.config);
        expect(applied.applied.length).toBe(res.written.length);
        const v = await validateDatabase(conn, p.config, { expected: e.schema, drift: false, migrations: false });
        expect(v.findings.filter((f) => f.check === 'schema' && (f.level === 'error' || f.level === 'warning')).map((f) => f.message)).toEqual([]);
        for (const [t, nrows] of rows) {
          const renamed = e.renames?.find((x) => 'fromTable' in x && x.fromTable === t);
          const now = renamed ? renamed.table : t;
          if (!e.schema.tables.some((x) => x.name === now)) continue; // dropped with --allow-drop
          expect(await count(conn, now), `rows of ${now}`).toBe(nrows);
        }
        const again = await migrateDiff(p.config, { name: `check${step}`, check: true, ...fast });
        expect(again.changed ? again.files.map((f) => f.up).concat(again.omitted.map((o) => [o.change])) : [], 'diff --check after up').toEqual([]);
        await down(conn, p.config, res.written.length);
        expect(await shape(conn), 'rolled back: the schema before the step').toEqual(before);
        await up(conn, p.config);
        current = e.schema;
        await fill(conn, current, step);
        stats.applied++;
      }
    } catch (err) {
      console.error(`migrate diff property test failed on ${fx.variant}: DIFF_SEED=${SEED} DIFF_STEPS=${STEPS}\n${log.join('\n')}`);
      throw err;
    } finally {
      await conn.close();
    }
    console.log(`migrate diff property [${fx.variant}] seed ${SEED}: ${stats.steps} steps (${stats.applied} applied, ${stats.refused} refused, ${stats.skipped} edits not applicable) in ${Math.round(performance.now() - t0)} ms\n${log.join('\n')}`);
    expect(stats.applied).toBeGreaterThan(0);
  });
});
