import { existsSync } from 'node:fs';
import type { Engine, ResolvedConfig } from '../../config/index.js';
import { parseDatabaseUrl } from '../../config/index.js';
import type { Connection, SchemaSnapshot } from '../../dialects/types.js';
import { EventdbError, messageOf } from '../../errors.js';
import { isInternalTable } from '../diff.js';
import { withScratchDatabase } from '../drift.js';

/**
 * The schema the existing migrations produce on one engine, read from a scratch database: a temporary
 * PostgreSQL database on the configured server (created and dropped, as the drift check does), else an
 * in-memory PGlite, SQLite or DuckDB. The user's database is never written: on PostgreSQL it is only
 * the connection through which the temporary database is created.
 */
export async function replayedSchema(config: ResolvedConfig, engine: Engine): Promise<SchemaSnapshot> {
  return withScratch(config, engine, async (scratch, scratchConfig) => {
    const { migrateUp } = await import('../../migrations/up.js');
    try {
      await migrateUp(scratch, scratchConfig, { lockTimeoutMs: 0, force: true });
    } catch (e) {
      if (e instanceof EventdbError) {
        throw new EventdbError('DIFF_REPLAY', `the existing migrations do not replay on ${engine}: ${e.message}`, e.hint || 'fix the migration (see `eventdb migrate up --dry-run`), then run migrate diff again', { cause: e, details: { engine, code: e.code } });
      }
      throw new EventdbError('DIFF_REPLAY', `the existing migrations do not replay on ${engine}: ${messageOf(e)}`, 'fix the migration (see `eventdb migrate up --dry-run`), then run migrate diff again', { cause: e, details: { engine } });
    }
    return withoutInternal(await scratch.introspect());
  });
}

/** Runs fn on a scratch database of `engine` (see replayedSchema), removed afterwards also on failure. */
export async function withScratch<T>(config: ResolvedConfig, engine: Engine, fn: (scratch: Connection, config: ResolvedConfig) => Promise<T>): Promise<T> {
  const { openConnection, isServer, memoryScratchUrl } = await import('../../dialects/index.js');
  const onServer = engine === config.database.engine && isServer(config.database);
  if (onServer) {
    // The configured server hosts a temporary database (withScratchDatabase); its own database is not written.
    const conn = await openConnection(config, { readOnly: true });
    try {
      return await withScratchDatabase(conn, config, fn);
    } finally {
      await conn.close();
    }
  }
  const database = parseDatabaseUrl(memoryScratchUrl(engine));
  const scratchConfig: ResolvedConfig = { ...config, database };
  const scratch = await openConnection(scratchConfig);
  try {
    return await fn(scratch, scratchConfig);
  } finally {
    await scratch.close();
  }
}

/** A snapshot without eventdb's own tables (history, log) and what belongs to them. */
export function withoutInternal(s: SchemaSnapshot): SchemaSnapshot {
  const own = (x: { name: string; table?: string }) => !isInternalTable(x.name) && !isInternalTable(x.table ?? '');
  return {
    ...s,
    tables: s.tables.filter(own),
    indexes: s.indexes.filter((i) => !isInternalTable(i.table)),
    foreignKeys: s.foreignKeys.filter((f) => !isInternalTable(f.table) && !isInternalTable(f.refTable)),
    ...(s.views ? { views: s.views.filter(own) } : {}),
    ...(s.triggers ? { triggers: s.triggers.filter(own) } : {}),
  };
}

/**
 * Runs the generated migrations where they will run, before any is written: the existing migrations
 * and the new files (copied into a temporary folder) are applied to a scratch database of `engine`,
 * then the new ones are rolled back. A failure — a change the engine rejects — is DIFF_REHEARSAL
 * naming the engine and the engine's error; the user's folder and database are untouched.
 */
export async function rehearseMigrations(config: ResolvedConfig, engine: Engine, dir: string, files: Array<{ name: string; text: string }>): Promise<void> {
  const { cpSync, mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const tmp = mkdtempSync(join(tmpdir(), 'eventdb-diff-rehearse-'));
  try {
    if (existsSync(dir)) cpSync(dir, tmp, { recursive: true });
    for (const f of files) writeFileSync(join(tmp, f.name), f.text);
    await withScratch({ ...config, migrationsDir: tmp }, engine, async (scratch, scratchConfig) => {
      const { migrateUp, rollback } = await import('../../migrations/index.js');
      const cfg = { ...scratchConfig, migrationsDir: tmp };
      await migrateUp(scratch, { ...cfg, migrationsDir: dir }, { lockTimeoutMs: 0, force: true }); // the existing ones (they replayed before)
      try {
        const r = await migrateUp(scratch, cfg, { lockTimeoutMs: 0, force: true });
        if (r.applied.length) await rollback(scratch, cfg, { lockTimeoutMs: 0, force: true, count: r.applied.length });
      } catch (e) {
        throw new EventdbError('DIFF_REHEARSAL', `the generated migration fails on ${engine}: ${messageOf(e)}; nothing was written`, 'the engine cannot make this change as planned: declare it differently (or for fewer engines), or write this migration by hand', { cause: e, details: { engine } });
      }
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
