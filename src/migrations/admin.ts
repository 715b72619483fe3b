import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Engine, ResolvedConfig } from '../config/index.js';
import type { Connection } from '../dialects/types.js';
import { EventdbError } from '../errors.js';
import { graphProblems, orderMigrations, renderGraph, type GraphFormat } from './graph.js';
import { clearFailedAttempts, ensureHistory, failedAttempts, HISTORY_TABLE, logAttempt, nextBatch, ownTables, recordApplied } from './history.js';
import { assertMigrationsDir, loadMigrations, scanMigrations } from './loader.js';
import { nextMigrationIdsIn } from './next-id.js';
import { DEFAULT_LOCK_TIMEOUT_MS, loadContext } from './plan.js';
import { computeStatus, readHistoryIfAny } from './status.js';
import { usageError } from './up.js';

/** Marks migrations up to and including `to` as applied without running them (adopting an existing database). */
export async function baseline(conn: Connection, config: ResolvedConfig, opts: { to: string; lockTimeoutMs?: number }): Promise<{ baselined: string[]; alreadyApplied: string[]; batch: number | null }> {
  return conn.withLock('migrate', { timeoutMs: opts.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS }, async () => {
    const ctx = await loadContext(conn, config);
    const idx = ctx.ordered.findIndex((m) => m.id === opts.to);
    if (idx < 0) throw usageError('UNKNOWN_MIGRATION', `--to ${opts.to}: no such migration`, 'use an ID shown by `eventdb migrate status`');
    const applied = new Set(ctx.history.map((h) => h.id));
    const upTo = ctx.ordered.slice(0, idx + 1);
    const todo = upTo.filter((m) => !applied.has(m.id));
    if (!todo.length) return { baselined: [], alreadyApplied: upTo.map((m) => m.id), batch: null };
    if (conn.noSchema) throw conn.noSchema;
    const own = ownTables(conn, conn.db);
    await ensureHistory(own, conn.engine);
    const batch = await nextBatch(own);
    await own.transaction().execute(async (trx) => {
      const now = new Date();
      for (const m of todo) {
        await recordApplied(trx, { id: m.id, checksum: m.checksum, appliedAt: now, durationMs: 0, batch, file: m.file, kind: m.kind });
        await logAttempt(trx, { id: m.id, direction: 'baseline', outcome: 'baselined', checksum: m.checksum, startedAt: now, durationMs: 0, batch });
      }
    });
    return { baselined: todo.map((m) => m.id), alreadyApplied: upTo.filter((m) => applied.has(m.id)).map((m) => m.id), batch };
  });
}

export interface RepairResult {
  updated: Array<{ id: string; from: string; to: string }>;
  clearedFailedAttempts: number;
}

/** Re-records the checksums of changed files and clears failed attempts; every change is logged. */
export async function repair(conn: Connection, config: ResolvedConfig, opts: { lockTimeoutMs?: number } = {}): Promise<RepairResult> {
  return conn.withLock('migrate', { timeoutMs: opts.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS }, async () => {
    const files = await loadMigrations(config.migrationsDir, conn.engine, { importTs: false });
    const own = ownTables(conn, conn.db);
    const h = await readHistoryIfAny(own);
    if (!h.exists) return { updated: [], clearedFailedAttempts: 0 };
    const changed = computeStatus(files, h.rows).filter((s) => s.state === 'changed');
    let cleared = 0;
    await own.transaction().execute(async (trx) => {
      const now = new Date();
      for (const c of changed) {
        await trx.updateTable(HISTORY_TABLE).set({ checksum: c.fileChecksum }).where('id', '=', c.id).execute();
        await logAttempt(trx, { id: c.id, direction: 'repair', outcome: 'repaired', checksum: c.fileChecksum, startedAt: now, durationMs: 0, error: `checksum ${c.checksum} replaced by ${c.fileChecksum}` });
      }
      cleared = await clearFailedAttempts(trx);
    });
    return { updated: changed.map((c) => ({ id: c.id, from: c.checksum, to: c.fileChecksum! })), clearedFailedAttempts: cleared };
  });
}

export interface ValidationProblem {
  code: string;
  message: string;
  hint: string;
  id?: string;
}

/** Every problem at once: malformed files, duplicates, missing variants, graph problems, changed and missing files. */
export async function validateMigrations(conn: Connection | undefined, config: ResolvedConfig, engine: Engine): Promise<{ problems: ValidationProblem[]; migrations: number; warnings: ValidationProblem[] }> {
  const scan = await scanMigrations(config.migrationsDir, engine);
  const problems: ValidationProblem[] = scan.problems.map((e) => ({ code: e.code, message: e.message, hint: e.hint }));
  for (const e of graphProblems(scan.migrations)) problems.push({ code: e.code, message: e.message, hint: e.hint });
  const warnings: ValidationProblem[] = [];
  if (conn) {
    const own = ownTables(conn, conn.db);
    const h = await readHistoryIfAny(own);
    for (const s of computeStatus(scan.migrations, h.rows)) {
      if (s.state === 'changed') problems.push({ code: 'CHECKSUM_MISMATCH', id: s.id, message: `${s.id} changed since it was applied (applied ${s.checksum}, file ${s.fileChecksum})`, hint: 'revert the file, or run `eventdb migrate repair --yes`' });
      if (s.state === 'missing') problems.push({ code: 'MISSING_FILE', id: s.id, message: `${s.id} is applied but has no file (unknown applied ID)`, hint: 'restore the file from version control' });
    }
    for (const f of h.exists ? await failedAttempts(own) : []) {
      warnings.push({ code: 'FAILED_ATTEMPT', id: f.id, message: `${f.id} failed at ${f.startedAt}: ${f.error}`, hint: 'fix and re-run `eventdb migrate up`; `eventdb migrate repair --yes` clears the record' });
    }
  }
  return { problems, migrations: scan.migrations.length, warnings };
}

/** The dependency graph of the migrations for `engine`, with states when a connection is given. */
export async function migrationGraph(config: ResolvedConfig, engine: Engine, format: GraphFormat, conn?: Connection): Promise<{ graph: string; nodes: Array<{ id: string; dependsOn: string[]; state?: string }> }> {
  const ordered = orderMigrations(await loadMigrations(config.migrationsDir, engine));
  const states = new Map<string, string>();
  if (conn) for (const s of computeStatus(ordered, (await readHistoryIfAny(ownTables(conn, conn.db))).rows)) states.set(s.id, s.state);
  return { graph: renderGraph(ordered, format, states), nodes: ordered.map((m) => ({ id: m.id, dependsOn: m.dependsOn, state: states.get(m.id) })) };
}

const SQL_TEMPLATE = (id: string) => `-- ${id}
-- Header lines (optional):
--   -- eventdb:depends-on <ID>      run after another migration
--   -- eventdb:no-transaction       run outside a transaction (e.g. CREATE INDEX CONCURRENTLY)

-- eventdb:up


-- eventdb:down

`;

const TS_TEMPLATE = (id: string) => `import type { Kysely } from 'kysely';

// ${id}
export const meta = { dependsOn: [] as string[], transaction: true, description: '' };

export async function up(db: Kysely<any>): Promise<void> {
  // await db.schema.createTable('example').addColumn('id', 'integer', (c) => c.primaryKey()).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  // await db.schema.dropTable('example').execute();
}
`;

/**
 * Writes a new migration with the next ID in the folder's naming style (next-id.ts: the next number
 * keeping the folder's width, the current UTC time for timestamps, diesel's and Flyway's styles too).
 */
const MAX_NAME = 120;

export function createMigration(dir: string, name: string, opts: { format?: 'sql' | 'ts'; engine?: Engine; now?: Date } = {}): { id: string; file: string } {
  assertMigrationsDir(dir);
  const slug = name.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  if (!slug) throw usageError('USAGE', `invalid migration name "${name}"`, 'use letters, digits and underscores, e.g. `eventdb migrate create add_waitlist`');
  // A file name holds at most 255 bytes; the ID prefix and `.postgres.sql` need room too.
  if (slug.length > MAX_NAME) throw usageError('USAGE', `migration name is too long (${slug.length} characters; at most ${MAX_NAME})`, 'use a short name that says what changes, e.g. `eventdb migrate create add_waitlist`');
  const [id] = nextMigrationIdsIn(dir, slug, 1, opts.now) as [string];
  const format = opts.format ?? 'sql';
  const file = join(dir, `${id}${opts.engine ? `.${opts.engine}` : ''}.${format}`);
  if (existsSync(file)) throw new EventdbError('EXISTS', `${basename(file)} already exists`, 'choose another name');
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, format === 'sql' ? SQL_TEMPLATE(id) : TS_TEMPLATE(id), { flag: 'wx' });
  return { id, file };
}
