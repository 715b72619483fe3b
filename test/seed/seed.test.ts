import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { resolveConfig, type ResolvedConfig } from '../../src/config/index.js';
import { openConnection } from '../../src/dialects/index.js';
import type { Connection } from '../../src/dialects/types.js';
import { migrateUp } from '../../src/migrations/index.js';
import { validateDatabase } from '../../src/schema/validate.js';
import { seedDatabase } from '../../src/seed/index.js';
import { describeEngines } from '../helpers/engines.js';
import { tableHashes } from './hash.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NOW = new Date('2025-06-01T12:00:00.000Z');
const demoHashes: Record<string, Record<string, { rows: number; sha256: string }>> = {};

async function open(url: string, env: Record<string, string> = {}): Promise<{ conn: Connection; cfg: ResolvedConfig }> {
  const cfg = await resolveConfig({ flags: { url }, env, cwd: ROOT });
  return { conn: await openConnection(cfg), cfg };
}

async function q<T = Record<string, unknown>>(conn: Connection, text: string): Promise<T[]> {
  return (await sql.raw<T>(text).execute(conn.db)).rows;
}

async function counts(conn: Connection): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['users', 'venues', 'events', 'registrations', 'waitlist', 'attendance', 'feedback', 'loyalty_ledger', 'visitor_sessions', 'page_views', 'event_categories', 'membership_tiers']) {
    out[t] = Number((await q<{ n: number }>(conn, `select count(*) as n from ${t}`))[0]!.n);
  }
  return out;
}

/** The data rules, queried directly: each returns the offending rows (none expected). */
async function violations(conn: Connection): Promise<Record<string, number>> {
  const rules: Record<string, string> = {
    overCapacity: `select e.id from events e join registrations r on r.event_id = e.id where r.status in ('confirmed', 'attended') group by e.id, e.capacity having count(*) > e.capacity`,
    unpublishedRegistrations: `select r.id from registrations r join events e on e.id = r.event_id where e.status <> 'published'`,
    feedbackWithoutAttendance: `select f.registration_id from feedback f left join attendance a on a.registration_id = f.registration_id where a.registration_id is null`,
    attendanceNotAttended: `select a.registration_id from attendance a join registrations r on r.id = a.registration_id where r.status <> 'attended'`,
    attendedWithoutAttendance: `select r.id from registrations r left join attendance a on a.registration_id = r.id where r.status = 'attended' and a.registration_id is null`,
    balanceNotLedger: `select u.id from users u left join (select user_id, sum(points) as s from loyalty_ledger group by user_id) l on l.user_id = u.id where u.loyalty_points <> coalesce(l.s, 0)`,
    negativeBalance: `select id from users where loyalty_points < 0`,
    duplicateRegistrations: `select user_id, event_id from registrations group by user_id, event_id having count(*) > 1`,
    waitlistMismatch: `select w.registration_id from waitlist w join registrations r on r.id = w.registration_id where r.status <> 'waitlisted' or r.event_id <> w.event_id`,
    endsBeforeStart: `select id from events where ends_at <= starts_at`,
  };
  const out: Record<string, number> = {};
  for (const [k, text] of Object.entries(rules)) out[k] = (await q(conn, text)).length;
  return out;
}

const CLEAN = { overCapacity: 0, unpublishedRegistrations: 0, feedbackWithoutAttendance: 0, attendanceNotAttended: 0, attendedWithoutAttendance: 0, balanceNotLedger: 0, negativeBalance: 0, duplicateRegistrations: 0, waitlistMismatch: 0, endsBeforeStart: 0 };

async function expectValid(conn: Connection, cfg: ResolvedConfig): Promise<void> {
  const v = await validateDatabase(conn, cfg, { drift: false });
  const problems = v.findings.filter((f) => f.level === 'error' || f.level === 'warning').map((f) => `${f.check}: ${f.message}`);
  expect(problems).toEqual([]);
  expect(v.ok).toBe(true);
}

describeEngines('seed', (fx) => {
  it('demo: deterministic across runs, consistent, valid; refuses a second run; --reset and --append', async () => {
    const { conn, cfg } = await open(fx.url());
    try {
      await migrateUp(conn, cfg);
      const r1 = await seedDatabase(conn, cfg, { profile: 'demo', seed: 42, now: NOW });
      expect(r1.mode).toBe('fresh');
      const first = await tableHashes(conn);
      demoHashes[fx.variant] = first;
      const c1 = await counts(conn);
      expect(c1).toMatchObject({ users: 300, venues: 20, events: 80, event_categories: 12, membership_tiers: 3, visitor_sessions: 500 });
      expect(c1.registrations).toBeGreaterThan(1_000);
      for (const t of ['waitlist', 'attendance', 'feedback', 'loyalty_ledger', 'page_views']) expect(c1[t], t).toBeGreaterThan(0);
      expect(r1.tables.find((t) => t.table === 'registrations')!.rows).toBe(c1.registrations);
      expect(r1.totalRows).toBe(r1.tables.reduce((a, t) => a + t.rows, 0));
      expect(await violations(conn)).toEqual(CLEAN);
      await expectValid(conn, cfg);

      // A second plain run refuses and changes nothing.
      const e = await seedDatabase(conn, cfg, { profile: 'demo', seed: 42, now: NOW }).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'SEED_NOT_EMPTY', exitCode: 5 });
      expect((e as Error).message).toMatch(/^the database already holds platform data \(.*users.*\)$/);
      expect(await tableHashes(conn)).toEqual(first);

      // --reset gives exactly the same rows again.
      const r2 = await seedDatabase(conn, cfg, { profile: 'demo', seed: 42, now: NOW, reset: true });
      expect(r2.mode).toBe('reset');
      expect(r2.cleared.users).toBe(300);
      expect(await tableHashes(conn)).toEqual(first);

      // A different seed gives different rows.
      await seedDatabase(conn, cfg, { profile: 'demo', seed: 7, now: NOW, reset: true });
      expect((await tableHashes(conn)).users!.sha256).not.toBe(first.users!.sha256);

      // --append adds a second consistent set after the existing ids; the id generators moved past them.
      await seedDatabase(conn, cfg, { profile: 'demo', seed: 42, now: NOW, reset: true });
      const r3 = await seedDatabase(conn, cfg, { profile: 'demo', seed: 43, now: NOW, append: true });
      expect(r3.mode).toBe('append');
      const c3 = await counts(conn);
      expect(c3.users).toBe(600);
      expect(c3.event_categories).toBe(12);
      expect(await violations(conn)).toEqual(CLEAN);
      await expectValid(conn, cfg);
      const inserted = await conn.db.insertInto('users').values({ email: 'new.user@example.com', name: 'New User' }).returning('id').executeTakeFirstOrThrow();
      expect(Number(inserted.id)).toBeGreaterThan(600);
    } finally {
      await conn.close();
    }
  });

  it('safety: production needs --allow-production and --yes; reset only in development/test; custom seeds', async () => {
    const { conn, cfg } = await open(fx.url());
    try {
      await migrateUp(conn, cfg);
      const before = await tableHashes(conn);
      const prod = { ...cfg, environment: 'production' as const };
      for (const o of [{}, { allowProduction: true }, { yes: true }]) {
        const e = await seedDatabase(conn, prod, { profile: 'demo', ...o }).catch((x: unknown) => x);
        expect(e).toMatchObject({ code: 'PRODUCTION_REFUSED', exitCode: 5 });
        expect((e as Error).message).toMatch(/^refusing to seed the production database/);
      }
      const staging = { ...cfg, environment: 'staging' as const };
      const e2 = await seedDatabase(conn, staging, { profile: 'demo', reset: true }).catch((x: unknown) => x);
      expect(e2).toMatchObject({ code: 'SAFETY', message: '--reset is refused in the staging environment' });
      expect(await tableHashes(conn)).toEqual(before);

      // A custom seed alone (no profile): runs with the context, through the bulk loader.
      const r = await seedDatabase(conn, cfg, { file: fileURLToPath(new URL('./fixtures/custom-seed.ts', import.meta.url)), seed: 5, now: NOW });
      expect(r.profile).toBeNull();
      expect(r.tables).toEqual([expect.objectContaining({ table: 'venues', rows: 10 })]);
      const v = await q<{ id: number; city: string }>(conn, 'select id, city from venues order by id');
      expect(v.map((x) => [Number(x.id), x.city])).toEqual(Array.from({ length: 10 }, (_, i) => [1001 + i, 'Testville']));
      const e3 = await seedDatabase(conn, cfg, { file: fileURLToPath(new URL('./fixtures/broken-seed.ts', import.meta.url)), append: true }).catch((x: unknown) => x);
      expect(e3).toMatchObject({ code: 'SEED_FILE' });
      expect((e3 as Error).message).toMatch(/exports no seed function$/);
    } finally {
      await conn.close();
    }
  });
});

// The load profile (100,000 registrations) on the three engines; PGlite (WASM) is covered by demo.
describeEngines('seed load', (fx) => {
  it('minimal, then load --scale 1: about 100,000 registrations, consistent and valid', async () => {
    const { conn, cfg } = await open(fx.url());
    try {
      await migrateUp(conn, cfg);
      await seedDatabase(conn, cfg, { profile: 'minimal', seed: 1, now: NOW });
      const c0 = await counts(conn);
      expect(c0).toMatchObject({ users: 0, event_categories: 12, membership_tiers: 3, registrations: 0 });
      await expectValid(conn, cfg);
      // Reference rows alone are not "platform data": load needs no flag after minimal.
      const r = await seedDatabase(conn, cfg, { profile: 'load', scale: 1, seed: 1, now: NOW });
      const c = await counts(conn);
      expect(c.event_categories).toBe(12);
      expect(c.registrations).toBeGreaterThan(90_000);
      expect(c.registrations).toBeLessThan(110_000);
      expect(c.users).toBe(20_000);
      expect(r.scale).toBe(1);
      expect(await violations(conn)).toEqual(CLEAN);
      await expectValid(conn, cfg);
    } finally {
      await conn.close();
    }
  });
}, ['postgres', 'sqlite', 'duckdb']);

describe('seed across engines', () => {
  it('gives the same rows (per-table content hash) on PostgreSQL (server and PGlite), SQLite and DuckDB', () => {
    expect(Object.keys(demoHashes).sort()).toEqual(['duckdb', 'pglite', 'postgres', 'sqlite']);
    expect(demoHashes.sqlite).toEqual(demoHashes.postgres);
    expect(demoHashes.duckdb).toEqual(demoHashes.postgres);
    expect(demoHashes.pglite).toEqual(demoHashes.postgres);
    expect(Object.keys(demoHashes.postgres!).length).toBeGreaterThanOrEqual(12);
  });
});
