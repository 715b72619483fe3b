/**
 * `-- eventdb:risk-accepted` lines that `migrate diff` writes belong to the file whose lint finding they
 * accept: each engine's risk gate lints its own variant, so another engine's variant (here DuckDB's,
 * whose ALTER makes the change in place) carries none of them, and the SQLite variant carries exactly
 * what its rebuild needs. Both variants then pass `migrate lint` and `migrate up` on their engine.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { lintMigrations } from '../../../src/risk/lint.js';
import { migrateDiff } from '../../../src/schema/generate/command.js';
import { int, makeProject, schemaOf, table, text, up } from './project.js';

const parent = mkdtempSync(join(tmpdir(), 'eventdb-diff-accepted-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

const accepted = (sqlText: string) => [...sqlText.matchAll(/^-- eventdb:risk-accepted (\S+)/gm)].map((m) => m[1]).sort();

it('risk-accepted lines go only into the variant whose lint finding they accept', async () => {
  const p = await makeProject(parent, `sqlite:${join(parent, 'app.db')}`, 'accepted');
  const engines = ['sqlite', 'duckdb'] as const;
  p.declare(schemaOf([table('events', [int('id', false), text('title'), int('capacity')])], [...engines]));
  await migrateDiff(p.config, { name: 'init' });
  p.declare(schemaOf([table('events', [int('id', false), text('title'), int('capacity', false, { default: '100' })])], [...engines]));
  const r = await migrateDiff(p.config, { name: 'capacity_required' });
  const written = r.files.filter((f) => f.id.endsWith('capacity_required'));
  expect(written.map((f) => f.variant).sort()).toEqual(['duckdb', 'sqlite']);

  const fileText = (variant: string) => readFileSync(join(p.migrations, written.find((f) => f.variant === variant)!.name), 'utf8');
  expect(fileText('sqlite')).toMatch(/create table "events__new"/);
  expect(accepted(fileText('sqlite'))).toEqual(['down-loses-data', 'rewrite-sqlite-rebuild']);
  expect(fileText('duckdb')).toMatch(/alter column "capacity" set not null/);
  expect(accepted(fileText('duckdb'))).toEqual([]);

  for (const engine of engines) {
    const lint = await lintMigrations({ paths: [p.migrations], engine, failOn: 'high', cwd: p.dir });
    expect(lint.findings.filter((f) => !f.accepted && ['high', 'critical'].includes(f.level)), engine).toEqual([]);
  }
  const conn = await p.open();
  try {
    expect((await up(conn, p.config)).applied.map((m) => m.id)).toEqual(['0001_init', '0002_capacity_required']);
  } finally {
    await conn.close();
  }
});
