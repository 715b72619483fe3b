import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackup, listSnapshots, pruneSnapshots, restoreSnapshot, verifySnapshot } from '../../src/backup/index.js';
import { planRetention } from '../../src/backup/prune.js';
import type { SnapshotSummary } from '../../src/backup/catalog.js';
import { resolveConfig, type ResolvedConfig } from '../../src/config/index.js';
import { EventdbError } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { fingerprint, seedItems } from './helpers.js';

const snap = (id: string, createdAt: string, verified = false): SnapshotSummary => ({
  id,
  createdAt,
  verified,
  verifiedAt: verified ? createdAt : null,
  engine: 'sqlite',
  database: 'app',
  environment: 'development',
  tag: null,
  size: 1,
  encrypted: false,
  migrationHead: null,
  location: `development/app/${id}/`,
});

describe('retention policy', () => {
  // Two snapshots a day for ten days, 2025-03-01 … 2025-03-10 (a Saturday … a Monday).
  const all: SnapshotSummary[] = [];
  for (let d = 1; d <= 10; d++) {
    for (const h of ['03', '15']) all.push(snap(`d${d}-${h}`, `2025-03-${String(d).padStart(2, '0')}T${h}:00:00.000Z`));
  }

  it('keeps the last N, the newest of each of D days and of W ISO weeks', () => {
    const keep = planRetention(all, { keepLast: 2, keepDaily: 3, keepWeekly: 2 });
    expect([...keep.keys()].sort()).toEqual(['d10-03', 'd10-15', 'd8-15', 'd9-15'].sort());
    expect(keep.get('d10-15')).toEqual(['last 1', 'daily 2025-03-10', 'weekly 2025-W11', 'newest']);
    expect(keep.get('d9-15')).toEqual(['daily 2025-03-09', 'weekly 2025-W10']);
    const weekly = planRetention(all, { keepWeekly: 3 });
    expect([...weekly.keys()]).toEqual(['d10-15', 'd9-15', 'd2-15']);
  });

  it('never drops the newest verified snapshot', () => {
    const withVerified = all.map((s) => (s.id === 'd4-03' ? { ...s, verified: true } : s));
    const keep = planRetention(withVerified, { keepLast: 1 });
    expect([...keep.entries()]).toEqual([
      ['d10-15', ['last 1', 'newest']],
      ['d4-03', ['newest verified']],
    ]);
  });
});

describe('backup prune and restore --at on a real store', () => {
  let dir: string;
  let cfg: ResolvedConfig;
  let store: string;
  const ids: string[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eventdb-prune-'));
    store = `file:${join(dir, 'store')}`;
    cfg = await resolveConfig({ flags: { url: `sqlite:${join(dir, 'app.sqlite')}` }, env: {}, cwd: dir });
    for (let i = 0; i < 4; i++) {
      await seedItems(cfg, 10, i * 10 + 1);
      ids.push((await createBackup(cfg, { store, env: {} })).id);
      await new Promise((r) => setTimeout(r, 1100)); // ids and times one second apart
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('restore --at picks the newest snapshot at or before the time', async () => {
    const list = await listSnapshots(cfg, { store, env: {} });
    const second = list.find((s) => s.id === ids[1])!;
    const r = await restoreSnapshot(cfg, { at: new Date(Date.parse(second.createdAt) + 500).toISOString(), to: `sqlite:${join(dir, 'at.sqlite')}`, store, env: {} });
    expect(r.id).toBe(ids[1]);
    expect((await fingerprint(await resolveConfig({ flags: { url: `sqlite:${join(dir, 'at.sqlite')}` }, env: {} }))).rows).toBe(20);
    const e = await restoreSnapshot(cfg, { at: '2001-01-01T00:00:00Z', store, env: {} }).catch((x: unknown) => x as EventdbError);
    expect(e).toBeInstanceOf(EventdbError);
    expect((e as EventdbError).code).toBe('NOT_FOUND');
    expect((e as EventdbError).message).toMatch(/^no snapshot taken at or before 2001-01-01T00:00:00.000Z in file:/);
  });

  it('is a dry run by default, deletes with --yes, keeps the newest verified snapshot and removes stale incomplete folders', async () => {
    await verifySnapshot(cfg, { id: ids[0], store, env: {} });
    // A backup that died a day ago: data, no manifest.
    const stale = join(dir, 'store', 'development', 'app', '20200101T000000Z-dead00');
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, 'data.sqlite.gz'), 'partial');
    const old = new Date(Date.now() - 3 * 86_400_000);
    utimesSync(join(stale, 'data.sqlite.gz'), old, old);

    const dry = await runCli(['backup', 'prune', '--keep-last', '1', '--json', '--url', cfg.database.url, '--store', store], { cwd: dir });
    expect(dry.code, dry.stderr).toBe(0);
    const plan = dry.json().prune;
    expect(plan.applied).toBe(false);
    expect(plan.keep.map((k: { id: string }) => k.id)).toEqual([ids[3], ids[0]]);
    expect(plan.remove.map((k: { id: string }) => k.id)).toEqual([ids[2], ids[1]]);
    expect(plan.incomplete.map((k: { id: string }) => k.id)).toEqual(['20200101T000000Z-dead00']);
    expect((await listSnapshots(cfg, { store, env: {} })).length).toBe(4);
    expect(existsSync(stale)).toBe(true);

    const human = await runCli(['backup', 'prune', '--keep-last', '1', '--url', cfg.database.url, '--store', store], { cwd: dir });
    expect(human.stdout).toMatch(/would delete 2 snapshot\(s\).*dry run: add --yes to delete/);

    const real = await runCli(['backup', 'prune', '--keep-last', '1', '--yes', '--json', '--url', cfg.database.url, '--store', store], { cwd: dir });
    expect(real.code, real.stderr).toBe(0);
    expect(real.json().prune.applied).toBe(true);
    expect((await listSnapshots(cfg, { store, env: {} })).map((s) => [s.id, s.verified])).toEqual([
      [ids[3], false],
      [ids[0], true],
    ]);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(join(dir, 'store', 'development', 'app', ids[1]!))).toBe(false);
  });

  it('prune without a policy is a usage error and deletes nothing', async () => {
    const r = await runCli(['backup', 'prune', '--yes', '--url', cfg.database.url, '--store', store], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: say what to keep: --keep-last N, --keep-daily D and\/or --keep-weekly W$/m);
    expect((await listSnapshots(cfg, { store, env: {} })).length).toBe(2);
    const e = await pruneSnapshots(cfg, { keepLast: -1, store, env: {} }).catch((x: unknown) => x as EventdbError);
    expect((e as EventdbError).code).toBe('USAGE');
  });
});
