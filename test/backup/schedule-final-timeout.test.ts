import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { BIN, baseEnv, runCli } from '../helpers/cli.js';

const HOLD = fileURLToPath(new URL('../fixtures/hold-lock.mjs', import.meta.url));

/*
 * `backup --every … --final-timeout`: when the final backup (after SIGTERM) outlived its limit, the
 * command reported BACKUP_TIMEOUT ("the snapshot was not committed") — and the backup went on, committed
 * its manifest and printed its success after the failure. It is now stopped at the limit: nothing of it
 * is committed or left in the store.
 */
const dir = mkdtempSync(join(tmpdir(), 'eventdb-final-timeout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('the final backup past --final-timeout is stopped before it commits: exit 1, only the scheduled snapshot stored', async () => {
  const env = { ...baseEnv(), EVENTDB_MIGRATIONS_DIR: join(dir, 'migrations') };
  mkdirSync(env.EVENTDB_MIGRATIONS_DIR);
  writeFileSync(join(env.EVENTDB_MIGRATIONS_DIR, '001_x.sql'), '-- eventdb:up\nCREATE TABLE x (id integer);\n');
  // DuckDB admits one process per file: while another holds it, the final backup waits past its limit.
  const url = `duckdb:${join(dir, 'app.duckdb')}`;
  expect((await runCli(['migrate', 'up', '--url', url], { cwd: dir, env })).code).toBe(0);
  const store = join(dir, 'store');
  const child = spawn(process.execPath, [BIN, 'backup', '--every', '1h', '--final-timeout', '1s', '--url', url, '--store', `file://${store}`, '--json'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let holder: ReturnType<typeof spawn> | undefined;
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (holder || !stdout.includes('"ok":true')) return;
    holder = spawn(process.execPath, [HOLD, url, '30'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'] });
    holder.stdout!.on('data', (h: Buffer) => h.toString().includes('locked') && child.kill('SIGTERM'));
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  holder?.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 1000)); // a backup still running would commit once the file is free
  expect(code).toBe(1);
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { ok: boolean; error?: { code: string } });
  expect(lines.map((l) => l.ok)).toEqual([true, false]);
  expect(lines[1]!.error!.code).toBe('BACKUP_TIMEOUT');
  const folder = join(store, 'development', 'app');
  const snapshots = readdirSync(folder);
  expect(snapshots).toHaveLength(1);
  expect(existsSync(join(folder, snapshots[0]!, 'manifest.json'))).toBe(true);
  expect(readdirSync(folder, { recursive: true }).map(String).filter((f) => f.endsWith('.tmp'))).toEqual([]);
}, 60_000);
