import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseMigration, loadParsers, readSqlMigration } from '../../src/risk/index.js';
import { buildSupabaseAuth } from '../conformance/helpers.js';
import { runCli } from '../helpers/cli.js';
import { createPgDatabase } from '../helpers/engines.js';

/*
 * DDL inside `DO $$ … $$` runs like DDL outside it: supabase/auth builds indexes and adds constraints
 * in DO blocks, and PostgreSQL takes the same write-blocking locks for them. `migrate lint` used to
 * read a DO block as one opaque statement and said nothing (sweep of supabase/auth, vendored under
 * test/fixtures/supabase-auth). Real PostgreSQL is the judge: the locks each migration really holds.
 */
interface LintFinding {
  rule: string;
  level: string;
  migration: string;
  statement: string;
  line: number;
  message: string;
  advice: string;
}

const DO_MIGRATIONS: Record<string, Array<[rule: string, line: number, table: string]>> = {
  // ALTER TABLE … ADD CONSTRAINT … UNIQUE / FOREIGN KEY and CREATE INDEX, each behind IF NOT EXISTS.
  '20210927181326_add_refresh_token_parent': [
    ['lock-index-build', 13, 'refresh_tokens'],
    ['lock-foreign-key-validation', 20, 'refresh_tokens'],
    ['lock-index-build', 23, 'refresh_tokens'],
  ],
  '20240214120130_add_is_anonymous_column': [['lock-index-build', 7, 'users']],
  '20250717082212_add_disabled_to_sso_providers': [['lock-index-build', 7, 'sso_providers']],
};

const WRITE_BLOCKING = ['ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'];

describe('risk: statements inside a DO block [postgres]', () => {
  let dir = '';
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  beforeAll(async () => {
    await loadParsers(['postgres']);
    dir = mkdtempSync(join(tmpdir(), 'eventdb-do-block-'));
    db = await createPgDatabase('eventdb_do_block');
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('supabase/auth: lint names each index build and constraint validation inside a DO block, at its own line, and PostgreSQL held that table in a write-blocking mode', async () => {
    const built = buildSupabaseAuth(join(dir, 'migrations'));
    const r = await runCli(['migrate', 'lint', join(dir, 'migrations'), '--engine', 'postgres', '--json'], { cwd: dir });
    expect([0, 1], r.stderr).toContain(r.code);
    const findings = r.json<{ findings: LintFinding[] }>().findings;
    // Ground truth: replay the history, each migration in its own transaction; the locks it held on tables that existed before it.
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const held = new Map<string, Map<string, string[]>>();
    try {
      for (const [i, id] of built.ids.entries()) {
        await c.query('BEGIN');
        const before = new Set((await c.query<{ oid: string }>("SELECT c.oid::text AS oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'auth' AND c.relkind = 'r'")).rows.map((x) => x.oid));
        await c.query(built.ups[i]!);
        const locks = (await c.query<{ oid: string; name: string; mode: string }>('SELECT c.oid::text AS oid, c.relname AS name, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE l.pid = pg_backend_pid() AND l.granted')).rows;
        await c.query('COMMIT');
        const m = new Map<string, string[]>();
        for (const l of locks.filter((x) => before.has(x.oid))) m.set(l.name, [...(m.get(l.name) ?? []), l.mode]);
        held.set(id, m);
      }
    } finally {
      await c.end();
    }
    for (const [id, expected] of Object.entries(DO_MIGRATIONS)) {
      const got = findings.filter((f) => f.migration === id && f.rule.startsWith('lock-')).map((f) => [f.rule, f.line]);
      expect(got, id).toEqual(expected.map(([rule, line]) => [rule, line]));
      for (const [, , table] of expected) expect(held.get(id)!.get(table)!.some((m) => WRITE_BLOCKING.includes(m)), `${id} ${table}`).toBe(true);
    }
    const inBlock = findings.filter((f) => f.migration === '20240214120130_add_is_anonymous_column');
    expect(inBlock[0]!.statement).toBe('create index if not exists users_is_anonymous_idx  on auth.users using btree (is_anonymous)');
    expect(inBlock[0]!.message).toMatch(/\(inside the DO block at line 2\)$/);
    expect(inBlock[0]!.advice).toMatch(/^move it out of the DO block .*CREATE INDEX|^move it out of the DO block .*create index CONCURRENTLY/i);
  });

  it('reads every branch and handler, not dynamic SQL, not another language, and a body PL/pgSQL rejects is left alone', () => {
    const lint = (sql: string) => analyseMigration(readSqlMigration('0002_x', sql, 'x.sql'), { engine: 'postgres' }).findings.map((f) => `${f.rule}@${f.line}`);
    const body = `DO $$
BEGIN
  IF true THEN
    CREATE INDEX a_idx ON t (a);
  ELSE
    DROP TABLE t;
  END IF;
  EXECUTE 'DROP TABLE u';
EXCEPTION WHEN others THEN
  ALTER TABLE t DROP COLUMN b;
END $$;`;
    expect(lint(body)).toEqual(['lock-index-build@4', 'loss-drop-table@6', 'loss-drop-column@10']);
    expect(lint(`DO LANGUAGE plperl $$ CREATE INDEX a_idx ON t (a); $$;`)).toEqual([]);
    expect(lint(`DO $$ BEGIN CREATE INDEX a_idx ON t (a) END $$;`)).toEqual([]);
    expect(lint(`DO 'BEGIN CREATE INDEX a_idx ON t (a); END';`)).toEqual(['lock-index-build@1']);
  });
});
