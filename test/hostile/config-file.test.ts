import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/*
 * Hostile config files (the input sweep): a JSON syntax error quoted the text around it — a secret
 * beside it too; a wrong pool.max was echoed; a link to /dev/zero ran the process out of memory
 * (std::bad_alloc, exit 134); a getter that throws came out as an INTERNAL error. Each is now a
 * one-line CONFIG error (exit 2) that shows nothing of the file's values.
 */
const root = mkdtempSync(join(tmpdir(), 'eventdb-hostile-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cases: Array<[string, (dir: string) => void, RegExp]> = [
  ['a JSON error beside a secret', (d) => writeFileSync(join(d, 'eventdb.config.json'), '{"url": "postgres://app:hunter2@db/x", "store": s3://k:zzsecret@b/x}'), /^error: config file .*eventdb\.config\.json: Unexpected token 's'\n/],
  ['a wrong pool.max', (d) => writeFileSync(join(d, 'eventdb.config.json'), '{"pool": {"max": "hunter2secret"}}'), /^error: invalid number from file:.*eventdb\.config\.json \(pool\.max\)\n/],
  ['a link to /dev/zero', (d) => symlinkSync('/dev/zero', join(d, 'eventdb.config.json')), /^error: config file .*eventdb\.config\.json is not a regular file\n/],
  ['a getter that throws', (d) => writeFileSync(join(d, 'eventdb.config.mjs'), 'export default { get url() { throw new Error("getter broke") } };'), /^error: config file .*eventdb\.config\.mjs: reading it failed: getter broke\n/],
];

for (const [name, make, message] of cases) {
  it(`${name}: exit 2, one line and a hint, no value of the file shown`, async () => {
    const dir = join(root, name.replace(/\W+/g, '_'));
    mkdirSync(dir);
    make(dir);
    const r = await runCli(['info'], { cwd: dir, timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(2);
    expect(r.stderr).toMatch(/\nhint: .+\n$/);
    expect(r.stderr).not.toMatch(/hunter2|zzs/);
  });
}

it('keys every object has (__proto__, constructor) are unknown keys, with no nonsense suggested', async () => {
  for (const [text, message] of <Array<[string, string]>>[
    ['{"__proto__": {"url": "sqlite:./x.sqlite"}}', 'unknown key "__proto__"'],
    ['{"constructor": 1}', 'unknown key "constructor"'],
    ['{"environments": {"__proto__": {}}}', 'unknown environment "__proto__" in "environments"'],
  ]) {
    const dir = mkdtempSync(join(root, 'proto-'));
    writeFileSync(join(dir, 'eventdb.config.json'), text);
    const r = await runCli(['info'], { cwd: dir });
    expect(r.code, text).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\[object Object\]|native code/);
  }
});
