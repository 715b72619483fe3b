import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { openConnection } from '../../src/dialects/index.js';
import { analyseStatements, loadParsers, tableSizes } from '../../src/risk/index.js';
import { runCli } from '../helpers/cli.js';
import { describeEngines } from '../helpers/engines.js';

describeEngines('risk: live table sizes and the production gate', (fx) => {
  async function seedEvents(rows: number): Promise<void> {
    const conn = await openConnection(await fx.config());
    try {
      await sql`create table events (id integer primary key, title varchar(100))`.execute(conn.db);
      for (let i = 1; i <= rows; i++) await sql`insert into events (id, title) values (${i}, ${`event ${i}`})`.execute(conn.db);
    } finally {
      await conn.close();
    }
  }

  async function countEvents(): Promise<number | string> {
    const conn = await openConnection(await fx.config());
    try {
      const r = await sql<{ n: number }>`select count(*) as n from events`.execute(conn.db);
      return Number(r.rows[0]!.n);
    } catch (e) {
      return String((e as Error).message);
    } finally {
      await conn.close();
    }
  }

  function migrations(name: string, files: Record<string, string>): string {
    const dir = join(fx.dir(), name);
    mkdirSync(dir, { recursive: true });
    for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
    return dir;
  }

  it('reads row counts through the connection; levels follow them', async () => {
    await seedEvents(25);
    const conn = await openConnection(await fx.config());
    try {
      const sizes = await tableSizes(conn);
      expect(sizes.get('events')).toBe(25);
      await loadParsers();
      const ctx = { engine: fx.engine, tableSizes: sizes };
      const drop = analyseStatements('m', ['DROP TABLE events'], 'up', ctx);
      expect(drop.findings.map((f) => `${f.rule}:${f.level}`)).toEqual(['loss-drop-table:critical']);
      expect(drop.findings[0]!.message).toContain('"events" has ~25 rows');
      // A table that does not exist yet (absent from the live sizes) has no rows to lose.
      const gone = analyseStatements('m', ['DROP TABLE not_there'], 'up', ctx);
      expect(gone.findings.map((f) => `${f.rule}:${f.level}`)).toEqual(['loss-drop-table:low']);
      if (fx.engine !== 'duckdb') {
        const idx = analyseStatements('m', ['CREATE INDEX events_title_idx ON events (title)'], 'up', ctx);
        expect(idx.findings.map((f) => `${f.rule}:${f.level}`)).toEqual(['lock-index-build:low']);
        const big = analyseStatements('m', ['CREATE INDEX events_title_idx ON events (title)'], 'up', { ...ctx, tableSizes: new Map([['events', 10_000_000]]) });
        expect(big.findings.map((f) => `${f.rule}:${f.level}`)).toEqual(['lock-index-build:high']);
      }
    } finally {
      await conn.close();
    }
  });

  it('production refuses a critical migration (exit 5, RISK_GATE), nothing runs; --force runs it', async () => {
    await seedEvents(5);
    const dir = migrations('m1', { '0001_drop_events.sql': '-- eventdb:up\nDROP TABLE events;\n' });
    const args = ['migrate', 'up', '--url', fx.url(), '--migrations', dir, '--env', 'production', '--yes', '--json'];
    const r = await runCli(args);
    expect(r.code).toBe(5);
    const err = r.json().error;
    expect(err.code).toBe('RISK_GATE');
    expect(err.message).toMatch(/0001_drop_events \(critical\).*--backup-before/);
    expect(err.message.split('\n')).toHaveLength(1);
    expect(await countEvents()).toBe(5);
    const forced = await runCli([...args, '--force']);
    expect(forced.code).toBe(0);
    expect(await countEvents()).not.toBe(5);
  });

  it('an accepted rule passes the production gate, its reason kept on the finding', async () => {
    await seedEvents(5);
    const accepted = migrations('m2', { '0001_drop_events.sql': '-- eventdb:risk-accepted loss-drop-table "events moved to the archive database"\n-- eventdb:up\nDROP TABLE events;\n' });
    const ok = await runCli(['migrate', 'up', '--url', fx.url(), '--migrations', accepted, '--env', 'production', '--yes', '--json']);
    expect(ok.code).toBe(0);
    expect(ok.json().findings).toEqual([expect.objectContaining({ rule: 'loss-drop-table', level: 'critical', accepted: { reason: 'events moved to the archive database' } })]);
  });

  it('production: renaming a table an earlier step of the same plan creates passes the gate; once that step is deployed, the rename is refused', async () => {
    const dir = migrations('m4', {
      '0001_staging.sql': '-- eventdb:up\nCREATE TABLE bookings_new (id integer, title varchar(100));\n-- eventdb:down\nDROP TABLE bookings_new;\n',
      '0002_swap.sql': '-- eventdb:up\nALTER TABLE bookings_new RENAME TO bookings;\nCREATE INDEX bookings_title_idx ON bookings (title);\n-- eventdb:down\nALTER TABLE bookings RENAME TO bookings_new;\n',
    });
    const args = ['--url', fx.url(), '--migrations', dir, '--env', 'production', '--json'];
    const fresh = await runCli(['migrate', 'up', '--dry-run', ...args]);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.json().findings.map((f: { rule: string }) => f.rule)).toEqual([]);
    expect((await runCli(['migrate', 'up', '--to', '0001_staging', '--url', fx.url(), '--migrations', dir])).code).toBe(0);
    const later = await runCli(['migrate', 'up', ...args]);
    expect(later.code).toBe(5);
    expect(later.json().error.code).toBe('RISK_GATE');
    expect(later.json().error.message).toMatch(/0002_swap \(high\)/);
  });

  it('development runs a risky migration and reports its findings', async () => {
    await seedEvents(5);
    const dir = migrations('m3', { '0001_clear.sql': '-- eventdb:up\nDELETE FROM events;\n' });
    const r = await runCli(['migrate', 'up', '--url', fx.url(), '--migrations', dir, '--env', 'development', '--json']);
    expect(r.code).toBe(0);
    expect(r.json().findings.map((f: { rule: string; level: string }) => `${f.rule}:${f.level}`)).toEqual(['loss-delete-without-where:high']);
    expect(await countEvents()).toBe(0);
  });
});
