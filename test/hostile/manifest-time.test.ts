import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { runCli } from '../helpers/cli.js';
import { fileState, fingerprint, preRestoreFiles, seedItems } from '../backup/helpers.js';
import { expectCleanError, expectJsonError, readManifest, writeManifest } from './helpers.js';

/**
 * A manifest's `createdAt` is untrusted: `backup` takes it and the snapshot id from one instant (the
 * id is that instant cut to the second). A `createdAt` outside its id's second, or in the future
 * beyond a small clock skew, is a damaged manifest: skipped by `backup list` (with the usual warning),
 * refused by name (CORRUPT_SNAPSHOT), never picked by --latest / --at / --if-newer, never the health
 * check's newest snapshot. A backup age is never negative.
 */
describe('forged snapshot times', () => {
  let dir: string;
  let url: string;
  let dbFile: string;
  let store: string;
  let storeUrl: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'eventdb-hostile-time-'));
    dbFile = join(dir, 'app.sqlite');
    url = `sqlite:${dbFile}`;
    store = join(dir, 'store');
    storeUrl = `file://${store}`;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  // The store is a real file:// store, named the way every command reads it (health-check has no --store).
  const cli = (args: string[]) => runCli([...args, '--url', url], { cwd: dir, env: { EVENTDB_STORE: storeUrl } });
  const cfg = () => resolveConfig({ flags: { url }, env: {} });
  const snapDir = (id: string) => join(store, 'development', 'app', id);
  async function backup(): Promise<string> {
    const b = await cli(['backup', '--json']);
    expect(b.code, b.stderr).toBe(0);
    return b.json().backup.id as string;
  }
  /** A snapshot id for the instant `ms`, as `backup` makes them. */
  const idAt = (ms: number, suffix: string) => `${new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}-${suffix}`;

  it('createdAt forged into the future: skipped, refused by name, never --latest, --at or --if-newer, never the health check\'s newest', async () => {
    await seedItems(await cfg(), 10);
    const forged = await backup(); // 10 rows, then its createdAt is set to 2099
    await seedItems(await cfg(), 5, 100);
    const good = await backup(); // 15 rows: the genuinely newest snapshot
    const m = readManifest(snapDir(forged));
    m.createdAt = '2099-01-01T00:00:00Z';
    writeManifest(snapDir(forged), m);

    const l = await cli(['backup', 'list', '--json']);
    expect(l.code, l.stderr).toBe(0);
    expect(l.json().snapshots.map((s: { id: string }) => s.id)).toEqual([good]);
    expect(l.json().damaged).toEqual([{ id: forged, reason: `the manifest ${forged}/manifest.json is damaged: "createdAt" 2099-01-01T00:00:00Z does not match the time in the snapshot id` }]);
    const human = await cli(['backup', 'list']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout.match(/skipped damaged snapshot/g)).toHaveLength(1);
    expect(human.stdout).toContain(`skipped damaged snapshot ${forged}: the manifest ${forged}/manifest.json is damaged: "createdAt"`);

    // By name: CORRUPT_SNAPSHOT, nothing written.
    const target = join(dir, 'named.sqlite');
    const byName = await cli(['restore', forged, '--to', `sqlite:${target}`, '--yes']);
    expectCleanError(byName, 1, new RegExp(`^error: snapshot ${forged} is damaged: the manifest \\S+ is damaged: "createdAt" 2099-01-01T00:00:00Z does not match the time in the snapshot id$`));
    expectJsonError(await cli(['restore', forged, '--to', `sqlite:${target}`, '--yes', '--json']), 1, 'CORRUPT_SNAPSHOT', /is damaged: "createdAt"/);
    expect(existsSync(target)).toBe(false);
    expectCleanError(await cli(['backup', 'verify', forged]), 1, /is damaged: "createdAt"/);

    // --latest and --at pick the genuinely newest snapshot (15 rows), not the forged one (10 rows).
    const latestFile = join(dir, 'latest.sqlite');
    const latest = await cli(['restore', '--latest', '--to', `sqlite:${latestFile}`, '--yes', '--json']);
    expect(latest.code, latest.stderr).toBe(0);
    expect(latest.json().restore.id).toBe(good);
    expect((await fingerprint(await resolveConfig({ flags: { url: `sqlite:${latestFile}` }, env: {} }))).rows).toBe(15);
    const atFile = join(dir, 'at.sqlite');
    const at = await cli(['restore', '--at', '2100-01-01T00:00:00Z', '--to', `sqlite:${atFile}`, '--yes', '--json']);
    expect(at.code, at.stderr).toBe(0);
    expect(at.json().restore.id).toBe(good);

    // --if-newer: the target (written after the good snapshot) is newer: nothing restored, every time.
    await seedItems(await cfg(), 3, 200);
    const before = await fingerprint(await cfg());
    const state = fileState(dbFile);
    for (let i = 0; i < 2; i++) {
      const r = await cli(['restore', '--latest', '--if-newer', '--yes', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.json().restore).toMatchObject({ restored: false, id: good });
    }
    expect(await fingerprint(await cfg())).toEqual(before);
    expect(before.rows).toBe(18);
    expect(fileState(dbFile)).toBe(state);
    expect(preRestoreFiles(dbFile)).toEqual([]);

    // Health: the newest usable snapshot is the genuine one; its age is real and not negative.
    const h = await cli(['health-check', '--check', 'backup', '--max-backup-age', '1', '--json']);
    const check = h.json().checks.find((c: { name: string }) => c.name === 'backup');
    expect(check.details.newest.id).toBe(good);
    expect(check.details.ageMs).toBeGreaterThanOrEqual(0);
    expect(check.status).toBe('warn'); // a damaged snapshot was skipped
    expect(check.message).toMatch(new RegExp(`^newest snapshot ${good} is \\d[^-]* old, not verified yet; 1 damaged snapshot\\(s\\) skipped \\(${forged}: `));
    const hh = await cli(['health-check', '--check', 'backup', '--max-backup-age', '1']);
    expect(hh.stdout).not.toMatch(/-\d+ ms old/);
    expect(hh.stdout).toMatch(/\[warn\] .*newest snapshot \S+ is \d/);
  }, 120_000);

  it('the only snapshot forged into the future: the health check fails instead of staying green', async () => {
    await seedItems(await cfg(), 4);
    const id = await backup();
    const m = readManifest(snapDir(id));
    m.createdAt = '2099-01-01T00:00:00Z';
    writeManifest(snapDir(id), m);
    const h = await cli(['health-check', '--check', 'backup', '--max-backup-age', '1', '--json']);
    expect(h.code).not.toBe(0);
    const check = h.json().checks.find((c: { name: string }) => c.name === 'backup');
    expect(check.status).toBe('fail');
    expect(check.message).toMatch(/^no snapshot in .*1 damaged snapshot\(s\) skipped/);
    expectCleanError(await cli(['restore', '--latest', '--to', `sqlite:${join(dir, 'x.sqlite')}`, '--yes']), 1, /^error: no snapshots in .*\(1 damaged snapshot\(s\) skipped/);
    expect(existsSync(join(dir, 'x.sqlite'))).toBe(false);
  }, 60_000);

  it('an id and createdAt that agree but lie in the future (beyond clock skew) are damaged; createdAt outside its id\'s second too', async () => {
    await seedItems(await cfg(), 6);
    const real = await backup();
    const future = idAt(Date.UTC(2099, 0, 1), 'abcdef');
    cpSync(snapDir(real), snapDir(future), { recursive: true });
    writeManifest(snapDir(future), { ...readManifest(snapDir(real)), id: future, createdAt: '2099-01-01T00:00:00.000Z' });
    // createdAt in the past but not its id's time (an hour before; a second later).
    const early = idAt(Date.now() - 3_600_000, 'aaaaa1');
    cpSync(snapDir(real), snapDir(early), { recursive: true });
    writeManifest(snapDir(early), { ...readManifest(snapDir(real)), id: early, createdAt: new Date(Date.now() - 7_200_000).toISOString() });
    const late = idAt(Date.now() - 3_600_000, 'aaaaa2');
    cpSync(snapDir(real), snapDir(late), { recursive: true });
    const lateAt = Date.parse(`${late.slice(0, 4)}-${late.slice(4, 6)}-${late.slice(6, 8)}T${late.slice(9, 11)}:${late.slice(11, 13)}:${late.slice(13, 15)}Z`) + 1000;
    writeManifest(snapDir(late), { ...readManifest(snapDir(real)), id: late, createdAt: new Date(lateAt).toISOString() });
    // Not an ISO UTC time (Date.parse would take it).
    const odd = idAt(Date.now() - 3_600_000, 'aaaaa3');
    cpSync(snapDir(real), snapDir(odd), { recursive: true });
    writeManifest(snapDir(odd), { ...readManifest(snapDir(real)), id: odd, createdAt: 'Thu, 01 Jan 2099 00:00:00 GMT' });

    const l = await cli(['backup', 'list', '--json']);
    expect(l.code, l.stderr).toBe(0);
    expect(l.json().snapshots.map((s: { id: string }) => s.id)).toEqual([real]);
    const reasons = Object.fromEntries(l.json().damaged.map((d: { id: string; reason: string }) => [d.id, d.reason]));
    expect(Object.keys(reasons).sort()).toEqual([early, late, odd, future].sort());
    expect(reasons[future]).toMatch(/is damaged: "createdAt" 2099-01-01T00:00:00.000Z is in the future$/);
    expect(reasons[early]).toMatch(/does not match the time in the snapshot id$/);
    expect(reasons[late]).toMatch(/does not match the time in the snapshot id$/);
    expect(reasons[odd]).toMatch(/"createdAt" "Thu, 01 Jan 2099 00:00:00 GMT" is not an ISO 8601 UTC time$/);
    const human = await cli(['backup', 'list']);
    expect(human.stdout.match(/skipped damaged snapshot/g)).toHaveLength(4);
    const r = await cli(['restore', '--latest', '--to', `sqlite:${join(dir, 'l.sqlite')}`, '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().restore.id).toBe(real);
    expectCleanError(await cli(['restore', future, '--to', `sqlite:${join(dir, 'f.sqlite')}`, '--yes']), 1, new RegExp(`^error: snapshot ${future} is damaged: .* is in the future$`));
    expect(existsSync(join(dir, 'f.sqlite'))).toBe(false);
  }, 60_000);

  it('a snapshot a little ahead (another machine\'s clock, within the skew) is kept, and its age is 0, never negative', async () => {
    await seedItems(await cfg(), 6);
    const real = await backup();
    const aheadMs = Math.floor((Date.now() + 120_000) / 1000) * 1000;
    const ahead = idAt(aheadMs, 'bbbbbb');
    cpSync(snapDir(real), snapDir(ahead), { recursive: true });
    writeManifest(snapDir(ahead), { ...readManifest(snapDir(real)), id: ahead, createdAt: new Date(aheadMs + 250).toISOString() });
    const l = await cli(['backup', 'list', '--json']);
    expect(l.json().snapshots.map((s: { id: string }) => s.id)).toEqual([ahead, real]);
    expect(l.json().damaged).toEqual([]);
    const h = await cli(['health-check', '--check', 'backup', '--json']);
    const check = h.json().checks.find((c: { name: string }) => c.name === 'backup');
    expect(check.status).toBe('ok');
    expect(check.details.ageMs).toBe(0);
    expect(check.message).toBe(`newest snapshot ${ahead} is 0 ms old, not verified yet`);
    const hh = await cli(['health-check', '--check', 'backup']);
    expect(hh.code, hh.stderr).toBe(0);
    expect(hh.stdout).toContain(`newest snapshot ${ahead} is 0 ms old`);
  }, 60_000);
});
