import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { describeEngines, pgAdminUrl } from '../helpers/engines.js';
import { dropPgDatabases, fingerprint, pgDatabases, seedItems } from '../backup/helpers.js';
import { expectCleanError, expectJsonError, readManifest, tamperData, writeManifest } from './helpers.js';

/**
 * A damaged manifest is skipped and reported, never fatal for the other snapshots: list, restore
 * --latest, prune and the health check go on with the good ones. A manifest with null or missing
 * fields is a damaged snapshot, not an internal TypeError. A damaged PostgreSQL dump fails with one
 * clean error and leaves no `*_restore_*` database behind.
 */
const BROKEN: Array<[string, (m: any) => unknown]> = [
  ['not JSON', () => '{"format": "eventdb-snapshot/1", '],
  ['database null', (m) => ({ ...m, database: null })],
  ['objects [null]', (m) => ({ ...m, objects: [null] })],
  ['object name null', (m) => ({ ...m, objects: [{ ...m.objects[0], name: null }] })],
  ['tables null', (m) => ({ ...m, tables: null })],
  ['migrations missing', (m) => ({ ...m, migrations: undefined })],
  ['createdAt not a time', (m) => ({ ...m, createdAt: 'yesterday' })],
  ['size a string', (m) => ({ ...m, objects: [{ ...m.objects[0], size: '12' }] })],
  ['id of another folder', (m) => ({ ...m, id: '20000101T000000Z-000000' })],
];

describeEngines('damaged snapshots', (fx) => {
  it('damaged manifests are skipped and reported by list, restore --latest, prune and the health check', async () => {
    const cfg = await fx.config();
    await seedItems(cfg, 20);
    const good = await runCli(['backup', '--json', '--url', fx.url()], { cwd: fx.dir() });
    expect(good.code, good.stderr).toBe(0);
    const goodId = good.json().backup.id;
    const bad: string[] = [];
    for (const [, edit] of BROKEN) {
      const b = await runCli(['backup', '--json', '--url', fx.url()], { cwd: fx.dir() });
      expect(b.code, b.stderr).toBe(0);
      const dir = join(fx.dir(), 'backups', b.json().backup.location);
      writeManifest(dir, edit(readManifest(dir)) as object);
      bad.push(b.json().backup.id);
    }
    await seedItems(cfg, 5, 1000);
    const l = await runCli(['backup', 'list', '--json', '--url', fx.url()], { cwd: fx.dir() });
    expect(l.code, l.stderr).toBe(0);
    const list = l.json();
    expect(list.snapshots.map((s: { id: string }) => s.id)).toContain(goodId);
    expect(list.snapshots.map((s: { id: string }) => s.id)).not.toContain(bad[0]);
    expect(list.damaged.map((d: { id: string }) => d.id).sort()).toEqual([...bad].sort());
    for (const d of list.damaged) expect(d.reason).toMatch(/^the manifest \S+ (is not valid JSON|is damaged: "[\w.[\]]+" is missing or invalid|names snapshot "20000101T000000Z-000000")$/);
    const human = await runCli(['backup', 'list', '--url', fx.url()], { cwd: fx.dir() });
    expect(human.stdout.match(/skipped damaged snapshot/g)).toHaveLength(bad.length);
    // restore of a damaged id: a clean CORRUPT_SNAPSHOT, never a TypeError
    for (const id of bad) {
      const r = await runCli(['restore', id, '--yes', '--url', fx.url()], { cwd: fx.dir() });
      expectCleanError(r, 1, new RegExp(`^error: snapshot ${id} is damaged: `));
    }
    const latest = await runCli(['restore', '--latest', '--yes', '--json', '--url', fx.url()], { cwd: fx.dir() });
    expect(latest.code, latest.stderr).toBe(0);
    expect(latest.json().restore.id).toBe(goodId);
    expect((await fingerprint(cfg)).rows).toBe(20);
    const prune = await runCli(['backup', 'prune', '--keep-last', '1', '--yes', '--json', '--url', fx.url()], { cwd: fx.dir() });
    expect(prune.code, prune.stderr).toBe(0);
    expect(prune.json().prune.damaged.map((d: { id: string }) => d.id).sort()).toEqual([...bad].sort());
    const health = await runCli(['health-check', '--check', 'backup', '--json', '--url', fx.url()], { cwd: fx.dir() });
    const check = health.json().checks.find((c: { name: string }) => c.name === 'backup');
    expect(check.status).toBe('warn');
    expect(check.message).toMatch(new RegExp(`newest snapshot ${goodId} is .* old, not verified yet; ${bad.length} damaged snapshot\\(s\\) skipped`));
    if (fx.variant === 'postgres' && latest.json().restore.previous) await dropPgDatabases(pgAdminUrl(), [latest.json().restore.previous]);
  }, 120_000);
}, ['sqlite', 'postgres']);

describeEngines('damaged PostgreSQL dumps', (fx) => {
  const env = { EVENTDB_PG_DUMP: 'never' };

  it('a row the server rejects: one error line, a JSON error, no *_restore_* database, the target unchanged', async () => {
    const cfg = await fx.config();
    await seedItems(cfg, 6000); // several data frames: the server rejects a row while later ones are still sent
    const b = await runCli(['backup', '--json', '--url', fx.url()], { cwd: fx.dir(), env });
    expect(b.code, b.stderr).toBe(0);
    const dir = join(fx.dir(), 'backups', b.json().backup.location);
    tamperData(dir, (raw) => {
      const i = raw.indexOf(Buffer.from('\n2000\t'));
      raw.write('\n2x00\t', i, 'latin1');
      return raw;
    });
    const before = await fingerprint(cfg);
    const r = await runCli(['restore', '--latest', '--yes', '--url', fx.url()], { cwd: fx.dir() });
    expectCleanError(r, 1, /invalid input syntax for type integer: "2x00"/);
    const j = await runCli(['restore', '--latest', '--yes', '--json', '--url', fx.url()], { cwd: fx.dir() });
    expectJsonError(j, 1, 'RESTORE_FAILED', /invalid input syntax for type integer/);
    expect(await fingerprint(cfg)).toEqual(before);
    if (fx.variant === 'postgres') {
      const name = new URL(fx.url()).pathname.slice(1);
      expect(await pgDatabases(pgAdminUrl(), `${name.slice(0, 30)}_restore_`)).toEqual([]);
    }
  }, 60_000);

  it('a malformed frame is a CORRUPT_SNAPSHOT with the target unchanged', async () => {
    const cfg = await fx.config();
    await seedItems(cfg, 50);
    const b = await runCli(['backup', '--json', '--url', fx.url()], { cwd: fx.dir(), env });
    const dir = join(fx.dir(), 'backups', b.json().backup.location);
    tamperData(dir, (raw) => {
      // The first table frame's JSON (after the header's copy of it) loses its columns.
      const i = raw.indexOf(Buffer.from('"columns"'), raw.indexOf(Buffer.from('"columns"')) + 1);
      raw.write('"colXmns"', i, 'latin1');
      return raw;
    });
    const before = await fingerprint(cfg);
    const r = await runCli(['restore', '--latest', '--yes', '--json', '--url', fx.url()], { cwd: fx.dir() });
    expectJsonError(r, 1, 'CORRUPT_SNAPSHOT', /^the PostgreSQL dump is damaged: a table frame is invalid$/);
    expect(r.stderr.trim().split('\n')[0]).toBe('error: the PostgreSQL dump is damaged: a table frame is invalid');
    expect(await fingerprint(cfg)).toEqual(before);
    if (fx.variant === 'postgres') {
      const name = new URL(fx.url()).pathname.slice(1);
      expect(await pgDatabases(pgAdminUrl(), `${name.slice(0, 30)}_restore_`)).toEqual([]);
    }
  }, 60_000);
}, ['postgres', 'pglite']);
