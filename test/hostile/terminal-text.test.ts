import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { runCli } from '../helpers/cli.js';
import { fileState, fingerprint, preRestoreFiles, seedItems } from '../backup/helpers.js';
import { expectCleanError, expectJsonError, readManifest, writeManifest } from './helpers.js';

/**
 * Text read from a store reaches a terminal escaped: every C0/C1 control (newline, carriage return
 * and tab too), DEL and the Unicode bidi controls, so a manifest can neither forge a line of
 * `backup list` or an `error:` message nor reorder what is shown. --json keeps the text as it is
 * (JSON encodes it). A --tag with a bidi control is refused like one with a control character.
 */
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe('manifest text on a terminal', () => {
  let dir: string;
  let url: string;
  let dbFile: string;
  let store: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eventdb-hostile-text-'));
    dbFile = join(dir, 'app.sqlite');
    url = `sqlite:${dbFile}`;
    store = join(dir, 'store');
    await seedItems(await resolveConfig({ flags: { url }, env: {} }), 12);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const cli = (args: string[]) => runCli([...args, '--url', url, '--store', `file://${store}`], { cwd: dir });
  const snapDir = (id: string) => join(store, 'development', 'app', id);
  async function backup(extra: string[] = []): Promise<string> {
    const b = await cli(['backup', '--json', ...extra]);
    expect(b.code, b.stderr).toBe(0);
    return b.json().backup.id as string;
  }

  it('a tag and a migration head with ESC, newline, CR, tab, DEL, C1 and bidi controls stay on their row of `backup list`', async () => {
    const id = await backup(['--tag', 'nightly']);
    const tag = '\u001b[2Jhi\nnew line\r\tz\u007f\u0085\u202eevil\u2066';
    const head = '0001_x\n[ok]   20990101T000000Z-000000  forged';
    const m = readManifest(snapDir(id));
    m.tag = tag;
    m.migrations.head = head;
    writeManifest(snapDir(id), m);

    const l = await cli(['backup', 'list']);
    expect(l.code, l.stderr).toBe(0);
    const lines = l.stdout.split('\n').filter(Boolean);
    expect(lines, l.stdout).toHaveLength(2); // "1 snapshot(s) in …" and the one row
    expect(lines[1]).toMatch(new RegExp(`^  ${id}  `));
    expect(lines[1]).toContain('tag=\\x1b[2Jhi\\x0anew line\\x0d\\x09z\\x7f\\x85\\u202eevil\\u2066');
    expect(lines[1]).toContain('head=0001_x\\x0a[ok]   20990101T000000Z-000000  forged');
    expect(l.stdout).not.toMatch(RAW);
    expect(l.stdout).not.toMatch(/^\[ok\]/m);
    // --json carries the text exactly (JSON escapes it).
    const j = await cli(['backup', 'list', '--json']);
    expect(j.json().snapshots[0]).toMatchObject({ id, tag, migrationHead: head });
    // eslint-disable-next-line no-control-regex
    expect(j.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  }, 60_000);

  it('a table name with a newline in the manifest: one `error:` line, escaped; the target unchanged', async () => {
    const id = await backup();
    const m = readManifest(snapDir(id));
    m.tables = { ...m.tables, 'ghost\nerror: forged line\u202e': 1 };
    writeManifest(snapDir(id), m);
    const before = await fingerprint(await resolveConfig({ flags: { url }, env: {} }));
    const state = fileState(dbFile);

    const r = await cli(['restore', id, '--yes']);
    expectCleanError(r, 1, /^error: table ghost\\x0aerror: forged line\\u202e has no rows in the copy, the manifest says 1$/);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(2); // error: and hint:
    expect(r.stderr).not.toMatch(RAW);
    const j = await cli(['restore', id, '--yes', '--json']);
    expectJsonError(j, 1, 'CORRUPT_SNAPSHOT', /^table ghost\nerror: forged line\u202e has no rows in the copy/);
    const v = await cli(['backup', 'verify', id]);
    expectCleanError(v, 1, /^error: table ghost\\x0aerror: forged line/);

    expect(await fingerprint(await resolveConfig({ flags: { url }, env: {} }))).toEqual(before);
    expect(fileState(dbFile)).toBe(state);
    expect(preRestoreFiles(dbFile)).toEqual([]);
  }, 60_000);

  it.each([
    ['RIGHT-TO-LEFT OVERRIDE', 'x\u202Ey'],
    ['LEFT-TO-RIGHT EMBEDDING', 'x\u202Ay'],
    ['FIRST STRONG ISOLATE', 'x\u2068y'],
    ['RIGHT-TO-LEFT MARK', 'x\u200Fy'],
    ['ARABIC LETTER MARK', 'x\u061Cy'],
  ])('--tag with a bidi control (%s) is refused like a control character: USAGE, exit 2, nothing written', async (_name, tag) => {
    const r = await cli(['backup', '--tag', tag]);
    expectCleanError(r, 2, /^error: the tag "x\\u[0-9a-f]{4}y" contains control characters$/);
    expect(r.stderr).not.toMatch(RAW);
    expectJsonError(await cli(['backup', '--tag', tag, '--json']), 2, 'USAGE', /contains control characters/);
    expect(existsSync(store) ? readdirSync(store) : []).toEqual([]);
  }, 60_000);

  it('a plain tag with non-ASCII text is still taken and shown as it is', async () => {
    const id = await backup(['--tag', 'vor-Übergabe ✓ עברית']);
    const l = await cli(['backup', 'list']);
    expect(l.stdout).toContain(`tag=vor-Übergabe ✓ עברית`);
    expect(l.stdout).toContain(id);
  }, 60_000);
});
