import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import { runCli } from '../helpers/cli.js';
import { tableHashes } from './hash.js';

const dir = mkdtempSync(join(tmpdir(), 'eventdb-seed-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const url = `sqlite:${join(dir, 'app.sqlite')}`;
const cli = (...args: string[]) => runCli(['--url', url, ...args], { timeoutMs: 120_000 });
async function hashes() {
  const conn = await openDatabase({ flags: { url }, env: {} });
  try {
    return await tableHashes(conn);
  } finally {
    await conn.close();
  }
}

describe('eventdb seed (CLI, SQLite)', () => {
  it('seeds the demo profile after migrate up; --json summary; validate passes', async () => {
    expect((await cli('migrate', 'up', '--quiet')).code).toBe(0);
    const r = await cli('seed', '--seed', '42', '--json');
    expect(r.code, r.stderr).toBe(0);
    const j = r.json<{ ok: boolean; seed: { profile: string; now: string; mode: string; totalRows: number; tables: Array<{ table: string; rows: number; rowsPerSec: number }> } }>();
    expect(Object.keys(j)[0]).toBe('ok');
    expect(j.ok).toBe(true);
    expect(j.seed).toMatchObject({ profile: 'demo', now: '2025-06-01T12:00:00.000Z', mode: 'fresh' });
    expect(j.seed.tables.map((t) => t.table)).toEqual(['event_categories', 'users', 'venues', 'events', 'registrations', 'waitlist', 'attendance', 'feedback', 'loyalty_ledger', 'visitor_sessions', 'page_views']);
    expect(j.seed.tables.find((t) => t.table === 'users')!.rows).toBe(300);
    expect(j.seed.totalRows).toBe(j.seed.tables.reduce((a, t) => a + t.rows, 0));
    const v = await cli('validate', '--no-drift', '--json');
    expect(v.json<{ ok: boolean }>().ok, v.stdout).toBe(true);
  });

  it('refuses a second run without --append/--reset, and production, changing nothing', async () => {
    const before = await hashes();
    expect(before.users!.rows).toBe(300);
    const again = await cli('seed');
    expect(again.code).toBe(5);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/^error: the database already holds platform data \(.*users.*\)\nhint: nothing was changed; pass --append/);
    const prod = await cli('seed', '--reset', '--env', 'production', '--json');
    expect(prod.code).toBe(5);
    expect(prod.json()).toMatchObject({ ok: false, error: { code: 'PRODUCTION_REFUSED' } });
    const staging = await cli('seed', '--reset', '--env', 'staging');
    expect(staging.code).toBe(5);
    expect(staging.stderr).toContain('error: --reset is refused in the staging environment');
    expect(await hashes()).toEqual(before);
    const after = await cli('seed', '--json', '--append', '--profile', 'minimal');
    expect(after.json<{ seed: { tables: unknown[] } }>().seed.tables).toEqual([]); // categories already there
  });

  it('rejects bad flags with exit 2 and a hint', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--profile', 'huge'], /unknown seed profile "huge"/],
      [['--scale', '3'], /--scale applies to --profile load only/],
      [['--profile', 'load', '--scale', '0'], /--scale must be an integer ≥ 1, got "0"/],
      [['--seed', 'abc'], /--seed must be an integer ≥ 0/],
      [['--now', 'yesterday'], /--now is not a date/],
      [['--reset', '--append'], /--reset and --append cannot be used together/],
    ];
    for (const [args, msg] of cases) {
      const r = await cli('seed', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).toMatch(/\nhint: /);
    }
  });

  it('--reset prints one summary line without a terminal; a custom seed runs with --append', async () => {
    const r = await cli('seed', '--reset');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[ok\]\s+seeded [\d,]+ rows into 11 tables \(profile demo, seed 42, now \d{4}-\d\d-\d\dT00:00:00\.000Z\) in [\d.]+ s, [\d,]+ rows\/s; reset first \([\d,]+ rows removed\)$/);
    const custom = await cli('seed', '--file', 'seeds/example.ts', '--append', '--json');
    expect(custom.code, custom.stderr).toBe(0);
    const j = custom.json<{ seed: { profile: null; tables: Array<{ table: string; rows: number }> } }>();
    expect(j.seed.profile).toBeNull();
    expect(j.seed.tables.map((t) => [t.table, t.rows > 0])).toEqual([['venues', true], ['events', true], ['registrations', true]]);
    const v = await cli('validate', '--no-drift', '--json');
    expect(v.json<{ ok: boolean }>().ok, v.stdout).toBe(true);
    // A bare name is looked up in the seeds folder; an unknown one lists what is there.
    const byName = await cli('seed', '--file', 'example', '--append', '--json');
    expect(byName.code, byName.stderr).toBe(0);
    expect(byName.json<{ seed: { file: string; totalRows: number } }>().seed.totalRows).toBeGreaterThan(0);
    // A seed outside any project (no node_modules above it) still imports 'eventdb' and 'kysely':
    // they resolve to this installation's copies.
    const outside = join(dir, 'outside-seed.ts');
    writeFileSync(outside, `import { sql } from 'kysely';
import { defineSeed } from 'eventdb';
export default defineSeed(async ({ db, bulkInsert }) => {
  const r = await sql<{ m: number }>\`select max(id) as m from event_categories\`.execute(db);
  const id = Number(r.rows[0]!.m) + 1;
  await bulkInsert('event_categories', ['id', 'slug', 'name'], [[id, 'outside-' + id, 'From outside']]);
});
`);
    const before = await hashes();
    const out = await cli('seed', '--file', outside, '--append', '--json');
    expect(out.code, out.stderr).toBe(0);
    expect(out.json<{ seed: { tables: Array<{ table: string; rows: number }> } }>().seed.tables).toEqual([expect.objectContaining({ table: 'event_categories', rows: 1 })]);
    expect((await hashes()).event_categories!.rows).toBe(before.event_categories!.rows + 1);
    const missing = await cli('seed', '--file', 'nope', '--append');
    expect(missing.code).toBe(2); // a usage error (issue 15 item 13)
    expect(missing.stderr).toMatch(/^error: seed file nope does not exist\nhint: seeds in .*seeds: .*seeds\/example\.ts/);
  });
});
