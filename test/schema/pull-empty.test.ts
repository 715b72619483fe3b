import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import { runCli } from '../helpers/cli.js';
import { describeEngines } from '../helpers/engines.js';

/**
 * `schema pull` on a database without a table in the schema it reads wrote a declaration with no
 * table, which every later command refused ("tables: must not be empty"). It now writes nothing and
 * says where the tables are: supabase/auth keeps all of its tables in `auth`, so on PostgreSQL the
 * hint names the URL option that makes `auth` the connection's schema — and following it works.
 */
describeEngines(
  'schema pull with no table to declare',
  (fx) => {
    it('exit 2, SCHEMA_PULL_EMPTY, nothing written; on PostgreSQL the hint leads to the tables', async () => {
      const conn = await openDatabase(await fx.config());
      try {
        if (fx.engine === 'postgres') await sql.raw('create schema auth; create table auth.users (id int primary key, email text)').execute(conn.db);
      } finally {
        await conn.close();
      }
      const out = join(fx.dir(), 'empty-pull', 'index.ts');
      const r = await runCli(['--url', fx.url(), 'schema', 'pull', '--out', out, '--json'], { cwd: fx.dir() });
      expect(r.code).toBe(2);
      const e = r.json<{ ok: boolean; error: { code: string; message: string; hint: string } }>();
      expect(e.ok).toBe(false);
      expect(e.error.code).toBe('SCHEMA_PULL_EMPTY');
      expect(existsSync(out)).toBe(false);
      if (fx.engine !== 'postgres') {
        expect(e.error.message).toBe('nothing to pull: the database has no tables; nothing was written');
        return;
      }
      expect(e.error.message).toBe('nothing to pull: the current schema has no tables (1 in other schemas: auth: 1); nothing was written');
      expect(e.error.hint).toBe("pull one of those schemas by making it the connection's: add ?options=-c%20search_path%3Dauth to the database URL");
      const url = `${fx.url()}${fx.url().includes('?') ? '&' : '?'}options=-c%20search_path%3Dauth`;
      const ok = await runCli(['--url', url, 'schema', 'pull', '--out', out], { cwd: fx.dir() });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toContain(': 1 table, ');
      const v = await runCli(['--url', url, 'validate', '--no-drift', '--json'], { cwd: fx.dir(), env: { EVENTDB_SCHEMA_DIR: join(fx.dir(), 'empty-pull') } });
      expect(v.code, v.stdout + v.stderr).toBe(0);
    });
  },
  ['sqlite', 'duckdb', 'postgres'],
);

describeEngines(
  'schema pull: DuckDB tables outside main',
  (fx) => {
    it('are counted and named, as on PostgreSQL (ibis keeps shops.ice_cream beside main)', async () => {
      const conn = await openDatabase(await fx.config());
      try {
        await sql.raw('create schema shops; create table shops.ice_cream (flavor text, quantity int); create table main_t (id int)').execute(conn.db);
      } finally {
        await conn.close();
      }
      const out = join(fx.dir(), 'duck-elsewhere', 'index.ts');
      const r = await runCli(['--url', fx.url(), 'schema', 'pull', '--out', out], { cwd: fx.dir() });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("[warn] 1 table in other schemas not pulled (shops: 1): eventdb reads the connection's current schema only");
      const j = await runCli(['--url', fx.url(), 'schema', 'pull', '--out', out, '--force', '--json'], { cwd: fx.dir() });
      expect(j.json()).toMatchObject({ ok: true, tables: 1, elsewhere: [{ schema: 'shops', tables: 1 }] });
    });
  },
  ['duckdb'],
);
