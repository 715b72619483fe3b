import { existsSync } from 'node:fs';
import type { Engine, ResolvedConfig } from '../../config/index.js';
import { parseDatabaseUrl } from '../../config/index.js';
import type { Connection, SchemaSnapshot } from '../../dialects/types.js';
import { EventdbError, messageOf } from '../../errors.js';
import { SCRATCH_NOTE, scratchReplayHint } from '../../migrations/scratch-hint.js';
import { isInternalTable } from '../diff.js';
import { migrationsDir } from '../migrations-check.js';
import { openScratchDatabase, type ScratchDatabase } from '../drift.js';

/** A scratch database holding what the existing migrations produce on one engine, open until `close`. */
export interface ReplayedScratch extends ScratchDatabase {
  engine: Engine;
  /** Its schema, eventdb's own tables left out (withoutInternal). */
  schema: SchemaSnapshot;
}

/** The options every replay and rehearsal in a scratch database runs `migrate up` and `rollback` with. */
const SCRATCH_RUN = { lockTimeoutMs: 0, force: true } as const;

/**
 * The schema the existing migrations produce on one engine, read from a scratch database: a temporary
 * PostgreSQL database on the configured server (created and dropped, as the drift check does), else an
 * in-memory PGlite, SQLite or DuckDB. The user's database is never written: on PostgreSQL it is only
 * the connection through which the temporary database is created.
 */
export async function replayedSchema(config: ResolvedConfig, engine: Engine): Promise<SchemaSnapshot> {
  const r = await openReplayed(config, engine);
  try {
    return r.schema;
  } finally {
    await r.close();
  }
}

/**
 * Opens a scratch database of `engine` (see replayedSchema), replays the existing migrations into it and
 * introspects it; the caller closes it (which removes it). Throws DIFF_REPLAY when a migration does not
 * replay — the scratch database is then already removed.
 */
export async function openReplayed(config: ResolvedConfig, engine: Engine): Promise<ReplayedScratch> {
  const s = await openScratch(config, engine);
  try {
    const { migrateUp } = await import('../../migrations/up.js');
    try {
      // No migrations folder yet (adopting a database: pull, then the first diff): nothing to replay.
      if (existsSync(migrationsDir(config))) await migrateUp(s.conn, s.config, SCRATCH_RUN);
    } catch (e) {
      const own = scratchReplayHint(e);
      const fix = own ? `${own}; then run migrate diff again` : 'fix the migration (see `eventdb migrate up --dry-run`), then run migrate diff again';
      const message = e instanceof EventdbError ? e.message : messageOf(e);
      throw new EventdbError('DIFF_REPLAY', `the existing migrations do not replay on ${engine}: ${message}`, `${fix} (${SCRATCH_NOTE})`, { cause: e, details: e instanceof EventdbError ? { engine, code: e.code } : { engine } });
    }
    return { ...s, engine, schema: withoutInternal(await s.conn.introspect()) };
  } catch (e) {
    await s.close();
    throw e;
  }
}

/** Runs fn on a scratch database of `engine` (see replayedSchema), removed afterwards also on failure. */
export async function withScratch<T>(config: ResolvedConfig, engine: Engine, fn: (scratch: Connection, config: ResolvedConfig) => Promise<T>): Promise<T> {
  const s = await openScratch(config, engine);
  try {
    return await fn(s.conn, s.config);
  } finally {
    await s.close();
  }
}

/**
 * A scratch database of `engine`: on the configured server when it is one of that engine (a temporary
 * database, openScratchDatabase; the configured database itself is only read), else in memory.
 */
export async function openScratch(config: ResolvedConfig, engine: Engine): Promise<ScratchDatabase> {
  const { openConnection, isServer, memoryScratchUrl } = await import('../../dialects/index.js');
  if (engine === config.database.engine && isServer(config.database)) {
    const conn = await openConnection(config, { readOnly: true });
    try {
      const s = await openScratchDatabase(conn, config);
      return {
        ...s,
        async close() {
          try {
            await s.close();
          } finally {
            await conn.close();
          }
        },
      };
    } catch (e) {
      await conn.close();
      throw e;
    }
  }
  const scratchConfig: ResolvedConfig = { ...config, database: parseDatabaseUrl(memoryScratchUrl(engine)) };
  const scratch = await openConnection(scratchConfig);
  return { conn: scratch, config: scratchConfig, close: () => scratch.close() };
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
    ...(s.checks ? { checks: s.checks.filter((c) => !isInternalTable(c.table)) } : {}),
  };
}

/**
 * Runs the generated migrations where they will run, before any is written: in `scratch` — which holds
 * the existing migrations, replayed (openReplayed) — the new files are applied (from a temporary folder
 * holding a copy of `dir` and them), then rolled back, which leaves the scratch database as it was. A
 * failure — a change the engine rejects — is DIFF_REHEARSAL naming the engine and the engine's error;
 * the scratch database may then hold part of the new migrations (the caller replays afresh before
 * rehearsing again); the user's folder and database are untouched.
 */
export async function rehearseIn(scratch: ReplayedScratch, dir: string, files: Array<{ name: string; text: string }>): Promise<void> {
  if (!files.length) return;
  const { cpSync, mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const tmp = mkdtempSync(join(tmpdir(), 'eventdb-diff-rehearse-'));
  try {
    if (existsSync(dir)) cpSync(dir, tmp, { recursive: true });
    for (const f of files) writeFileSync(join(tmp, f.name), f.text);
    const { migrateUp, rollback } = await import('../../migrations/index.js');
    const cfg = { ...scratch.config, migrationsDir: tmp };
    try {
      const r = await migrateUp(scratch.conn, cfg, SCRATCH_RUN);
      if (r.applied.length) await rollback(scratch.conn, cfg, { ...SCRATCH_RUN, count: r.applied.length });
    } catch (e) {
      throw new EventdbError('DIFF_REHEARSAL', `the generated migration fails on ${scratch.engine}: ${messageOf(e)}; nothing was written`, rehearsalHint(messageOf(e)), { cause: e, details: { engine: scratch.engine } });
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * rehearseIn on a scratch database of its own: the existing migrations replayed, the new ones applied and
 * rolled back, the scratch database removed.
 */
export async function rehearseMigrations(config: ResolvedConfig, engine: Engine, dir: string, files: Array<{ name: string; text: string }>): Promise<void> {
  const s = await openReplayed({ ...config, migrationsDir: dir }, engine);
  try {
    await rehearseIn(s, dir, files);
  } finally {
    await s.close();
  }
}

/**
 * The hint of a failed rehearsal. The declaration holds tables, types of columns, indexes and constraints:
 * a function, extension, sequence or type it names but does not declare is missing from the scratch database
 * unless a migration before this one creates it (adopting a database: LemmyNet/lemmy's defaults call its own
 * functions, and its indexes use pg_trgm's operator classes and ltree).
 */
export function rehearsalHint(message: string): string {
  // a relation only when it is a sequence by its name: a missing table is the plan's own doing, not an undeclared object
  if (/\b(?:function|type|operator class|extension)\b.*\bdoes not exist\b|\brelation "[^"]*seq" does not exist\b|\bno default operator class\b/i.test(message)) {
    return 'the declaration names an object it does not declare (a function, extension, sequence or type): create it in a hand-written migration before this one (e.g. `create extension if not exists pg_trgm`), then run migrate diff again';
  }
  return 'the engine cannot make this change as planned: declare it differently (or for fewer engines), or write this migration by hand';
}
