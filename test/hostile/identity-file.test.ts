import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { fileState, seedItems } from '../backup/helpers.js';
import { runCli } from '../helpers/cli.js';
import { expectCleanError, expectJsonError } from './helpers.js';
import { treeState } from './tree-state.js';

/**
 * An age identity file (`--identity FILE`, EVENTDB_AGE_IDENTITY_FILE) with no AGE-SECRET-KEY-1… line —
 * the public key `age-keygen -y` prints, an empty file, comments only — said "the snapshot is encrypted
 * to age recipients and no identity was given" (exit 1), as if the flag had been left out. Now it is
 * BAD_KEY (exit 2) naming the file and what is missing in it, before anything is read or written, with
 * no key text in the output.
 */
describe('an identity file without a secret key', () => {
  let dir: string;
  let url: string;
  let db: string;
  let store: string;
  let tmp: string;
  let id: string;
  let secret: string;
  let recipient: string;
  const cli = (args: string[], env: Record<string, string> = {}) => runCli([...args, '--url', url, '--store', `file://${store}`], { cwd: dir, env: { EVENTDB_TMPDIR: tmp, ...env } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eventdb-hostile-identity-'));
    db = join(dir, 'app.sqlite');
    url = `sqlite:${db}`;
    store = join(dir, 'store');
    tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    mkdirSync(join(dir, 'keys'));
    await seedItems(await resolveConfig({ flags: { url }, env: {} }), 10);
    secret = await generateIdentity();
    recipient = await identityToRecipient(secret);
    const b = await cli(['backup', '--json', '--encrypt-to', recipient]);
    expect(b.code, b.stderr).toBe(0);
    id = b.json().backup.id;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // [name, file body (PUBLIC: the recipient, as `age-keygen -y` prints it), what the message adds]
  const FILES: Array<[string, string, string]> = [
    ['the public key (age-keygen -y)', 'PUBLIC', ' (it holds an age1… public key: that is a recipient, for --encrypt-to)'],
    ['an empty file', '', ''],
    ['comments only', '# created: 2025-01-01T00:00:00Z\n# public key: age1xyz\n', ''],
  ];

  for (const [name, body, why] of FILES) {
    it(`${name}: BAD_KEY naming the file, exit 2, nothing changed (verify, restore; flag and environment)`, async () => {
      const file = join(dir, 'keys', `${name.replace(/\W+/g, '-')}.txt`);
      writeFileSync(file, body === 'PUBLIC' ? `${recipient}\n` : body);
      const message = `the age identity file ${file} holds no AGE-SECRET-KEY-1… line${why}`;
      const escaped = message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const stored = treeState(store);
      const database = fileState(db);
      const runs: Array<[string[], Record<string, string>]> = [
        [['backup', 'verify', id, '--identity', file], {}],
        [['backup', 'verify', '--latest'], { EVENTDB_AGE_IDENTITY_FILE: file }],
        [['restore', id, '--yes', '--identity', file], {}],
        [['restore', '--latest', '--yes'], { EVENTDB_AGE_IDENTITY_FILE: file }],
      ];
      for (const [args, env] of runs) {
        const r = await cli(args, env);
        expectCleanError(r, 2, new RegExp(`^error: ${escaped}$`));
        expect(r.stderr).toMatch(/^hint: point --identity or EVENTDB_AGE_IDENTITY_FILE at the key file age-keygen wrote/m);
        expect(`${r.stdout}${r.stderr}`).not.toContain(secret);
        expectJsonError(await cli([...args, '--json'], env), 2, 'BAD_KEY', new RegExp(`^${escaped}$`));
      }
      expect(treeState(store)).toEqual(stored);
      expect(fileState(db)).toBe(database);
      expect(readdirSync(tmp)).toEqual([]);
    });
  }

  it('the key file age-keygen writes still decrypts', async () => {
    const file = join(dir, 'keys', 'real.txt');
    writeFileSync(file, `# created: 2025-01-01T00:00:00Z\n# public key: ${recipient}\n${secret}\n`);
    const r = await cli(['backup', 'verify', id, '--identity', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().verify.checks[0]).toMatch(/decrypted/);
  });
});
