/**
 * `seed` never writes a generated column (issue 17), on every engine: a custom seed that names one
 * (or leaves it out) loads the other columns and the database computes it; the platform seed into a
 * platform table whose column is generated leaves that column out and says so in its notes.
 */
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { openConnection } from '../../src/dialects/index.js';
import { migrateUp } from '../../src/migrations/index.js';
import { seedDatabase } from '../../src/seed/index.js';
import { describeEngines } from '../helpers/engines.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NOW = new Date('2025-06-01T12:00:00.000Z');

describeEngines('seed and generated columns', (fx) => {
  const open = async () => {
    const cfg = await resolveConfig({ flags: { url: fx.url() }, env: {}, cwd: ROOT });
    return { conn: await openConnection(cfg), cfg };
  };
  // PostgreSQL has only stored generated columns; DuckDB only virtual ones; SQLite both (virtual by default)
  const kind = fx.engine === 'postgres' ? ' stored' : '';

  it('a custom seed: the generated column is left out (named or not), the database computes it', async () => {
    const { conn, cfg } = await open();
    try {
      await sql.raw(`create table line_items (id integer primary key, price integer not null, qty integer not null, total integer generated always as (price * qty)${kind})`).execute(conn.db);
      const r = await seedDatabase(conn, cfg, { file: fileURLToPath(new URL('./fixtures/generated-seed.ts', import.meta.url)), seed: 1, now: NOW });
      expect(r.tables).toEqual([expect.objectContaining({ table: 'line_items', rows: 3 })]);
      expect(r.notes).toEqual(['line_items: generated column total left out (the database computes it)']);
      const rows = (await sql<{ id: number; total: number }>`select id, total from line_items order by id`.execute(conn.db)).rows;
      expect(rows.map((x) => [Number(x.id), Number(x.total)])).toEqual([[1, 12], [2, 30], [3, 56]]);
    } finally {
      await conn.close();
    }
  });

  it('the platform seed into a platform table whose column is generated (page_views.duration_ms)', async () => {
    const { conn, cfg } = await open();
    try {
      await migrateUp(conn, cfg);
      await sql`drop table page_views`.execute(conn.db);
      const ts = fx.engine === 'sqlite' ? 'text' : 'timestamptz';
      await sql.raw(`create table page_views (id bigint primary key, session_id bigint not null, event_id bigint, path text not null, viewed_at ${ts} not null, duration_ms integer generated always as (length(path) * 10)${kind})`).execute(conn.db);
      const r = await seedDatabase(conn, cfg, { profile: 'demo', seed: 7, now: NOW });
      expect(r.notes).toContain('page_views: generated column duration_ms left out (the database computes it)');
      const views = r.tables.find((t) => t.table === 'page_views')!;
      expect(views.rows).toBeGreaterThan(100);
      const check = (await sql<{ n: number; wrong: number }>`select count(*) as n, sum(case when duration_ms = length(path) * 10 then 0 else 1 end) as wrong from page_views`.execute(conn.db)).rows[0]!;
      expect(Number(check.n)).toBe(views.rows);
      expect(Number(check.wrong)).toBe(0);
    } finally {
      await conn.close();
    }
  });
});
