/**
 * migrate up and status read the history while the files load (issue 18). When the files fail, the
 * error must wait for that read to end: the CLI closes the connection on the error, and closing a
 * DuckDB connection under a running query crashed the process (a segfault, about one run in ten of
 * `migrate up` on a new DuckDB file with a migration that is not UTF-8).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { settledFirst } from '../../src/migrations/status.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'eventdb-history-overlap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('settledFirst: the work failing waits for the read in flight before it rejects; the work succeeding does not wait', async () => {
  const events: string[] = [];
  let finish!: () => void;
  const inFlight = new Promise<void>((r) => (finish = r)).then(() => events.push('read ended'));
  const failing = settledFirst(inFlight, Promise.reject(new Error('bad file'))).catch((e: Error) => events.push(`rejected: ${e.message}`));
  await new Promise((r) => setTimeout(r, 20));
  expect(events).toEqual([]);
  finish();
  await failing;
  expect(events).toEqual(['read ended', 'rejected: bad file']);
  await expect(settledFirst(new Promise(() => undefined), Promise.resolve(7))).resolves.toBe(7);
  // a read that fails too does not replace the work's error
  await expect(settledFirst(Promise.reject(new Error('history')), Promise.reject(new Error('file')))).rejects.toThrow('file');
});

it('migrate up on a new DuckDB file with a migration that is not UTF-8 exits 2 every time (no crash)', { timeout: 120_000 }, async () => {
  for (let i = 0; i < 8; i++) {
    const cwd = join(dir, `p${i}`);
    mkdirSync(join(cwd, 'migrations'), { recursive: true });
    writeFileSync(join(cwd, 'migrations', '0001_t.sql'), Buffer.concat([Buffer.from('-- eventdb:up\nselect 1;\n-- '), Buffer.from([0x80]), Buffer.from('\n')]));
    const r = await runCli(['migrate', 'up', '--url', 'duckdb:./app.duckdb', '--json'], { cwd });
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 2, signal: null });
    expect(r.json().error.code).toBe('MIGRATION_INVALID');
  }
});
