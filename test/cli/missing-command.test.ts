import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/*
 * `eventdb` (or a group such as `eventdb migrate`) run without a command is a usage error: exit 2, the
 * commands it has in the hint. Under --json the answer is the one JSON error object every failure gives,
 * not help text (it printed the human help, exit 0). Without --json the help is still shown (stderr).
 * Asking for help (--help, `help`) is not an error.
 */
let cwd = '';
beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), 'eventdb-no-command-'));
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const cli = (args: string[]) => runCli(args, { cwd });

describe('no command', () => {
  for (const [args, name, some] of [
    [['--json'], 'eventdb', 'migrate'],
    [['--url', 'sqlite:./x.sqlite', '--json'], 'eventdb', 'backup'],
    [['migrate', '--json'], 'eventdb migrate', 'lint'],
    [['schema', '--json'], 'eventdb schema', 'pull'],
  ] as const) {
    it(`${args.join(' ')}: one JSON error object on stdout, USAGE, exit 2, no help text; nothing created`, async () => {
      const r = await cli([...args]);
      expect(r.code).toBe(2);
      const j = r.json<{ ok: boolean; error: { code: string; message: string; hint: string } }>();
      expect(Object.keys(j)).toEqual(['ok', 'error']);
      expect(j.ok).toBe(false);
      expect(j.error.code).toBe('USAGE');
      expect(j.error.message).toBe(`${name} needs a command`);
      expect(j.error.hint).toMatch(new RegExp(`^one of: .*\\b${some}\\b.* \\(see ${name} --help\\)$`));
      expect(r.stdout + r.stderr).not.toContain('Usage:');
      expect(r.stderr.trim().split('\n')).toEqual([`error: ${name} needs a command`, `hint: ${j.error.hint}`]);
      expect(readdirSync(cwd)).toEqual([]);
    });
  }

  it('without --json: the help on stderr, then the error line; exit 2', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Usage: eventdb \[options\] \[command\]/);
    expect(r.stderr).toMatch(/\nerror: eventdb needs a command\nhint: one of: info, init, .*\n$/);
    const m = await cli(['migrate']);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/^Usage: eventdb migrate/);
  });

  it('asking for help is not an error: --help, --help --json, help, help migrate exit 0 with the help on stdout', async () => {
    for (const args of [['--help'], ['--help', '--json'], ['help'], ['help', 'migrate'], ['migrate', '--help']]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/^Usage: eventdb/);
    }
  });
});
