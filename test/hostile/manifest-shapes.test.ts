import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MANIFEST_BYTES } from '../../src/backup/manifest.js';
import { resolveConfig } from '../../src/config/index.js';
import { fileState, seedItems } from '../backup/helpers.js';
import { runCli } from '../helpers/cli.js';
import { expectCleanError, expectJsonError, readManifest, writeManifest } from './helpers.js';
import { treeState } from './tree-state.js';

/**
 * `backup` writes every engine's copy as exactly ONE data object of at least one byte (an empty SQLite
 * database is a 4 KB page), and a manifest of a few KB. A manifest listing two objects (or one name
 * twice), none, an empty object, a negative or zero size, or larger than the 4 MiB cap is one eventdb
 * cannot have written: damaged — skipped by `backup list` with the reason naming the right field, never
 * chosen by --latest, CORRUPT_SNAPSHOT (exit 1) when named, and nothing changes in the store, the
 * database or the temp folder. (Before: two objects listed as good and `verify` died with a raw EEXIST;
 * an empty object restored as an empty database; a negative `rawSize` was reported as "size"; a 5 MiB
 * manifest was read whole and accepted.)
 */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

type Edit = (m: any, snap: string) => unknown;
const padTo = (m: any, bytes: number) => {
  const base = JSON.stringify({ ...m, notes: [''] }).length;
  const out = JSON.stringify({ ...m, notes: ['x'.repeat(bytes - base)] });
  expect(out.length).toBe(bytes);
  return out;
};

const CASES: Array<[string, Edit, string]> = [
  ['two data objects', (m) => ({ ...m, objects: [m.objects[0], { ...m.objects[0], name: 'data2.sqlite.gz' }] }), '"objects" lists 2 data objects; a snapshot has exactly one'],
  ['one data object listed twice', (m) => ({ ...m, objects: [m.objects[0], m.objects[0]] }), '"objects" lists 2 data objects; a snapshot has exactly one'],
  ['no data object', (m) => ({ ...m, objects: [] }), '"objects" lists no data object (an empty snapshot)'],
  [
    'an empty data object (would restore as an empty database)',
    (m, snap) => {
      writeFileSync(join(snap, 'data.sqlite'), '');
      return { ...m, tables: {}, objects: [{ name: 'data.sqlite', size: 0, rawSize: 0, sha256: EMPTY_SHA256, compression: 'none', encryption: null }] };
    },
    '"objects[0].size" is 0: the data object is empty',
  ],
  ['a raw size of 0', (m) => ({ ...m, objects: [{ ...m.objects[0], rawSize: 0 }] }), '"objects[0].rawSize" is 0: the data object is empty'],
  ['a negative rawSize', (m) => ({ ...m, objects: [{ ...m.objects[0], rawSize: -1 }] }), '"objects[0].rawSize" is missing or invalid'],
  ['a negative size', (m) => ({ ...m, objects: [{ ...m.objects[0], size: -1 }] }), '"objects[0].size" is missing or invalid'],
  ['a manifest one byte over the 4 MiB cap', (m) => padTo(m, MAX_MANIFEST_BYTES + 1), `larger than 4 MiB (${MAX_MANIFEST_BYTES + 1} bytes)`],
];

describe('manifest shapes backup never writes are damaged snapshots', () => {
  let dir: string;
  let url: string;
  let db: string;
  let store: string;
  let tmp: string;
  let goodId: string;
  const cli = (args: string[]) => runCli([...args, '--url', url, '--store', `file://${store}`], { cwd: dir, env: { EVENTDB_TMPDIR: tmp } });
  const snapDir = (id: string) => join(store, 'development', 'app', id);
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eventdb-hostile-shapes-'));
    db = join(dir, 'app.sqlite');
    url = `sqlite:${db}`;
    store = join(dir, 'store');
    tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    await seedItems(await resolveConfig({ flags: { url }, env: {} }), 20);
    const b = await cli(['backup', '--json']);
    expect(b.code, b.stderr).toBe(0);
    goodId = b.json().backup.id;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, edit, reason] of CASES) {
    it(`${name}: skipped by list, refused by name (CORRUPT_SNAPSHOT), --latest takes the good one, nothing changed`, async () => {
      const b = await cli(['backup', '--json']);
      expect(b.code, b.stderr).toBe(0);
      const bad = b.json().backup.id as string;
      const edited = edit(readManifest(snapDir(bad)), snapDir(bad));
      writeManifest(snapDir(bad), edited as object);
      const message = `the manifest ${bad}/manifest.json is damaged: ${reason}`;

      const list = await cli(['backup', 'list', '--json']);
      expect(list.code, list.stderr).toBe(0);
      expect(list.json().snapshots.map((s: { id: string }) => s.id)).toEqual([goodId]);
      expect(list.json().damaged).toEqual([{ id: bad, reason: message }]);
      const text = await cli(['backup', 'list']);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain(`skipped damaged snapshot ${bad}: ${message}`);
      // The newer, damaged snapshot is never the one --latest verifies.
      const latest = await cli(['backup', 'verify', '--latest', '--json']);
      expect(latest.code, latest.stderr).toBe(0);
      expect(latest.json().verify.id).toBe(goodId);

      const stored = treeState(store);
      const database = fileState(db);
      for (const args of [['backup', 'verify', bad], ['restore', bad, '--yes']]) {
        expectCleanError(await cli(args), 1, new RegExp(`^error: snapshot ${bad} is damaged: ${escape(message)}$`));
        expectJsonError(await cli([...args, '--json']), 1, 'CORRUPT_SNAPSHOT', new RegExp(`^snapshot ${bad} is damaged: ${escape(message)}$`));
      }
      expect(treeState(store)).toEqual(stored);
      expect(fileState(db)).toBe(database);
      expect(readdirSync(dir).sort()).toEqual(['app.sqlite', 'store', 'tmp']);
      expect(readdirSync(tmp)).toEqual([]);
      rmSync(snapDir(bad), { recursive: true });
    });
  }

  it('a manifest of exactly 4 MiB is still read (the cap is not below a real manifest)', async () => {
    const b = await cli(['backup', '--json']);
    expect(b.code, b.stderr).toBe(0);
    const id = b.json().backup.id as string;
    writeManifest(snapDir(id), padTo(readManifest(snapDir(id)), MAX_MANIFEST_BYTES));
    const list = await cli(['backup', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.json().damaged).toEqual([]);
    expect(list.json().snapshots.map((s: { id: string }) => s.id)).toEqual([id, goodId]);
    rmSync(snapDir(id), { recursive: true });
  });
});
