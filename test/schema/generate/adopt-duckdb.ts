import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { resolveConfig } from '../../../src/config/index.js';
import type { Connection } from '../../../src/dialects/types.js';
import { openDatabase } from '../../../src/index.js';
import { runCli } from '../../helpers/cli.js';

/** The CLI on a DuckDB file `file` of project folder `dir` (its migrations/ and schema/). */
export const duckCli = (dir: string, file: string, ...args: string[]) =>
  runCli(['--url', `duckdb:${join(dir, file)}`, ...args], { cwd: dir, env: { EVENTDB_MIGRATIONS_DIR: join(dir, 'migrations'), EVENTDB_SCHEMA_DIR: join(dir, 'schema') } });

/**
 * The README's adopt walkthrough on DuckDB, checked step by step: project `<name>-a` applies `up` (one
 * migration) and pulls its schema; project `<name>-b` gets that declaration, writes `migrate diff
 * initial`, applies it, and `validate --env production` passes. Returns b's folder, its migration text
 * and an open connection to b's file (the caller closes it).
 */
export async function adoptDuckdb(root: string, name: string, up: string): Promise<{ b: string; text: string; conn: Connection }> {
  const a = join(root, `${name}-a`);
  mkdirSync(join(a, 'migrations'), { recursive: true });
  writeFileSync(join(a, 'migrations', '0001_source.sql'), `-- eventdb:up\n${up}\n`);
  expect((await duckCli(a, 'a.duckdb', 'migrate', 'up')).code).toBe(0);
  expect((await duckCli(a, 'a.duckdb', 'schema', 'pull')).code).toBe(0);
  const b = join(root, `${name}-b`);
  mkdirSync(b);
  cpSync(join(a, 'schema'), join(b, 'schema'), { recursive: true });
  const diff = await duckCli(b, 'b.duckdb', 'migrate', 'diff', 'initial');
  expect(diff.code, diff.stderr).toBe(0);
  const text = readFileSync(join(b, 'migrations', readdirSync(join(b, 'migrations'))[0]!), 'utf8');
  const applied = await duckCli(b, 'b.duckdb', 'migrate', 'up');
  expect(applied.code, applied.stderr).toBe(0);
  const v = await duckCli(b, 'b.duckdb', 'validate', '--env', 'production');
  expect(v.code, v.stdout + v.stderr).toBe(0);
  const conn = await openDatabase(await resolveConfig({ flags: { url: `duckdb:${join(b, 'b.duckdb')}` }, env: {}, cwd: b }));
  return { b, text, conn };
}
