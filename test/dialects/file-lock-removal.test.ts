import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { fileLockStatus } from '../../src/dialects/file-lock.js';

/*
 * The holder of a file lock removes the lock file as it lets go, so no lock file is left beside a
 * database. Waiting processes then hold the lock of a removed file: each must notice and open the path
 * again, or two would hold "the" lock at once. Six processes add 1 to a counter 40 times each, every
 * read-wait-write under the lock: a lost update shows as a total below 240.
 */
const dir = mkdtempSync(join(tmpdir(), 'eventdb-lock-removal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const COUNTER = fileURLToPath(new URL('../fixtures/lock-counter.mjs', import.meta.url));

function run(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [COUNTER, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    p.once('error', reject);
    p.once('exit', (code) => resolve(code ?? -1));
  });
}

it('six processes taking turns under one lock lose no update, and leave no lock file', async () => {
  const lock = join(dir, 'db.sqlite.eventdb-migrate.lock');
  const counter = join(dir, 'counter');
  writeFileSync(counter, '0');
  const codes = await Promise.all(Array.from({ length: 6 }, () => run([lock, counter, '40'])));
  expect(codes).toEqual([0, 0, 0, 0, 0, 0]);
  expect(readFileSync(counter, 'utf8')).toBe('240');
  expect(readdirSync(dir).sort()).toEqual(['counter']);
  // Asking whether it is held creates no lock file either.
  expect(fileLockStatus(lock)).toEqual({ held: false });
  expect(existsSync(lock)).toBe(false);
}, 120_000);
