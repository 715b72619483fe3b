import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import type { Connection } from '../../src/dialects/types.js';
import { openDatabase } from '../../src/index.js';
import { migrateUp } from '../../src/migrations/index.js';
import { loadMigrations } from '../../src/migrations/loader.js';
import { prepareSteps } from '../../src/migrations/plan.js';
import { gateWhileApplying } from '../../src/migrations/up.js';
import { describeEngines } from '../helpers/engines.js';
import { fail, historyIds, sqlMig, writeMigrations } from './helpers.js';

/*
 * Issue 18: on a database server, where the risk gate cannot refuse (outside production, or --force),
 * `migrate up` reads what the gate needs from the database first, then analyses the plan while it is
 * applied. The findings are those of the gate run first (a dry run); in production without --force the
 * gate still refuses before anything runs.
 */

const open: Connection[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

const files = {
  '0001_note.sql': sqlMig('alter table events add column note text;'),
  '0002_index.sql': sqlMig('create index events_title on events (title);'),
  '0003_rename.sql': sqlMig('alter table events rename column title to name;'),
  '0004_fresh.sql': sqlMig('create table tiers (id integer primary key);\ncreate index tiers_id on tiers (id);'),
};

const findingsOf = (r: { findings: unknown[]; applied: Array<{ id: string; findings: unknown[] }> }) => ({
  all: r.findings,
  steps: r.applied.map((s) => [s.id, s.findings]),
});

describeEngines(
  'migrate up: the gate analyses the plan while it is applied where it cannot refuse',
  (fx) => {
    async function setUp(env: Record<string, string> = {}) {
      const dir = writeMigrations(fx.dir(), files);
      const config = { ...(await fx.config(env)), migrationsDir: dir };
      const conn = await openDatabase(config);
      open.push(conn);
      await sql`create table events (id integer primary key, title text)`.execute(conn.db);
      await sql`insert into events (id, title) values (1, 'launch')`.execute(conn.db);
      return { config, conn };
    }

    it('development: the findings of the applied plan are those of a dry run (the gate first), step by step', async () => {
      const { config, conn } = await setUp();
      const dry = await migrateUp(conn, config, { dryRun: true });
      expect(await historyIds(conn.db)).toEqual([]);
      const r = await migrateUp(conn, config);
      expect(r.applied.map((s) => s.id)).toEqual(['0001_note', '0002_index', '0003_rename', '0004_fresh']);
      expect(await historyIds(conn.db)).toEqual(['0001_note', '0002_index', '0003_rename', '0004_fresh']);
      const rules = r.findings.map((f) => (f as { rule: string }).rule);
      expect(rules).toContain('compat-rename-column');
      expect(findingsOf(r)).toEqual(findingsOf(dry));
    });

    it('production --force: the same findings, all applied', async () => {
      const { config, conn } = await setUp({ EVENTDB_ENV: 'production' });
      const dry = await migrateUp(conn, config, { dryRun: true, force: true });
      const r = await migrateUp(conn, config, { force: true });
      expect(await historyIds(conn.db)).toEqual(['0001_note', '0002_index', '0003_rename', '0004_fresh']);
      expect(r.findings.length).toBeGreaterThan(0);
      expect(findingsOf(r)).toEqual(findingsOf(dry));
    });

    it('prepareSteps with pacing: the analysis is left for later only where the gate cannot refuse, and not for a dry run', async () => {
      for (const [env, force, dryRun, later] of [
        ['development', false, false, true],
        ['production', true, false, true],
        ['production', false, false, false],
        ['development', false, true, false],
      ] as const) {
        const { config, conn } = await setUp({ EVENTDB_ENV: env });
        const list = await loadMigrations(config.migrationsDir, conn.engine);
        const pacing = gateWhileApplying();
        const r = await prepareSteps(conn, config, list, 'up', 1, { force, dryRun }, pacing).catch((e: Error) => e);
        if (r instanceof Error) {
          expect([env, force, r.message]).toEqual(['production', false, expect.stringMatching(/0003_rename \(high\)/)]);
          await sql`drop table events`.execute(conn.db);
          continue;
        }
        expect([env, force, dryRun, r.later !== undefined]).toEqual([env, force, dryRun, later]);
        pacing.release(); // no plan is applied here: the analysis runs at once
        const findings = r.later ? (await r.later).findings : r.gate.findings;
        expect(findings.length).toBeGreaterThan(0);
        await sql`drop table events`.execute(conn.db);
      }
    });

    it('production without --force: refused before anything runs (RISK_GATE), nothing changed', async () => {
      const { config, conn } = await setUp({ EVENTDB_ENV: 'production' });
      const e = await fail(migrateUp(conn, config));
      expect(e.code).toBe('RISK_GATE');
      expect(e.message).toMatch(/0003_rename \(high\)/);
      expect(e.message).toMatch(/nothing was run/);
      expect(await historyIds(conn.db)).toEqual([]);
      const live = await conn.introspect();
      expect(live.tables.map((t) => [t.name, t.columns.map((c) => c.name)])).toEqual([['events', ['id', 'title']]]);
      expect(live.indexes.filter((i) => !i.primary).map((i) => i.name)).toEqual([]);
    });
  },
  ['postgres', 'sqlite'],
);
