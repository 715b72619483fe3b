import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { isKnownHead, knownMigrationIds, readMigrationHead } from '../../src/backup/migration-head.js';
import { resolveConfig } from '../../src/config/index.js';
import { openConnection } from '../../src/dialects/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('which migration heads this code knows', () => {
  it('names engine-variant files by their migration id, as the migrations module does', async () => {
    const config = await resolveConfig({ env: {}, cwd: ROOT });
    const ids = knownMigrationIds(config);
    expect(ids.has('0010_registration_functions')).toBe(true); // only .postgres.sql / .sqlite.ts / .duckdb.ts files exist
    expect([...ids].some((id) => /\.(postgres|sqlite|duckdb)$/.test(id))).toBe(false);
    expect(isKnownHead('0010_registration_functions', ids)).toBe(true);
    expect(isKnownHead('9999_from_the_future', ids)).toBe(false);
    expect(isKnownHead(null, ids)).toBe(true);
  });
});

describe('reading the migration head (one query for eventdb\'s own history table)', () => {
  it('reads eventdb\'s layout directly, falls back to the columns a table of another layout has, and has no head without the table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eventdb-head-'));
    const conn = await openConnection(await resolveConfig({ flags: { url: `sqlite:${join(dir, 'h.db')}` }, env: {}, cwd: dir }));
    try {
      expect(await readMigrationHead(conn)).toEqual({ head: null, applied: [] });
      // Another layout: no checksum or applied_at column; ordered by id.
      await sql`create table eventdb_migrations (id text primary key)`.execute(conn.db);
      await sql`insert into eventdb_migrations values ('0002_b'), ('0001_a')`.execute(conn.db);
      expect(await readMigrationHead(conn)).toEqual({ head: '0002_b', applied: [{ id: '0001_a', checksum: null, appliedAt: null }, { id: '0002_b', checksum: null, appliedAt: null }] });
      // eventdb's layout: ordered by applied_at, then id.
      await sql`drop table eventdb_migrations`.execute(conn.db);
      await sql`create table eventdb_migrations (id text primary key, checksum text not null, applied_at text not null)`.execute(conn.db);
      await sql`insert into eventdb_migrations values ('0001_a', 'c1', '2025-01-02T00:00:00.000Z'), ('0009_z', 'c9', '2025-01-01T00:00:00.000Z')`.execute(conn.db);
      expect(await readMigrationHead(conn)).toEqual({
        head: '0001_a',
        applied: [
          { id: '0009_z', checksum: 'c9', appliedAt: '2025-01-01T00:00:00.000Z' },
          { id: '0001_a', checksum: 'c1', appliedAt: '2025-01-02T00:00:00.000Z' },
        ],
      });
    } finally {
      await conn.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
