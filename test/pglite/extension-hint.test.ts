import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { EventdbError } from '../../src/errors.js';
import { migrateUp } from '../../src/migrations/index.js';
import { makeProject } from '../schema/generate/project.js';

/*
 * PGlite has PostgreSQL's contrib extensions only as bundles a program loads when it starts, and
 * eventdb loads none: a history with `CREATE EXTENSION pgcrypto` (lemmy's, in the input sweep) failed
 * with PostgreSQL's bare "extension … is not available" and the generic "fix the migration" hint.
 */
describe('PGlite: a migration creating a contrib extension', () => {
  const parent = mkdtempSync(join(tmpdir(), 'eventdb-pglite-ext-'));
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('fails with MIGRATION_FAILED, a hint that says why and what to do, and nothing of it applied', async () => {
    const p = await makeProject(parent, `pglite:${join(parent, 'pg')}`, 'p');
    writeFileSync(join(p.migrations, '0001_users.sql'), '-- eventdb:up\ncreate table users (id bigint primary key);\n-- eventdb:down\ndrop table users;\n');
    writeFileSync(join(p.migrations, '0002_crypto.sql'), '-- eventdb:up\ncreate table secrets (id bigint primary key);\ncreate extension pgcrypto;\n-- eventdb:down\ndrop extension pgcrypto;\ndrop table secrets;\n');
    const conn = await p.open();
    try {
      const e = await migrateUp(conn, p.config, { lockTimeoutMs: 10_000 }).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(EventdbError);
      const err = e as EventdbError;
      expect(err.code).toBe('MIGRATION_FAILED');
      expect(err.message).toMatch(/^migration 0002_crypto failed \(.*0002_crypto\.sql\): extension "pgcrypto" is not available/);
      expect(err.hint).toBe(`eventdb does not load PGlite's extension bundles yet, so "pgcrypto" cannot be created in a pglite: database: run this history on a PostgreSQL server (postgres://…) (its transaction was rolled back; the 1 before it stay applied; the attempt is in eventdb_migration_log)`);
      const ids = (await sql<{ id: string }>`select id from eventdb_migrations order by id`.execute(conn.db)).rows.map((r) => r.id);
      expect(ids).toEqual(['0001_users']);
      const tables = (await sql<{ t: string }>`select tablename as t from pg_tables where schemaname = 'public' and tablename in ('users', 'secrets')`.execute(conn.db)).rows.map((r) => r.t);
      expect(tables).toEqual(['users']);
    } finally {
      await conn.close();
    }
  });
});
