import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import type { Connection } from '../../src/dialects/types.js';
import { EventdbError } from '../../src/errors.js';
import { runHealthChecks } from '../../src/health/index.js';
import { openDatabase, validateDatabase } from '../../src/index.js';
import { migrateUp, migrationStatus, repair, rollback, validateMigrations } from '../../src/migrations/index.js';
import { outstandingFailures } from '../../src/migrations/history.js';
import { prepare } from '../../src/prepare/index.js';
import { describeEngines } from '../helpers/engines.js';
import { sqlMig, writeMigrations } from './helpers.js';

const open: Connection[] = [];

/** `eventdb validate`'s failed-attempt findings (level and object), migrations group only. */
async function validateAttempts(config: Parameters<typeof validateDatabase>[1]): Promise<string[]> {
  const conn = await openDatabase(config);
  try {
    const r = await validateDatabase(conn, config, { drift: false, expected: null });
    return r.findings.filter((f) => f.kind === 'failed-attempt').map((f) => `${f.level}:${f.object}`);
  } finally {
    await conn.close();
  }
}
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

it('the rule: a failed attempt counts until the same migration later succeeds', () => {
  const failed = [
    { id: 'a', direction: 'up' as const, startedAt: '2026-01-01T10:00:00.000Z', error: 'x' },
    { id: 'b', direction: 'up' as const, startedAt: '2026-01-01T10:00:00.000Z', error: 'y' },
    { id: 'c', direction: 'up' as const, startedAt: '2026-01-01T12:00:00.000Z', error: 'z' },
  ];
  const successes = [
    { id: 'a', at: '2026-01-01T10:05:00.000Z' }, // fixed and applied later
    { id: 'c', at: '2026-01-01T11:00:00.000Z' }, // applied before it failed (e.g. a failed rollback): still counts
  ];
  expect(outstandingFailures(failed, successes).map((f) => f.id)).toEqual(['b', 'c']);
});

describeEngines('a failed attempt fixed and applied no longer counts', (fx) => {
  it('status, migrate validate, health-check and prepare --env production agree', async () => {
    const good = sqlMig('create table fixed (x integer);', 'drop table fixed;');
    const dir = writeMigrations(fx.dir(), {
      '0001_a.sql': sqlMig('create table a (x integer);', 'drop table a;'),
      '0002_b.sql': sqlMig('create table fixed (x integer);\ncreate tabel oops (x integer);', 'drop table fixed;'),
    });
    const config = { ...(await fx.config()), migrationsDir: dir };
    const input = { flags: { url: fx.url(), migrations: dir, env: 'production' }, env: {}, cwd: fx.dir() };
    const conn = await openDatabase(config);
    open.push(conn);
    await expect(migrateUp(conn, config)).rejects.toBeInstanceOf(EventdbError);
    expect((await migrationStatus(conn, config)).failedAttempts.map((f) => f.id)).toEqual(['0002_b']);
    await conn.close();
    open.pop();
    // While it is not fixed, it counts everywhere.
    const sick = await runHealthChecks(config, { checks: ['migrations'] });
    expect(sick.checks[0]).toMatchObject({ name: 'migrations', status: 'fail' });
    expect(sick.checks[0]!.message).toMatch(/1 failed attempt in the migration log/);
    const refused = await prepare(input, { health: { checks: ['lock'] } });
    expect(refused.exitCode).toBe(5);
    expect(await validateAttempts(config)).toEqual(['error:migration 0002_b']);
    expect(refused.steps.find((s) => s.name === 'migrations')!.message).toMatch(/failed migration attempt/);

    writeFileSync(join(dir, '0002_b.sql'), good);
    const again = await openDatabase(config);
    open.push(again);
    expect((await migrateUp(again, config)).applied.map((s) => s.id)).toEqual(['0002_b']);
    expect((await migrationStatus(again, config)).failedAttempts).toEqual([]);
    expect((await validateMigrations(again, config, fx.engine)).warnings).toEqual([]);
    // Rolled back afterwards (pending again), the old failure stays settled.
    await rollback(again, config, { count: 1 });
    expect((await migrationStatus(again, config)).failedAttempts).toEqual([]);
    await migrateUp(again, config);
    await again.close();
    open.pop();

    const healthy = await runHealthChecks(config, { checks: ['migrations'] });
    expect(healthy.checks[0]).toMatchObject({ name: 'migrations', status: 'ok' });
    expect(await validateAttempts(config)).toEqual([]);
    const started = await prepare(input, { health: { checks: ['lock'] } });
    expect(started.steps.find((s) => s.name === 'migrations')).toMatchObject({ status: 'ok', message: '2 applied, none pending' });
    expect(started.exitCode).toBe(0);
  });
});

describeEngines('a failed rollback of an applied migration counts everywhere', (fx) => {
  it('status, health-check and validate all report it (the migration stays applied) until it succeeds', async () => {
    const dir = writeMigrations(fx.dir(), {
      '0001_a.sql': sqlMig('create table a (x integer);', 'drop table a;\ndrop table b;'), // b is not there yet
    });
    const config = { ...(await fx.config()), migrationsDir: dir };
    const conn = await openDatabase(config);
    open.push(conn);
    await migrateUp(conn, config);
    await expect(rollback(conn, config, { count: 1 })).rejects.toBeInstanceOf(EventdbError);
    const st = await migrationStatus(conn, config);
    expect(st.migrations.map((m) => m.state)).toEqual(['applied']);
    expect(st.failedAttempts.map((f) => f.id)).toEqual(['0001_a']);
    await conn.close();
    open.pop();
    expect((await runHealthChecks(config, { checks: ['migrations'] })).checks[0]).toMatchObject({ name: 'migrations', status: 'fail' });
    expect(await validateAttempts(config)).toEqual(['error:migration 0001_a']);
    // It is named as a rollback, with a fix that works: `migrate up` would have nothing to do.
    expect(st.failedAttempts.map((f) => f.direction)).toEqual(['down']);
    const named = await openDatabase(config);
    const found = (await validateDatabase(named, config, { drift: false, expected: null })).findings.find((f) => f.kind === 'failed-attempt')!;
    await named.close();
    expect(found.message).toMatch(/^the last rollback of migration 0001_a failed \(it stays applied\): /);
    expect(found.fix?.description).toMatch(/^fix its down section, accept the edited file with `eventdb migrate repair --yes` \(the edit changes its checksum; it also clears the record\), then `eventdb rollback` again$/);
    // Once the down can run (table b exists) and the rollback succeeds: settled everywhere.
    const again = await openDatabase(config);
    open.push(again);
    await sql`create table b (x integer)`.execute(again.db);
    expect((await rollback(again, config, { count: 1 })).rolledBack.map((s) => s.id)).toEqual(['0001_a']);
    expect((await migrationStatus(again, config)).failedAttempts).toEqual([]);
    await again.close();
    open.pop();
    expect(await validateAttempts(config)).toEqual([]);
  });

  it('a down with a mistake: the hint\'s steps (fix the down, repair, roll back) work in that order', async () => {
    const dir = writeMigrations(fx.dir(), { '0001_a.sql': sqlMig('create table a (x integer);', 'drop tabel a;') });
    const config = { ...(await fx.config()), migrationsDir: dir };
    const conn = await openDatabase(config);
    open.push(conn);
    await migrateUp(conn, config);
    const e = (await rollback(conn, config, { count: 1 }).catch((x: unknown) => x)) as EventdbError;
    expect(e).toBeInstanceOf(EventdbError);
    expect(e.hint).toMatch(/^fix its down section, accept the edited file with `eventdb migrate repair --yes` \(the edit changes its checksum\), then roll back again \(its transaction was rolled back/);
    writeFileSync(join(dir, '0001_a.sql'), sqlMig('create table a (x integer);', 'drop table a;'));
    await expect(rollback(conn, config, { count: 1 })).rejects.toMatchObject({ message: expect.stringContaining('changed since applied') });
    await repair(conn, config);
    expect((await rollback(conn, config, { count: 1 })).rolledBack.map((s) => s.id)).toEqual(['0001_a']);
    expect((await migrationStatus(conn, config)).failedAttempts).toEqual([]);
  });
});
