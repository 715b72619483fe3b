import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitStatements } from '../../src/migrations/split.js';
import { gateAnalyse, gateCanRefuse, gatePlan, readGateContext, type GateStep } from '../../src/risk/index.js';

/*
 * Issue 18: where the gate cannot refuse (outside production, or --force), `migrate up` on a server runs
 * its analysis a slice at a time while the plan is applied (gateAnalyse with pacing). The findings and
 * the verdict must be those of the gate run in one go — on a real history, ory/kratos's 346 PostgreSQL
 * migrations, whose statements the slices cut at every possible place.
 */

const KRATOS = join(__dirname, '../fixtures/ory-kratos/sql');
const UP = /^(\d+_[^.]+)(?:\.(postgres))?(\.autocommit)?\.up\.sql$/;

async function kratosSteps(): Promise<GateStep[]> {
  const byId = new Map<string, { file: string; specific: boolean; auto: boolean }>();
  for (const f of readdirSync(KRATOS)) {
    const m = UP.exec(f);
    if (!m) continue;
    const prev = byId.get(m[1]!);
    if (prev?.specific) continue; // the PostgreSQL file wins over the generic one
    byId.set(m[1]!, { file: f, specific: !!m[2], auto: !!m[3] });
  }
  const steps: GateStep[] = [];
  for (const id of [...byId.keys()].sort()) {
    const { file, auto } = byId.get(id)!;
    const text = readFileSync(join(KRATOS, file), 'utf8');
    steps.push({ id, file, engine: 'postgres', direction: 'up', transaction: !auto, statements: await splitStatements(text, 'postgres'), section: { text, line: 1 } });
  }
  return steps;
}

const view = (r: Awaited<ReturnType<typeof gatePlan>>) => JSON.stringify(r);

describe('the risk gate paced (analysis while the plan is applied)', () => {
  it('gives the findings and verdict of the gate run in one go, whatever the slice, on the ory/kratos history', async () => {
    const steps = await kratosSteps();
    expect(steps.length).toBeGreaterThan(300);
    const opts = { environment: 'development', force: false };
    const whole = await gatePlan(steps, opts);
    expect(whole.migrations.length).toBe(steps.length);
    expect(whole.migrations.flatMap((m) => m.findings).length).toBeGreaterThan(50);
    const ctx = await readGateContext(steps, opts);
    for (const slice of [1, 8, 64]) {
      let paces = 0;
      const paced = await gateAnalyse(steps, ctx, opts, {
        slice,
        pace: async () => {
          paces++;
          await new Promise((r) => setImmediate(r));
        },
      });
      expect(view(paced)).toBe(view(whole));
      // One pace per slice; a slice holds at most `slice` statements unless one step alone has more.
      const statements = steps.reduce((n, s) => n + s.statements.length, 0);
      const widest = Math.max(...steps.map((s) => s.statements.length));
      expect(paces).toBeGreaterThanOrEqual(Math.ceil(statements / Math.max(slice, widest)));
      if (slice === 1) expect(paces).toBeGreaterThanOrEqual(steps.filter((s) => s.statements.length).length);
    }
  }, 120_000);

  it('the plan parsed while the database is read (readGateContext) gives what parsing it in the analysis gives', async () => {
    const steps = await kratosSteps();
    const opts = { environment: 'production', force: false };
    const ctx = await readGateContext(steps, opts);
    expect(ctx.pgPreparsed?.steps).toBe(steps);
    expect(ctx.pgPreparsed?.parsed.length).toBe(steps.reduce((n, s) => n + s.statements.length, 0));
    const withPreparsed = await gateAnalyse(steps, ctx, opts);
    const copy = steps.map((s) => ({ ...s })); // other steps: the preparsed plan is not theirs, so they are parsed afresh
    const parsedHere = await gateAnalyse(copy, ctx, opts);
    expect(view(withPreparsed)).toBe(view(parsedHere));
    expect(withPreparsed.blocked).toBe(parsedHere.blocked);
    expect(withPreparsed.migrations.flatMap((m) => m.findings).length).toBeGreaterThan(50);
  }, 120_000);

  it('parsers left to the analysis (parsersLater): nothing is loaded or parsed with the reads, and the paced analysis is the same', async () => {
    const steps = await kratosSteps();
    const opts = { environment: 'development', force: false };
    const later = await readGateContext(steps, opts, true);
    expect(later.parsers).toBeUndefined();
    expect(later.pgPreparsed).toBeUndefined();
    const paced = await gateAnalyse(steps, later, opts, { slice: 8, pace: () => new Promise((r) => setImmediate(r)) });
    expect(view(paced)).toBe(view(await gatePlan(steps, opts)));
  }, 120_000);

  it('a pace that throws stops the analysis with its error', async () => {
    const steps = (await kratosSteps()).slice(0, 40);
    const opts = { environment: 'development', force: false };
    const ctx = await readGateContext(steps, opts);
    let paces = 0;
    const run = gateAnalyse(steps, ctx, opts, {
      slice: 4,
      pace: async () => {
        if (++paces === 3) throw new Error('stopped');
      },
    });
    await expect(run).rejects.toThrow('stopped');
    expect(paces).toBe(3);
  });

  it('only production without --force can refuse (and so only there the gate must finish before the plan runs)', () => {
    expect(gateCanRefuse('production', false)).toBe(true);
    expect(gateCanRefuse('production', true)).toBe(false);
    expect(gateCanRefuse('development', false)).toBe(false);
    expect(gateCanRefuse('staging', false)).toBe(false);
  });
});
