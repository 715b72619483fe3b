import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN, baseEnv, runCli } from '../helpers/cli.js';

/*
 * SIGINT and SIGTERM ended `backup` and `restore` as `kill -9` does: a restore left its download (up to
 * the database's size) beside the target, and the lock's files; a backup left its temp object in the
 * store. Now what the run created and had not finished is removed, and it exits 130 / 143 with one line.
 * Each run is signalled once its temp file or folder exists, so the signal lands mid-copy.
 */
const dir = mkdtempSync(join(tmpdir(), 'eventdb-interrupt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tmp = join(dir, 'tmp');
const env = { ...baseEnv(), EVENTDB_MIGRATIONS_DIR: join(dir, 'migrations'), EVENTDB_TMPDIR: tmp };
const db = join(dir, 'big.sqlite');
const url = `sqlite:${db}`;
const store = join(dir, 'store');
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

beforeAll(async () => {
  mkdirSync(env.EVENTDB_MIGRATIONS_DIR);
  mkdirSync(tmp);
  writeFileSync(join(env.EVENTDB_MIGRATIONS_DIR, '001_x.sql'), '-- eventdb:up\nCREATE TABLE x (id integer primary key, v blob);\n');
  expect((await runCli(['migrate', 'up', '--url', url], { cwd: dir, env })).code).toBe(0);
  const w = new Database(db);
  w.exec('with recursive c(i) as (select 1 union all select i + 1 from c where i < 400000) insert into x select i, randomblob(200) from c');
  w.close();
  expect((await runCli(['backup', '--url', url, '--store', `file://${store}`, '--compress', 'none'], { cwd: dir, env, timeoutMs: 120_000 })).code).toBe(0);
}, 180_000);

/** Runs the CLI, sends `signal` as soon as `started()` is true, and resolves with its exit and stderr. */
function interrupt(args: string[], started: () => boolean, signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string; signalled: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let signalled = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const poll = setInterval(() => {
      if (!signalled && started()) {
        signalled = true;
        child.kill(signal);
      }
    }, 2);
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code, stderr, signalled });
    });
  });
}

it('restore, SIGINT during the download: exit 130, the download and lock files removed, the database as it was', async () => {
  const before = readdirSync(dir).sort();
  const hash = sha(db);
  const r = await interrupt(['restore', '--latest', '--url', url, '--store', `file://${store}`, '--yes'], () => readdirSync(dir).some((f) => f.startsWith('.big.sqlite.restore-')), 'SIGINT');
  expect(r.signalled).toBe(true);
  expect(r.code).toBe(130);
  expect(r.stderr).toBe('error: interrupted by SIGINT\nhint: what it had started and not finished was removed or rolled back; run the command again\n');
  expect(readdirSync(dir).sort()).toEqual(before);
  expect(sha(db)).toBe(hash);
  expect(readdirSync(tmp)).toEqual([]);
}, 60_000);

it('backup, SIGTERM while the object is written: exit 143, no temp file or new folder left in the store', async () => {
  const target = join(dir, 'store2');
  const objects = () => (existsSync(target) ? readdirSync(target, { recursive: true }).map(String) : []);
  const r = await interrupt(['backup', '--url', url, '--store', `file://${target}`, '--compress', 'none'], () => objects().some((f) => f.endsWith('.tmp')), 'SIGTERM');
  expect(r.signalled).toBe(true);
  expect(r.code).toBe(143);
  expect(r.stderr).toMatch(/^error: interrupted by SIGTERM\n/);
  expect(existsSync(target)).toBe(false);
  expect(readdirSync(tmp)).toEqual([]);
  expect(readdirSync(dir).filter((f) => f.includes('.eventdb-'))).toEqual([]);
}, 60_000);
