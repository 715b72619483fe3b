import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('eventdb init', () => {
  it('writes the config and folders non-interactively from flags', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'eventdb-init-'));
    const r = await runCli(['init', '--engine', 'duckdb', '--store', 's3://bucket/events', '--json'], { cwd });
    expect(r.code).toBe(0);
    expect(r.json().created).toEqual(['eventdb.config.json', 'migrations/', 'schema/']);
    const cfg = JSON.parse(readFileSync(join(cwd, 'eventdb.config.json'), 'utf8'));
    expect(cfg).toMatchObject({ url: 'duckdb:./eventdb.duckdb', store: 's3://bucket/events' });
    expect(statSync(join(cwd, 'migrations')).isDirectory()).toBe(true);
    const info = await runCli(['info', '--json'], { cwd });
    expect(info.json().engine).toBe('duckdb');
  });

  it('never overwrites an existing config without --force', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'eventdb-init-'));
    writeFileSync(join(cwd, 'eventdb.config.json'), '{"url":"sqlite:./mine.db"}');
    const r = await runCli(['init', '--url', 'postgres://h/db'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('eventdb.config.json already exists');
    expect(r.stderr).toContain('hint: pass --force');
    expect(readFileSync(join(cwd, 'eventdb.config.json'), 'utf8')).toBe('{"url":"sqlite:./mine.db"}');
    expect(existsSync(join(cwd, 'migrations'))).toBe(false);
    const f = await runCli(['init', '--url', 'postgres://h/db', '--force'], { cwd });
    expect(f.code).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, 'eventdb.config.json'), 'utf8')).url).toBe('postgres://h/db');
  });

  it('rejects a bad URL or engine before writing anything', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'eventdb-init-'));
    const r = await runCli(['init', '--url', 'oracle://x/y'], { cwd });
    expect(r.code).toBe(2);
    expect(existsSync(join(cwd, 'eventdb.config.json'))).toBe(false);
    const e = await runCli(['init', '--engine', 'mysql'], { cwd });
    expect(e.code).toBe(2);
    expect(e.stderr).toContain('unknown engine "mysql"');
    expect(existsSync(join(cwd, 'migrations'))).toBe(false);
  });
});
