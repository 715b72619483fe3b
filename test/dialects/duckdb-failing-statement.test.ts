import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/*
 * DuckDB reads a whole multi-statement query before it runs any of it, so one statement's "Not
 * implemented" (a partial index, Synapse's 79/03 on DuckDB) fails the section before the first
 * statement ran. eventdb then ran the statements one by one to name the failing one, found the first
 * statement failing for a reason of its own (a foreign key to a table made later), and printed that
 * statement beside the other statement's error. The statement named must come with its own error —
 * what DuckDB says when that statement runs — and nothing is applied.
 */
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** What DuckDB says of each statement run alone, in order, on a fresh in-memory database (undefined: it ran). */
async function aloneErrors(stmts: string[]): Promise<Array<string | undefined>> {
  const inst = await DuckDBInstance.create(':memory:');
  const c = await inst.connect();
  const out: Array<string | undefined> = [];
  try {
    for (const s of stmts) {
      try {
        await c.run(s);
        out.push(undefined);
      } catch (e) {
        out.push((e as Error).message.split('\n')[0]);
      }
    }
  } finally {
    c.closeSync();
    inst.closeSync();
  }
  return out;
}

const CASES: Array<[string, string[]]> = [
  ['a forward foreign key first, a partial index last', ['CREATE TABLE modes (name text, FOREIGN KEY (name) REFERENCES locks (name))', 'CREATE TABLE locks (name text PRIMARY KEY, live boolean)', 'CREATE UNIQUE INDEX locks_live ON locks (name) WHERE live']],
  ['only the partial index fails', ['CREATE TABLE locks (name text PRIMARY KEY, live boolean)', 'CREATE UNIQUE INDEX locks_live ON locks (name) WHERE live']],
];

describe('DuckDB: the failing statement is named with its own error', () => {
  for (const [what, stmts] of CASES) {
    it(what, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'eventdb-duck-failing-'));
      dirs.push(dir);
      mkdirSync(join(dir, 'migrations'));
      writeFileSync(join(dir, 'migrations', '0001_locks.sql'), `-- eventdb:up\n${stmts.map((s) => `${s};`).join('\n')}\n`);
      const alone = await aloneErrors(stmts);
      const first = alone.findIndex((e) => e !== undefined);
      expect(first, 'DuckDB refuses one of them').toBeGreaterThanOrEqual(0);

      const r = await runCli(['migrate', 'up', '--url', 'duckdb:./app.duckdb', '--json'], { cwd: dir });
      expect(r.code).toBe(1);
      const j = r.json<{ ok: boolean; error: { code: string; message: string } }>();
      expect(j.error.code).toBe('MIGRATION_FAILED');
      expect(j.error.message).toContain(`: ${alone[first]} in statement: ${stmts[first]}`);
      const st = await runCli(['migrate', 'status', '--url', 'duckdb:./app.duckdb', '--json'], { cwd: dir });
      expect(st.json<{ applied: number; pending: number }>()).toMatchObject({ applied: 0, pending: 1 });
    });
  }
});
