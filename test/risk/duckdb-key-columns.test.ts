/**
 * DuckDB refuses to change the type of, or drop, a column of a PRIMARY KEY or UNIQUE constraint ("Cannot
 * change the type of a column that has a UNIQUE or PRIMARY KEY constraint specified", "Cannot drop column
 * … because there is a UNIQUE constraint that depends on it") — even to what is the same type there
 * (VARCHAR(36) to TEXT). Lint said nothing (vaultwarden's `ALTER TABLE … ALTER COLUMN id TYPE TEXT` passed
 * lint and failed the run), and with a database the gate took a UNIQUE constraint for an index of its own
 * and flagged every ALTER of the table. Each case is linted, run by the gate against a real DuckDB file, and
 * run on DuckDB: the three must agree.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import { lintMigrations } from '../../src/risk/index.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'eventdb-duck-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SETUP = 'create table t (id varchar(36) primary key, b integer unique, c integer, d integer, e integer, unique (d, e))';
const ALTERS = [
  'alter table t alter column id type text',
  'alter table t alter column b type bigint',
  'alter table t alter column e type bigint',
  'alter table t alter column c type bigint',
  'alter table t drop column b',
  'alter table t drop column d',
  'alter table t drop column c',
  'alter table t drop column e',
  'alter table t rename column id to uid',
];

it.each(ALTERS.map((a, i) => [i, a] as const))('case %i: %s — lint, the gate and DuckDB agree', async (i, alter) => {
  const folder = join(dir, `case${i}`);
  mkdirSync(folder);
  writeFileSync(join(folder, '0001_setup.sql'), `-- eventdb:up\n${SETUP};\n`);
  writeFileSync(join(folder, '0002_alter.sql'), `-- eventdb:up\n${alter};\n`);
  const lint = await lintMigrations({ paths: [folder], engine: 'duckdb', failOn: 'high', cwd: folder });
  const linted = lint.findings.some((f) => f.migration === '0002_alter' && f.rule === 'unsupported-statement');

  const url = `duckdb:${join(folder, 'db.duckdb')}`;
  expect((await runCli(['migrate', 'up', '--to', '0001_setup', '--url', url, '--migrations', folder])).code).toBe(0);
  const dry = await runCli(['migrate', 'up', '--dry-run', '--url', url, '--migrations', folder, '--json']);
  const gated = (dry.json().findings as Array<{ rule: string }>).some((f) => f.rule === 'unsupported-statement');

  const conn = await openDatabase({ flags: { url: 'duckdb::memory:' }, env: {}, cwd: folder });
  let refused: string | undefined;
  try {
    await sql.raw(SETUP).execute(conn.db);
    await sql.raw(alter).execute(conn.db);
  } catch (e) {
    refused = (e as Error).message;
  } finally {
    await conn.close();
  }
  const keyRefusal = refused !== undefined && /UNIQUE or PRIMARY KEY constraint|unique constraint|index depends on a column after it/i.test(refused);
  expect({ linted, gated, refused: refused !== undefined }).toEqual({ linted: keyRefusal, gated: keyRefusal, refused: keyRefusal });
  if (keyRefusal) {
    const f = lint.findings.find((x) => x.rule === 'unsupported-statement')!;
    expect(f.level).toBe('critical');
    expect(f.message).toMatch(/^DuckDB cannot (change the type of|drop) "t"\."(id|b|c|d|e)"(, a column of a PRIMARY KEY or UNIQUE constraint| while a PRIMARY KEY or UNIQUE constraint covers a column after it \("d")/);
  }
}, 30_000);

it('the cases cover both answers', () => {
  expect(ALTERS.length).toBe(9);
});
