import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, baseEnv } from '../helpers/cli.js';

describe('supported Node.js versions', () => {
  it('the engines field says >=20', () => {
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines).toEqual({ node: '>=20' });
  });

  it('an older Node.js gets one line naming the versions, exit 2, no stack trace', () => {
    // The runtime reports 18.20.0 (set before bin/eventdb.js runs): what Node 18 itself would report.
    const preload = `data:text/javascript,Object.defineProperty(process.versions, 'node', { value: '18.20.0' })`;
    const r = spawnSync(process.execPath, ['--import', preload, BIN, 'info'], { cwd: ROOT, env: baseEnv(), encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('error: eventdb needs Node.js 20 or later (24 recommended; 20 is deprecated); this is Node.js 18.20.0\nhint: install Node.js 24 LTS (or 22)\n');
    expect(r.stdout).toBe('');
  });

  it('a supported Node.js runs the CLI', () => {
    const r = spawnSync(process.execPath, [BIN, '--version'], { cwd: ROOT, env: baseEnv(), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
