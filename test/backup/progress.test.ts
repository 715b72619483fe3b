import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressLine } from '../../src/cli/render/progress.js';
import { resolveConfig } from '../../src/config/index.js';
import { BIN, baseEnv, runCli } from '../helpers/cli.js';
import { seedItems } from './helpers.js';

const run = promisify(execFile);

/** Runs the CLI on a pseudo-terminal (util-linux `script`) of the given width; returns what the terminal got, escapes removed. */
async function onTerminal(args: string[], cwd: string, cols: number): Promise<string> {
  const cmd = `stty cols ${cols}; ${process.execPath} ${BIN} ${args.map((a) => `'${a}'`).join(' ')}`;
  const r = await run('script', ['-q', '-e', '-c', cmd, '/dev/null'], { cwd, env: { ...process.env, ...baseEnv(), FORCE_COLOR: '0' }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  // eslint-disable-next-line no-control-regex
  return r.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '\n').replace(/\r/g, '\n');
}

describe('progress of backup and restore', () => {
  let dir: string;
  let url: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eventdb-bkprog-'));
    url = `sqlite:${join(dir, 'app.sqlite')}`;
    await seedItems(await resolveConfig({ flags: { url }, env: {} }), 20000);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('formats a bar with bytes of the total, rate and time left; bytes and rate only without a total', () => {
    expect(progressLine('backing up', 50_000_000, 200_000_000, 2)).toBe('backing up  [██████░░░░░░░░░░░░░░░░░░]  25%  50.0 MB of 200.0 MB  25.0 MB/s  6 s left');
    expect(progressLine('backing up', 200_000_000, 200_000_000, 4)).toBe('backing up  [████████████████████████] 100%  200.0 MB of 200.0 MB  50.0 MB/s');
    expect(progressLine('restoring', 3_000_000, undefined, 2)).toBe('restoring  3.0 MB  1.5 MB/s');
  });

  it('on a terminal, backup and restore show the bar with the total; the result line follows', async () => {
    const b = await onTerminal(['backup', '--url', url, '--store', `file:${join(dir, 'store')}`], dir, 160);
    expect(b).toMatch(/backing up sqlite:\S+ {2}\[[█░]{24}\] +\d+% {2}[\d.]+ (KB|MB) of [\d.]+ (KB|MB) {2}[\d.]+ (B|KB|MB)\/s/);
    expect(b).toMatch(/snapshot \d{8}T\d{6}Z-[0-9a-f]{6} {2}sqlite "app"/);
    const r = await onTerminal(['restore', '--latest', '--url', url, '--to', `sqlite:${join(dir, 'copy.sqlite')}`, '--store', `file:${join(dir, 'store')}`], dir, 160);
    expect(r).toMatch(/checking the copy \(integrity check, row counts\)/);
    expect(r).toMatch(/restored snapshot \d{8}T\d{6}Z-[0-9a-f]{6}/);
  });

  it('not on a terminal (logs), nothing but the result is printed', async () => {
    const b = await runCli(['backup', '--url', url, '--store', `file:${join(dir, 'store')}`], { cwd: dir });
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toBe('');
    expect(b.stdout.trim().split('\n')).toHaveLength(2);
    const r = await runCli(['restore', '--latest', '--url', url, '--to', `sqlite:${join(dir, 'copy2.sqlite')}`, '--store', `file:${join(dir, 'store')}`], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/%|downloading|█/);
  });
});
