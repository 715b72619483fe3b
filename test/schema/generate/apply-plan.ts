import { sql } from 'kysely';
import { afterEach, beforeEach } from 'vitest';
import type { Connection, SchemaSnapshot } from '../../../src/dialects/types.js';
import { openDatabase } from '../../../src/index.js';
import { planSchemaChange, type PlannedStep } from '../../../src/schema/generate/index.js';
import type { ExpectedSchema } from '../../../src/schema/model.js';
import type { EngineFixture } from '../../helpers/engines.js';

/** The engine's database for a planner test: SQLite and DuckDB in memory, else the fixture's. */
export function openPlannerDatabase(fx: EngineFixture): Promise<Connection> {
  const url = fx.variant === 'sqlite' || fx.variant === 'duckdb' ? `${fx.variant}::memory:` : fx.url();
  return openDatabase({ flags: { url }, env: {}, cwd: fx.dir() }, { lockWaitMs: 30_000 });
}

/**
 * A planner database per test (inside a describe): opened before each test and handed to `use`, closed
 * after it. Returns the planner on that database: the plan from its introspected schema to `declared`.
 */
export function plannerEachTest(fx: EngineFixture, use: (conn: Connection) => void): (declared: ExpectedSchema, opts?: Parameters<typeof planSchemaChange>[3]) => Promise<ReturnType<typeof planSchemaChange>> {
  let conn: Connection | undefined;
  beforeEach(async () => {
    conn = await openPlannerDatabase(fx);
    use(conn);
  });
  afterEach(async () => {
    await conn?.close();
    conn = undefined;
  });
  return async (declared, opts = {}) => planSchemaChange(await conn!.introspect(), declared, conn!.engine, opts);
}

/**
 * Runs planned steps the way a migration runner does: a transactional step in one transaction, any
 * other statement by statement on the connection (SQLite's rebuild opens its own transaction; a
 * failure rolls it back and turns foreign keys on again before rethrowing).
 */
export async function applySteps(conn: Connection, steps: PlannedStep[], dir: 'up' | 'down' = 'up'): Promise<void> {
  const list = dir === 'up' ? steps : [...steps].reverse();
  for (const s of list) {
    const statements = s[dir];
    if (s.transaction) {
      await conn.db.transaction().execute(async (trx) => {
        for (const q of statements) await sql.raw(q).execute(trx);
      });
      continue;
    }
    try {
      for (const q of statements) await sql.raw(q).execute(conn.db);
    } catch (e) {
      if (conn.engine === 'sqlite') {
        await sql.raw('rollback').execute(conn.db).catch(() => undefined);
        await sql.raw('pragma foreign_keys = on').execute(conn.db);
      }
      throw e;
    }
  }
}

/**
 * What the planner manages, comparable across a round trip (SQLite names foreign keys by position;
 * columns by name: a column dropped and added back by ALTER TABLE comes back last).
 */
export function shape(s: SchemaSnapshot) {
  const own = (n: string) => !n.startsWith('eventdb_');
  return {
    tables: s.tables
      .filter((t) => own(t.name))
      .map((t) => ({ name: t.name, primaryKey: t.primaryKey, columns: t.columns.map(({ name, type, nullable, default: d, collation }) => ({ name, type, nullable, default: d, collation })).sort((a, b) => a.name.localeCompare(b.name)) }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    indexes: s.indexes
      .filter((i) => own(i.table))
      .map(({ name, table, columns, unique, primary, where }) => ({ name, table, columns, unique, primary, where }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    foreignKeys: s.foreignKeys
      .filter((f) => own(f.table))
      .map(({ name, table, columns, refTable, refColumns, onDelete, onUpdate }) => ({ name: s.engine === 'sqlite' ? '' : name, table, columns, refTable, refColumns, onDelete, onUpdate }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  };
}

export async function count(conn: Connection, table: string): Promise<number> {
  const r = await sql<{ n: number | bigint | string }>`select count(*) as n from ${sql.id(table)}`.execute(conn.db);
  return Number(r.rows[0]!.n);
}
