import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createPgDatabase } from '../helpers/engines.js';

// EVENTDB_TRACE=1 (#18): the phases of a PostgreSQL backup, with their times since the process
// started, on stderr at exit; without it, not a line more.

let dir: string;
let db: Awaited<ReturnType<typeof createPgDatabase>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eventdb-trace-'));
  db = await createPgDatabase('eventdb_trace');
});
afterAll(async () => {
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

it('EVENTDB_TRACE=1 prints each phase of a backup in order, times rising; unset, stderr has none', async () => {
  const traced = await runCli(['backup', '--url', db.url, '--store', `file:${join(dir, 'a')}`, '--json'], { cwd: dir, env: { EVENTDB_TRACE: '1' } });
  expect(traced.code, traced.stderr).toBe(0);
  expect(JSON.parse(traced.stdout).ok).toBe(true); // stdout is still one JSON object
  const lines = traced.stderr.split('\n').filter((l) => l.startsWith('eventdb trace '));
  const phases = lines.map((l) => /^eventdb trace +[\d.]+ ms +\+ *[\d.]+ {2}(.+)$/.exec(l)?.[1]);
  for (const p of ['bin', 'cli', 'program built', 'config resolved', 'dump session connected', 'snapshot exported', 'pg_dump spawned', 'pg_dump archive header', 'migration head read in the dump session', 'pg_dump exited', 'dump stored', 'manifest stored, dump session ended', 'exit']) {
    expect(phases, p).toContain(p);
  }
  expect(phases.indexOf('pg_dump spawned')).toBeLessThan(phases.indexOf('pg_dump archive header'));
  const times = lines.map((l) => Number(/^eventdb trace +([\d.]+) ms/.exec(l)![1]));
  expect(times).toEqual([...times].sort((a, b) => a - b));
  const plain = await runCli(['backup', '--url', db.url, '--store', `file:${join(dir, 'b')}`, '--json'], { cwd: dir });
  expect(plain.code, plain.stderr).toBe(0);
  expect(plain.stderr).not.toContain('eventdb trace');
});
