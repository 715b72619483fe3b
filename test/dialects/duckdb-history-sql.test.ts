/**
 * DuckDB writes a successful migration's history and log rows in one call (history-sql.ts,
 * Connection.recordMigrationSuccess): the rows are what the two ordinary inserts wrote, text with
 * quotes and backslashes arrives unchanged, and a failure writes neither row.
 */
import { tmpdir } from 'node:os';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { openDatabase } from '../../src/index.js';
import { ensureHistory, HISTORY_TABLE, LOG_TABLE, recordSuccess } from '../../src/migrations/history.js';

const open = async () => openDatabase(await resolveConfig({ flags: { url: 'duckdb::memory:' }, env: {}, cwd: tmpdir() }));

it('recordSuccess on DuckDB: one history row and one log row, quotes and backslashes intact', async () => {
  const conn = await open();
  try {
    expect(conn.recordMigrationSuccess).toBeTypeOf('function');
    await ensureHistory(conn.db, 'duckdb');
    const startedAt = new Date('2026-11-30T10:00:00.000Z');
    await recordSuccess(conn.db, conn, { id: "0007_o'neil\\x", checksum: 'abc123', startedAt, durationMs: 12.6, batch: 3, file: "0007_o'neil\\x.sql", kind: 'sql' });
    const h = await sql<Record<string, unknown>>`select id, checksum, duration_ms, batch, file, kind, epoch_ms(applied_at) as at from ${sql.table(HISTORY_TABLE)}`.execute(conn.db);
    expect(h.rows).toEqual([{ id: "0007_o'neil\\x", checksum: 'abc123', duration_ms: 13, batch: 3, file: "0007_o'neil\\x.sql", kind: 'sql', at: startedAt.getTime() }]);
    const l = await sql<Record<string, unknown>>`select id, direction, outcome, checksum, duration_ms, batch, error, epoch_ms(started_at) as at, length(attempt_id) as n from ${sql.table(LOG_TABLE)}`.execute(conn.db);
    expect(l.rows).toEqual([{ id: "0007_o'neil\\x", direction: 'up', outcome: 'applied', checksum: 'abc123', duration_ms: 13, batch: 3, error: null, at: startedAt.getTime(), n: 36 }]);
  } finally {
    await conn.close();
  }
});

it('recordSuccess on DuckDB: a duplicate id fails and writes no log row', async () => {
  const conn = await open();
  try {
    await ensureHistory(conn.db, 'duckdb');
    const r = { id: '0001_a', checksum: 'c', startedAt: new Date(), durationMs: 1, batch: 1, file: '0001_a.sql', kind: 'sql' };
    await recordSuccess(conn.db, conn, r);
    await expect(conn.db.transaction().execute((trx) => recordSuccess(trx, conn, r))).rejects.toThrow(/0001_a|duplicate|constraint/i);
    expect((await sql<{ n: number }>`select count(*)::int as n from ${sql.table(HISTORY_TABLE)}`.execute(conn.db)).rows).toEqual([{ n: 1 }]);
    expect((await sql<{ n: number }>`select count(*)::int as n from ${sql.table(LOG_TABLE)}`.execute(conn.db)).rows).toEqual([{ n: 1 }]);
  } finally {
    await conn.close();
  }
});
