/**
 * The property test of `migrate diff` (issue 17), run by one test file per engine (property-<engine>.test.ts,
 * so that CI's two workers share them): random sequences of declaration edits (property-edits.ts) — each
 * step: migrate diff → migrate up → validate has no schema finding → existing rows survive → diff --check
 * finds nothing → roll the step back → the introspected schema equals the one before → up again. On
 * SQLite and DuckDB every diff takes the product's path (the migrations replayed into a scratch database,
 * the new ones rehearsed there); see `fast` below for PostgreSQL and PGlite. A change an engine cannot make
 * must be refused with nothing written. Seeded: DIFF_SEED=<n> reproduces a run (the seed is printed on
 * failure); DIFF_STEPS=<n> overrides the number of steps the engine's file sets.
 */
import { isDeepStrictEqual } from 'node:util';
import { expect, it } from 'vitest';
import type { Engine } from '../../../src/config/url.js';
import { EventdbError } from '../../../src/errors.js';
import { migrateDiff, type RenameSpec } from '../../../src/schema/generate/command.js';
import type { ExpectedSchema } from '../../../src/schema/model.js';
import { validateDatabase } from '../../../src/schema/validate.js';
import type { EngineFixture } from '../../helpers/engines.js';
import { edit, fill, rng } from './property-edits.js';
import { count, down, makeProject, reAddedLast, schemaOf, shape, up, type Project } from './project.js';

/** The columns of each table of `from` that `to` no longer has (renames followed): the ones a step drops. */
function droppedColumns(from: ExpectedSchema, to: ExpectedSchema, renames: RenameSpec[] = []): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const t of from.tables) {
    const name = renames.find((r) => 'fromTable' in r && r.fromTable === t.name)?.table ?? t.name;
    const next = to.tables.find((x) => x.name === name);
    if (!next) continue; // a dropped table comes back whole (CREATE TABLE, its columns in order)
    const newName = (c: string) => renames.flatMap((r) => ('from' in r && r.table === name && r.from === c ? [r.to] : []))[0] ?? c;
    const gone = t.columns.map((c) => c.name).filter((c) => !next.columns.some((x) => x.name === newName(c)));
    if (gone.length) out.set(t.name, gone);
  }
  return out;
}

/** The first sequence's seed; further sequences (other files) take the next ones, unless DIFF_SEED sets it. */
const FIRST_SEED = 17;
/** Per step, at most: the test's time-out is STEPS × this — a guard against a hang, not a speed budget (a scratch replay grows with the migrations; DuckDB took 6 s a step under load 8). */
const STEP_BUDGET_MS = Number(process.env.DIFF_STEP_BUDGET_MS ?? 10_000);

/** PostgreSQL and PGlite: every this many steps, the diffs replay into a scratch database (server: a temporary one; PGlite: in memory). */
const REAL_EVERY = 20;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
};

/**
 * The property test on the fixture's engine: one `it`, `steps` steps (DIFF_STEPS overrides it), from seed
 * FIRST_SEED + `sequence` (DIFF_SEED overrides it). Where a diff replays every migration (SQLite, DuckDB) a step
 * costs more the longer the sequence: two sequences of 50 steps in two files take about half the time of
 * one of 100, and CI's two workers run them side by side.
 */
export function propertyTest(fx: EngineFixture, steps: number, sequence = 0): void {
  const STEPS = Number(process.env.DIFF_STEPS ?? steps);
  const SEED = Number(process.env.DIFF_SEED ?? FIRST_SEED + sequence);
  it(`random declaration edits (seed ${SEED}, ${STEPS} steps)`, { timeout: 60_000 + STEPS * STEP_BUDGET_MS }, async () => {
    const r = rng(SEED);
    const n = { v: 0 };
    const p: Project = await makeProject(fx.dir(), fx.url(), 'prop');
    const conn = await p.open();
    const engines: Engine[] = [fx.engine];
    let current = schemaOf([], engines);
    const log: string[] = [];
    const stats = { steps: 0, applied: 0, refused: 0, skipped: 0 };
    const diffMs: number[] = [];
    // SQLite and DuckDB take the product's path: every diff replays the migrations into an in-memory
    // scratch database and rehearses the new ones there. PostgreSQL and PGlite do not, for its cost
    // (measured on issue 17: a scratch database on the server is CREATE DATABASE plus a DROP DATABASE
    // that forces a checkpoint, 0.3–3.5 s, two per step; an in-memory PGlite runs initdb, 8–14 s, for the
    // first two of a process, then loads their image, 1–3 s): the test database, always in the migrations'
    // state here, stands in for the replay (command.test.ts replays there). Every REAL_EVERY-th step takes
    // the product's path all the same (a temporary database on the server, an in-memory PGlite).
    const shortcut = fx.engine === 'postgres' ? { replayed: async () => shape(conn), rehearse: false } : {};
    const t0 = performance.now();
    try {
      for (let step = 1; stats.steps < STEPS; step++) {
        const e = edit(current, r, n, { enumTypes: fx.engine !== 'sqlite' });
        if (!e) {
          stats.skipped++;
          continue;
        }
        stats.steps++;
        const fast = stats.steps % REAL_EVERY === 0 ? {} : shortcut;
        log.push(`${step}: ${e.label}${fast === shortcut ? '' : ' (replayed)'}`);
        p.declare(e.schema);
        const filesBefore = p.files();
        const before = await shape(conn);
        const rows = new Map<string, number>();
        for (const t of current.tables) rows.set(t.name, await count(conn, t.name));
        let res;
        const d0 = performance.now();
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
        } finally {
          diffMs.push(performance.now() - d0);
        }
        if (e.noChange) {
          expect(res.written, 'a declaration change this engine does not see writes nothing').toEqual([]);
          expect(p.files()).toEqual(filesBefore);
          current = e.schema;
          stats.applied++;
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
        // strict, but for a column the step dropped: back last, unless the engine put it back in its place (a SQLite rebuild)
        const after = await shape(conn);
        expect(after, 'rolled back: the schema before the step').toEqual(isDeepStrictEqual(after, before) ? before : reAddedLast(before, droppedColumns(current, e.schema, e.renames)));
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
    const tenth = Math.max(1, Math.floor(diffMs.length / 10));
    console.log(
      `migrate diff property [${fx.variant}] seed ${SEED}: ${stats.steps} steps (${stats.applied} applied, ${stats.refused} refused, ${stats.skipped} edits not applicable) in ${Math.round(performance.now() - t0)} ms; ` +
        `migrate diff median ${Math.round(median(diffMs))} ms (first tenth ${Math.round(median(diffMs.slice(0, tenth)))} ms, last tenth ${Math.round(median(diffMs.slice(-tenth)))} ms)\n${log.join('\n')}`,
    );
    expect(stats.applied).toBeGreaterThan(0);
  });
}
