import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/*
 * `migrate --migrations DIR` names the folder for every migrate subcommand; lint read only its
 * positional files and the configured folder, so `migrate lint --migrations synapse/sqlite` linted
 * ./migrations (or refused: "no such file or folder") while `migrate status --migrations …` obeyed.
 */
let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'eventdb-lint-flag-'));
  mkdirSync(join(dir, 'hist'));
  writeFileSync(join(dir, 'hist', '0001_drop.sql'), '-- eventdb:up\nDROP TABLE presence;\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('migrate lint --migrations', () => {
  for (const args of [['migrate', 'lint', '--migrations', 'hist'], ['migrate', '--migrations', 'hist', 'lint']]) {
    it(`${args.join(' ')} lints that folder`, async () => {
      const r = await runCli([...args, '--engine', 'sqlite', '--json'], { cwd: dir });
      expect(r.code).toBe(1);
      const j = r.json<{ files: number; findings: Array<{ rule: string; migration: string }> }>();
      expect(j.files).toBe(1);
      expect(j.findings.map((f) => [f.rule, f.migration])).toEqual([['loss-drop-table', '0001_drop']]);
    });
  }

  it('EVENTDB_MIGRATIONS_DIR is still the default, and positional files still win over the flag', async () => {
    const env = await runCli(['migrate', 'lint', '--engine', 'sqlite', '--json'], { cwd: dir, env: { EVENTDB_MIGRATIONS_DIR: 'hist' } });
    expect(env.json<{ files: number }>().files).toBe(1);
    writeFileSync(join(dir, 'safe.sql'), '-- eventdb:up\nCREATE TABLE a (id integer primary key);\n');
    const pos = await runCli(['migrate', 'lint', 'safe.sql', '--migrations', 'hist', '--engine', 'sqlite', '--json'], { cwd: dir });
    expect(pos.code).toBe(0);
    expect(pos.json<{ files: number; findings: unknown[] }>().findings).toEqual([]);
  });
});
