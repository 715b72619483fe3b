import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { fileState, seedItems } from '../backup/helpers.js';
import { runCli } from '../helpers/cli.js';
import { expectCleanError, expectJsonError } from './helpers.js';
import { treeState } from './tree-state.js';

/**
 * A folder store is untrusted like a bucket: whoever can write to it can plant symbolic links and
 * special files. eventdb never follows a link inside the store (a loop, or a link to `/usr` or another
 * store, walked or wrote anything) and never opens a FIFO or device (a FIFO at a data object's name
 * made `verify` wait for ever; a link to /dev/zero read for ever). `--store file:///proc/self` made
 * `backup` spin for ever in Node's recursive mkdir (deaf to SIGTERM). Each now ends, quickly, with a
 * clear result or error, and changes nothing.
 */
const QUICK = 20_000;

describe('links and special files in a folder store', () => {
  let dir: string;
  let url: string;
  let db: string;
  let store: string;
  let goodId: string;
  const cli = (args: string[], s = store) => runCli([...args, '--url', url, '--store', `file://${s}`], { cwd: dir, env: { EVENTDB_TMPDIR: join(dir, 'tmp') }, timeoutMs: QUICK });
  const snapDir = (id: string, s = store) => join(s, 'development', 'app', id);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eventdb-hostile-links-'));
    mkdirSync(join(dir, 'tmp'));
    db = join(dir, 'app.sqlite');
    url = `sqlite:${db}`;
    store = join(dir, 'store');
    await seedItems(await resolveConfig({ flags: { url }, env: {} }), 10);
    const b = await cli(['backup', '--json']);
    expect(b.code, b.stderr).toBe(0);
    goodId = b.json().backup.id;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('symlink loops and links inside snapshot folders are not walked: list ends and shows the good snapshot', async () => {
    const root = join(store, 'development', 'app');
    symlinkSync('.', join(root, '20300101T000000Z-aaaaaa')); // a "snapshot" that is a loop to its parent
    symlinkSync(store, join(root, 'loop'));
    symlinkSync('..', join(snapDir(goodId), 'up'));
    const before = treeState(store);
    const l = await cli(['backup', 'list', '--json']);
    expect(l.code, l.stderr).toBe(0);
    expect(l.json().snapshots.map((s: { id: string }) => s.id)).toEqual([goodId]);
    expect(l.json().damaged).toEqual([]);
    expect(l.json().incomplete).toEqual([]);
    const p = await cli(['backup', 'prune', '--keep-last', '1', '--yes', '--json']);
    expect(p.code, p.stderr).toBe(0);
    expect(treeState(store)).toEqual(before);
    for (const n of ['20300101T000000Z-aaaaaa', 'loop']) unlinkSync(join(root, n));
    unlinkSync(join(snapDir(goodId), 'up'));
  });

  it('a store folder that is a link to a large outside tree (/usr) or to another store: refused, not walked, written or pruned', async () => {
    const outside = join(dir, 'outside');
    cpSync(store, outside, { recursive: true }); // another store's snapshot, behind the link
    const outsideBefore = treeState(outside);
    for (const [linkAt, target, shown] of [
      [join(dir, 's1', 'development'), join(outside, 'development'), 'development'],
      [join(dir, 's2', 'development', 'app'), '/usr', 'development/app'],
    ] as const) {
      mkdirSync(join(linkAt, '..'), { recursive: true });
      symlinkSync(target, linkAt);
      const s = linkAt.slice(0, linkAt.indexOf('/development'));
      const message = `${shown} in file:${s} is a symbolic link: eventdb does not follow links inside a store`;
      const before = treeState(s);
      const database = fileState(db);
      for (const args of [['backup', 'list'], ['backup', 'verify', '--latest'], ['backup', 'prune', '--keep-last', '1', '--yes'], ['restore', '--latest', '--yes'], ['backup']]) {
        const started = Date.now();
        const r = await cli(args, s);
        expectCleanError(r, 1, new RegExp(`^error: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
        expect(r.stderr).toMatch(/^hint: replace the link with a real folder/m);
        expect(Date.now() - started, args.join(' ')).toBeLessThan(QUICK);
        expectJsonError(await cli([...args, '--json'], s), 1, 'STORE_FAILED', /is a symbolic link/);
      }
      expect(treeState(s)).toEqual(before);
      expect(fileState(db)).toBe(database);
    }
    expect(treeState(outside)).toEqual(outsideBefore);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });

  it('a FIFO or a link to /dev/zero at the data object\'s name: CORRUPT_SNAPSHOT at once, nothing changed', async () => {
    const b = await cli(['backup', '--json']);
    expect(b.code, b.stderr).toBe(0);
    const id = b.json().backup.id as string;
    const name = readdirSync(snapDir(id)).find((f) => f.startsWith('data.'))!;
    const data = join(snapDir(id), name);
    for (const plant of [() => execFileSync('mkfifo', [data]), () => symlinkSync('/dev/zero', data)]) {
      rmSync(data, { force: true });
      plant();
      const before = treeState(store);
      const database = fileState(db);
      for (const args of [['backup', 'verify', id], ['restore', id, '--yes']]) {
        const r = await cli(args);
        expect(r.signal, `${args.join(' ')} hung`).toBeNull();
        expectCleanError(r, 1, new RegExp(`^error: ${name.replace(/\./g, '\\.')} is not a stored object \\(a symbolic link or special file stands at its name\\)$`));
        expectJsonError(await cli([...args, '--json']), 1, 'CORRUPT_SNAPSHOT', /is not a stored object/);
      }
      expect(treeState(store)).toEqual(before);
      expect(fileState(db)).toBe(database);
      expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
    }
    rmSync(snapDir(id), { recursive: true });
  });

  it('--store file:///proc/self: backup fails with one line instead of spinning; list and verify end at once', async () => {
    const b = await cli(['backup'], '/proc/self');
    expect(b.signal, 'backup hung').toBeNull();
    expectCleanError(b, 1, /^error: cannot create \/proc\/self\/development\/app\/\S+: ENOENT/);
    const l = await cli(['backup', 'list', '--json'], '/proc/self');
    expect(l.code, l.stderr).toBe(0);
    expect(l.json().snapshots).toEqual([]);
    const v = await cli(['backup', 'verify', '--latest'], '/proc/self');
    expectCleanError(v, 1, /^error: no snapshots in file:\/proc\/self\/development\/app\//);
    expect(existsSync(join(dir, 'tmp'))).toBe(true);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });
});
