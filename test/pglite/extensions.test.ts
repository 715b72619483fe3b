import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackup, restoreSnapshot } from '../../src/backup/index.js';
import { parseDatabaseUrl } from '../../src/config/index.js';
import type { Connection } from '../../src/dialects/types.js';
import { openDatabase } from '../../src/index.js';
import { EventdbError } from '../../src/errors.js';
import { migrateUp } from '../../src/migrations/index.js';
import { collectFindings } from '../../src/schema/validate.js';
import { makeProject } from '../schema/generate/project.js';

/*
 * PGlite has PostgreSQL's contrib extensions only as bundles unpacked when it starts. A history with
 * `CREATE EXTENSION pgcrypto` (lemmy's, in the input sweep) failed on a pglite: database with the bare
 * "extension … is not available". eventdb now loads the bundles a plan's SQL creates and those a
 * database already has; what PGlite does not ship fails with a hint from the PGlite dialect.
 */
const parent = mkdtempSync(join(tmpdir(), 'eventdb-pglite-ext-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

const names = async (conn: Connection, q: string) => (await sql.raw<{ n: string }>(q).execute(conn.db)).rows.map((r) => r.n);
const fail = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as EventdbError);

describe('PGlite: contrib extensions', () => {
  const EXTENSIONS = [
    '-- eventdb:up',
    '/* the bundles eventdb must load: */ create extension if not exists pgcrypto;',
    'create extension citext;',
    '-- a quoted name, and one that needs another (cube)',
    'CREATE EXTENSION "uuid-ossp";',
    'create extension earthdistance cascade;',
    'create table users (id uuid primary key default uuid_generate_v4(), email citext unique not null, secret bytea not null default gen_random_bytes(16));',
    '-- eventdb:down',
    'drop table users;',
    'drop extension earthdistance; drop extension cube; drop extension "uuid-ossp"; drop extension citext; drop extension pgcrypto;',
  ].join('\n');

  it('a plan creating bundled extensions applies; reopened (a new boot) the database finds their types and functions; validate replays them; a snapshot restores into a new folder', async () => {
    const dir = join(parent, 'db');
    const p = await makeProject(parent, `pglite:${dir}`, 'p');
    writeFileSync(join(p.migrations, '0001_extensions.sql'), EXTENSIONS);
    const first = await p.open();
    try {
      const dry = await migrateUp(first, p.config, { lockTimeoutMs: 10_000, dryRun: true });
      expect(dry.rehearsal?.ok).toBe(true);
      expect(await names(first, "select extname as n from pg_extension where extname <> 'plpgsql'")).toEqual([]);
      const r = await migrateUp(first, p.config, { lockTimeoutMs: 10_000 });
      expect(r.applied.map((s) => s.id)).toEqual(['0001_extensions']);
      // The migration lock was released on the restarted instance as well: a second run takes it.
      expect((await migrateUp(first, p.config, { lockTimeoutMs: 1_000 })).applied).toEqual([]);
    } finally {
      await first.close();
    }
    const again = await p.open();
    try {
      expect(await names(again, "select extname as n from pg_extension where extname <> 'plpgsql' order by 1")).toEqual(['citext', 'cube', 'earthdistance', 'pgcrypto', 'uuid-ossp']);
      await sql`insert into users (email) values ('Ada@Example.org')`.execute(again.db);
      const row = (await sql<{ same: boolean; hex: string; km: number }>`select email = 'ada@example.org' as same, encode(digest(email::text, 'sha256'), 'hex') as hex, round(earth_distance(ll_to_earth(48.85, 2.35), ll_to_earth(51.5, -0.12)) / 1000) as km from users`.execute(again.db)).rows[0]!;
      expect(row.same).toBe(true);
      expect(row.hex).toMatch(/^[0-9a-f]{64}$/);
      expect(Number(row.km)).toBeGreaterThan(330);
      expect(Number(row.km)).toBeLessThan(360);
      const v = await collectFindings(again, p.config, { expected: null });
      expect(v.checks.drift).toBe('ran');
      expect(v.items.filter((i) => i.finding.check === 'drift').map((i) => i.finding.message)).toEqual(['no drift: the live schema is what the migrations make (1 table)']);
    } finally {
      await again.close();
    }
    // A snapshot of it restores into a new PGlite folder: the dump's CREATE EXTENSIONs need their bundles first.
    const store = `file:${join(parent, 'store')}`;
    const copy = join(parent, 'copy');
    await createBackup(p.config, { store, env: {} });
    const restored = await restoreSnapshot(p.config, { store, env: {}, latest: true, to: `pglite:${copy}`, keep: false });
    expect(restored.tables).toMatchObject({ users: 1 });
    const c = await openDatabase({ ...p.config, database: parseDatabaseUrl(`pglite:${copy}`) });
    try {
      expect((await sql<{ n: number }>`select count(*)::int as n from users where email = 'ADA@example.ORG' and length(secret) = 16`.execute(c.db)).rows[0]!.n).toBe(1);
    } finally {
      await c.close();
    }
  });

  it('an extension PGlite does not ship fails with MIGRATION_FAILED and a hint; nothing of that migration is applied', async () => {
    const p = await makeProject(parent, `pglite:${join(parent, 'pg2')}`, 'p');
    writeFileSync(join(p.migrations, '0001_users.sql'), '-- eventdb:up\ncreate table users (id bigint primary key);\n-- eventdb:down\ndrop table users;\n');
    writeFileSync(join(p.migrations, '0002_geo.sql'), '-- eventdb:up\ncreate table places (id bigint primary key);\ncreate extension postgis;\n-- eventdb:down\ndrop extension postgis;\ndrop table places;\n');
    const conn = await p.open();
    try {
      const err = await fail(migrateUp(conn, p.config, { lockTimeoutMs: 10_000 }));
      expect(err).toBeInstanceOf(EventdbError);
      expect(err.code).toBe('MIGRATION_FAILED');
      expect(err.message).toMatch(/^migration 0002_geo failed \(.*0002_geo\.sql\): extension "postgis" is not available/);
      expect(err.hint).toBe('PGlite does not ship the extension "postgis": run this history on a PostgreSQL server (postgres://…) (its transaction was rolled back; the 1 before it stay applied; the attempt is in eventdb_migration_log)');
      expect(await names(conn, 'select id as n from eventdb_migrations order by id')).toEqual(['0001_users']);
      expect(await names(conn, "select tablename as n from pg_tables where schemaname = 'public' and tablename in ('users', 'places')")).toEqual(['users']);
    } finally {
      await conn.close();
    }
  });

  it('a bundled extension a TypeScript migration creates (not read before it runs) fails with a hint saying how to make it load', async () => {
    const p = await makeProject(parent, `pglite:${join(parent, 'pg3')}`, 'p');
    writeFileSync(join(p.migrations, '0001_crypto.ts'), "export async function up(db: any, ctx: any): Promise<void> {\n  await ctx.executeSQL('create extension hstore');\n}\n");
    const conn = await p.open();
    try {
      const err = await fail(migrateUp(conn, p.config, { lockTimeoutMs: 10_000 }));
      expect(err.code).toBe('MIGRATION_FAILED');
      expect(err.message).toContain('extension "hstore" is not available');
      expect(err.hint).toMatch(/^PGlite loads "hstore" only when it starts: eventdb loads it for a SQL migration's CREATE EXTENSION .* create it in a SQL migration \(/);
      expect(await names(conn, "select extname as n from pg_extension where extname = 'hstore'")).toEqual([]);
    } finally {
      await conn.close();
    }
  });
});
