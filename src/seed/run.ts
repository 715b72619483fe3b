import { sql, type Kysely } from 'kysely';
import { resolve as resolvePath } from 'node:path';
import type { ResolvedConfig } from '../config/index.js';
import type { BoundBatch, Connection } from '../dialects/types.js';
import { EventdbError, messageOf } from '../errors.js';
import { createGenerators, DATA_TABLES, PLATFORM_LANES, PLATFORM_ORDER, type Plan, type TableGen, type Tier } from './platform.js';
import { REFERENCE_NOW, shapeFor } from './profiles.js';
import { withoutGenerated } from './generated.js';
import { CSV_MAX_PART_ROWS, CSV_PART_ROWS, openCsvParts } from './csv-load.js';
import { openBatchParts } from './batch-load.js';
import { Random } from './random.js';
import { mark } from '../trace.js';
import type { SeedOptions, SeedResult, SeedTableResult } from './types.js';
import * as W from './words.js';

const DEFAULT_SEED = 42;
const DEFAULT_BATCH = 8_192;
/**
 * DuckDB, for the rows that go through bulkInsert (reference rows, custom seeds; the profile's tables
 * go through bulkLoadCsv): one data chunk (2,048 rows) per batch. Its loader copies each batch into a native chunk at
 * once, so a bigger batch only keeps more rows alive across the garbage collector's young-generation
 * passes: at 8,192 they are promoted and the old generation grows (load --scale 3: heap 95 → 63 MB,
 * less time collecting; issue 18).
 */
const DUCKDB_BATCH = 2_048;
/**
 * SQLite's bound batches (Connection.bulkInsertBound): 2,048 rows. Each batch's text is one string on
 * the loading thread, alive while the batch is bound; at 8,192 rows (0.5–2 MB) they outlived young
 * collections and peak RSS grew with the rows (scale 20: 247 → 207 MB; scale 3 no slower).
 */
const BOUND_BATCH = 2_048;
/** The tiers migration 0001 inserts; used only when the table is there but empty. */
const DEFAULT_TIERS = [
  { code: 'platinum', name: 'Platinum', rank: 1, min_points: 1000, description: 'Early registration and priority waitlist' },
  { code: 'diamond', name: 'Diamond', rank: 2, min_points: 5000, description: 'Platinum benefits plus members-only events' },
  { code: 'black', name: 'Black', rank: 3, min_points: 20000, description: 'Every benefit, including invitation-only events' },
];

/**
 * Groups rows into arrays of `size` for the bulk loader. A synchronous source (the generators) is
 * walked synchronously: `for await` over it costs a promise and a microtask per row (~0.2 s of CPU
 * per million rows).
 */
export async function* batched(rows: Iterable<unknown[]> | AsyncIterable<unknown[]>, size = DEFAULT_BATCH): AsyncIterable<unknown[][]> {
  let batch: unknown[][] = [];
  if (Symbol.iterator in rows) {
    for (const row of rows) {
      batch.push(row);
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
  } else {
    for await (const row of rows) {
      batch.push(row);
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length) yield batch;
}

async function count(db: Kysely<any>, table: string): Promise<number> {
  const r = await sql<{ n: number | string | bigint }>`select count(*) as n from ${sql.table(table)}`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

async function maxId(db: Kysely<any>, table: string, column: string): Promise<number> {
  const r = await sql<{ m: number | string | bigint | null }>`select max(${sql.ref(column)}) as m from ${sql.table(table)}`.execute(db);
  return Number(r.rows[0]?.m ?? 0);
}

/**
 * After loading explicit ids, moves the table's id generator past them, so the application's next
 * insert does not collide (Connection.syncIdSequence: PostgreSQL setval, DuckDB draws sequence values,
 * SQLite needs nothing).
 */
async function syncIdGenerator(conn: Connection, table: string, columns: Map<string, { default: string | null }>): Promise<void> {
  const id = columns.get('id');
  if (!id) return;
  await conn.syncIdSequence(table, id.default);
}

interface LiveTable {
  columns: Map<string, { default: string | null; nullable: boolean }>;
  /** Generated columns: the database computes them, the seed never writes them. */
  generated: Set<string>;
}

async function liveTables(conn: Connection): Promise<Map<string, LiveTable>> {
  const snap = await conn.introspect();
  const out = new Map<string, LiveTable>();
  for (const t of snap.tables) out.set(t.name, { columns: new Map(t.columns.map((c) => [c.name, { default: c.default, nullable: c.nullable }])), generated: new Set(t.columns.filter((c) => c.generated).map((c) => c.name)) });
  return out;
}

function checkSafety(config: ResolvedConfig, opts: SeedOptions): void {
  if (config.environment === 'production' && !(opts.allowProduction && opts.yes)) {
    throw new EventdbError('PRODUCTION_REFUSED', `refusing to seed the production database "${config.database.name}"`, 'seed data belongs in development and test; if you really mean it, pass --allow-production --yes');
  }
  if (opts.reset && opts.append) throw new EventdbError('USAGE', '--reset and --append cannot be used together', 'choose one: --reset empties the platform tables first, --append adds to them');
  if (opts.reset && config.environment !== 'development' && config.environment !== 'test') {
    throw new EventdbError('SAFETY', `--reset is refused in the ${config.environment} environment`, 'reset empties every platform table: run it against a development or test database only (--env development)');
  }
}

/**
 * Seeds the platform: a profile's generated rows (minimal, demo, load × scale) and/or a custom seed
 * module, through the engine's bulk loader, in constant memory. Refuses production unless allowed
 * and confirmed, and a database that already holds platform data unless `append` or `reset`.
 */
export async function seedDatabase(conn: Connection, config: ResolvedConfig, opts: SeedOptions = {}): Promise<SeedResult> {
  checkSafety(config, opts);
  const seed = opts.seed ?? DEFAULT_SEED;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new EventdbError('USAGE', `--seed must be a non-negative integer, got ${seed}`, 'e.g. --seed 42');
  const scale = opts.scale ?? 1;
  if (!Number.isInteger(scale) || scale < 1) throw new EventdbError('USAGE', `--scale must be a positive integer, got ${scale}`, 'e.g. --scale 10 for about 1,000,000 registrations');
  const nowMs = opts.now ? opts.now.getTime() : opts.seedGiven ? REFERENCE_NOW.getTime() : Math.floor(Date.now() / 86_400_000) * 86_400_000;
  if (Number.isNaN(nowMs)) throw new EventdbError('USAGE', 'invalid --now', 'give an ISO 8601 instant, e.g. 2025-06-01T12:00:00Z');
  const now = new Date(nowMs);
  const profile = opts.profile ?? (opts.file ? null : 'demo');
  if (opts.file) (await import('./custom.js')).findSeedFile(opts.file, resolvePath(config.cwd, config.seedsDir)); // before any row is written
  const batchSize = opts.batchSize ?? (conn.engine === 'duckdb' ? DUCKDB_BATCH : DEFAULT_BATCH);

  mark('seed: start');
  const live = await liveTables(conn);
  mark('seed: tables read');
  if (profile && profile !== 'minimal' && !live.has('users')) {
    throw new EventdbError('SEED_NO_SCHEMA', 'the platform tables do not exist in this database', 'run `eventdb migrate up` first, then seed');
  }
  const notes: string[] = [];
  const tables: SeedTableResult[] = [];
  const cleared: Record<string, number> = {};
  const started = performance.now();
  let totalRows = 0;
  const result: SeedResult = {
    engine: conn.engine,
    profile,
    file: opts.file ?? null,
    scale: profile === 'load' ? scale : null,
    seed,
    now: now.toISOString(),
    mode: 'fresh',
    cleared,
    tables,
    totalRows: 0,
    ms: 0,
    rowsPerSec: 0,
    notes,
  };

  /** Reports a table's load as it goes (opts.onProgress): the returned function adds rows loaded since `t0`. */
  const counter = (table: string, expected: number | undefined, t0: number): ((rows: number) => void) => {
    let n = 0;
    return (rows) => {
      n += rows;
      opts.onProgress?.({ table, rows: n, expected, elapsedMs: performance.now() - t0, totalRows: totalRows + n });
    };
  };

  const load = async (table: string, allColumns: string[], allRows: Iterable<unknown[]> | AsyncIterable<unknown[]>, expected?: number, skipTriggers = false, rebuildIndexes = false): Promise<number> => {
    // a table a custom seed created after the start: read it again, for its generated columns
    if (!live.has(table)) for (const [name, info] of await liveTables(conn)) if (!live.has(name)) live.set(name, info);
    const { columns, rows, dropped } = withoutGenerated(allColumns, allRows, live.get(table)?.generated ?? new Set());
    noteGenerated(notes, table, dropped);
    const t0 = performance.now();
    const report = counter(table, expected, t0);
    const progress = async function* (src: AsyncIterable<unknown[][]>) {
      for await (const b of src) {
        yield b;
        report(b.length);
      }
    };
    const loaded = await conn.bulkInsert(table, columns, progress(batched(rows, batchSize)), { skipTriggers, rebuildIndexes, recheckForeignKeys: rebuildIndexes });
    await account(table, loaded, performance.now() - t0);
    return loaded;
  };
  /** Adds a load to the result and moves the table's id generator past the rows. */
  const account = async (table: string, loaded: number, ms: number): Promise<void> => {
    totalRows += loaded;
    const prev = tables.find((t) => t.table === table);
    if (prev) {
      prev.rows += loaded;
      prev.ms += ms;
      prev.rowsPerSec = Math.round(prev.rows / (prev.ms / 1000 || 1));
    } else tables.push({ table, rows: loaded, ms, rowsPerSec: Math.round(loaded / (ms / 1000 || 1e-3)) });
    const info = live.get(table);
    if (info) await syncIdGenerator(conn, table, info.columns);
  };

  /**
   * The engine loads files itself (Connection.bulkLoadCsv): a worker thread writes each table as CSV
   * files while the engine loads the files written before; after lane 0, two lanes of tables load
   * side by side (PLATFORM_LANES). The result lists the tables in PLATFORM_ORDER, as the other path.
   */
  const loadThroughFiles = async (bulkLoadCsv: NonNullable<Connection['bulkLoadCsv']>, plan: Plan, gens: Record<string, TableGen>, present: Array<(typeof PLATFORM_ORDER)[number]>): Promise<void> => {
    const jobs = present.map((t) => ({ table: t, lane: PLATFORM_LANES[t], gen: gens[t]!, ...kept(gens[t]!, live.get(t)!, notes) }));
    mark('seed: plan ready');
    const parts = openCsvParts({ plan: crossing(plan), jobs: jobs.map((j) => ({ table: j.table, pick: j.pick, lane: j.lane })), partRows: CSV_PART_ROWS, maxPartRows: CSV_MAX_PART_ROWS });
    for (const { table } of jobs) if (!tables.some((t) => t.table === table)) tables.push({ table, rows: 0, ms: 0, rowsPerSec: 0 });
    const loadJob = async (j: number) => {
      const { table, columns, gen } = jobs[j]!;
      const t0 = performance.now();
      const files = parts.files(j, counter(table, gen.expected, t0));
      await account(table, await bulkLoadCsv(table, columns, files), performance.now() - t0);
      mark(`seed: ${table} loaded`);
    };
    const lane = async (k: number) => {
      for (let j = 0; j < jobs.length; j++) if (jobs[j]!.lane === k) await loadJob(j);
    };
    try {
      await lane(0);
      mark('seed: lane 0 loaded');
      const others = [...new Set(jobs.map((j) => j.lane))].filter((k) => k !== 0);
      // A failed lane stops the others (their table in progress rolls back), and its error is the one reported.
      const stop = (e: unknown) => {
        parts.abort(e instanceof EventdbError ? e : new EventdbError('BULK_INSERT', messageOf(e), 'nothing of that table was loaded'));
        throw e;
      };
      const settled = await Promise.allSettled(others.map((k) => lane(k).catch(stop)));
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      mark('seed: lanes loaded');
    } finally {
      await parts.close();
    }
  };

  /**
   * The engine binds values handed over ready (Connection.bulkInsertBound): a worker thread generates
   * and encodes the tables' rows, a few batches ahead, while this thread binds the ones before. Tables
   * load one after another, in PLATFORM_ORDER, as on the rows path.
   */
  const loadThroughBatches = async (bulkInsertBound: NonNullable<Connection['bulkInsertBound']>, plan: Plan, gens: Record<string, TableGen>, present: Array<(typeof PLATFORM_ORDER)[number]>, mode: SeedResult['mode']): Promise<void> => {
    const jobs = present.map((t) => ({ table: t, gen: gens[t]!, ...kept(gens[t]!, live.get(t)!, notes) }));
    const parts = openBatchParts({ plan: crossing(plan), jobs: jobs.map((j) => ({ table: j.table, pick: j.pick })), batchRows: opts.batchSize ?? BOUND_BATCH });
    try {
      for (let j = 0; j < jobs.length; j++) {
        const { table, columns, gen } = jobs[j]!;
        const t0 = performance.now();
        const report = counter(table, gen.expected, t0);
        const progress = async function* (src: AsyncIterable<BoundBatch>) {
          for await (const b of src) {
            yield b;
            report(b.rows);
          }
        };
        // The platform's triggers (capacity guard, loyalty cache, audit) are kept by construction.
        const loaded = await bulkInsertBound(table, columns, progress(parts.batches(j)), { skipTriggers: true, rebuildIndexes: mode !== 'append', recheckForeignKeys: mode !== 'append' });
        await account(table, loaded, performance.now() - t0);
      }
    } finally {
      await parts.close();
    }
  };

  await conn.withLock('migrate', { timeoutMs: 10_000 }, async () => {
    mark('seed: lock taken');
    // Refuse (or clear) a database that already holds platform data.
    const present = DATA_TABLES.filter((t) => live.has(t));
    const holding: string[] = [];
    for (const t of present) if ((await count(conn.db, t)) > 0) holding.push(t);
    if (holding.length && !opts.append && !opts.reset) {
      throw new EventdbError('SEED_NOT_EMPTY', `the database already holds platform data (${holding.join(', ')})`, 'nothing was changed; pass --append to add to it, or --reset to empty the platform tables first (development/test only)');
    }
    if (opts.reset) {
      for (const t of present) cleared[t] = await count(conn.db, t);
      const toClear = [...present, ...(live.has('event_categories') ? ['event_categories'] : [])];
      // The engine's way: all or nothing where it can, the tables' own triggers not firing (Connection.resetTables).
      await conn.resetTables(toClear);
    }
    const mode: SeedResult['mode'] = opts.reset ? 'reset' : holding.length ? 'append' : 'fresh';

    if (profile) {
      // Reference rows: membership tiers (from the migration, or ours if the table is empty) and categories.
      let tiers: Tier[] = [];
      if (live.has('membership_tiers')) {
        if ((await count(conn.db, 'membership_tiers')) === 0) {
          await load('membership_tiers', ['code', 'name', 'rank', 'min_points', 'description'], DEFAULT_TIERS.map((t) => [t.code, t.name, t.rank, t.min_points, t.description]));
        }
        const r = await sql<{ code: string; min_points: number }>`select code, min_points from membership_tiers`.execute(conn.db);
        tiers = r.rows.map((x) => ({ code: x.code, minPoints: Number(x.min_points) }));
      }
      let categoryIds: number[] = [];
      if (live.has('event_categories')) {
        const existing = await sql<{ id: number; slug: string }>`select id, slug from event_categories`.execute(conn.db);
        const bySlug = new Map(existing.rows.map((x) => [x.slug, Number(x.id)]));
        let next = await maxId(conn.db, 'event_categories', 'id');
        const add: unknown[][] = [];
        for (const c of W.CATEGORIES) {
          if (!bySlug.has(c.slug)) {
            bySlug.set(c.slug, ++next);
            add.push([next, c.slug, c.name, c.description, new Date(now.getTime() - 400 * 86_400_000)]);
          }
        }
        if (add.length) await load('event_categories', ['id', 'slug', 'name', 'description', 'created_at'], add, add.length, true);
        categoryIds = W.CATEGORIES.map((c) => bySlug.get(c.slug)!);
      }

      const shape = shapeFor(profile, scale);
      if (shape) {
        const base: Record<string, number> = {};
        for (const t of PLATFORM_ORDER) {
          const info = live.get(t);
          if (!info) continue;
          const key = info.columns.has('id') ? 'id' : info.columns.has('registration_id') ? 'registration_id' : null;
          base[t] = key && mode === 'append' ? await maxId(conn.db, t, key) : 0;
        }
        const plan: Plan = { seed, now, shape, base, categoryIds, tiers };
        const gens = createGenerators(plan);
        const present: Array<(typeof PLATFORM_ORDER)[number]> = [];
        for (const t of PLATFORM_ORDER) {
          if (live.has(t)) present.push(t);
          else notes.push(`table ${t} does not exist on this database; skipped`);
        }
        if (conn.bulkLoadCsv) await loadThroughFiles(conn.bulkLoadCsv.bind(conn), plan, gens, present);
        else if (conn.bulkInsertBound) await loadThroughBatches(conn.bulkInsertBound.bind(conn), plan, gens, present, mode);
        else {
          for (const t of present) {
            const gen = gens[t]!;
            const { columns, rows } = project(gen, live.get(t)!, notes);
            // The platform's triggers (capacity guard, loyalty cache, audit) are kept by construction.
            await load(t, columns, rows, gen.expected, true, mode !== 'append');
          }
        }
      }
    }

    if (opts.file) {
      const { runCustomSeed } = await import('./custom.js');
      await runCustomSeed(opts.file, {
        db: conn.db,
        engine: conn.engine,
        random: new Random(seed),
        now,
        seed,
        scale,
        bulkInsert: (table, columns, rows) => load(table, columns, rows),
      }, resolvePath(config.cwd, config.seedsDir));
    }
    result.mode = mode;
  });

  const ms = performance.now() - started;
  result.tables = tables;
  result.cleared = cleared;
  result.totalRows = totalRows;
  result.ms = Math.round(ms);
  result.rowsPerSec = Math.round(totalRows / (ms / 1000 || 1e-3));
  return result;
}

/** The plan as it crosses to a worker thread (structured clone): its instant as epoch milliseconds. */
function crossing(plan: Plan): Omit<Plan, 'now'> & { nowMs: number } {
  const { now, ...rest } = plan;
  return { ...rest, nowMs: now.getTime() };
}

function noteGenerated(notes: string[], table: string, dropped: string[]): void {
  const note = `${table}: generated column${dropped.length > 1 ? 's' : ''} ${dropped.join(', ')} left out (the database computes ${dropped.length > 1 ? 'them' : 'it'})`;
  if (dropped.length && !notes.includes(note)) notes.push(note);
}

function noteMissing(notes: string[], gen: TableGen, info: LiveTable): number[] {
  const idx = gen.columns.map((_, i) => i).filter((i) => info.columns.has(gen.columns[i]!));
  const missing = gen.columns.filter((c) => !info.columns.has(c));
  if (missing.length) notes.push(`${gen.table}: column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not present; left out`);
  return idx;
}

/** Keeps the generator's columns that the live table has (an engine may lack one), in order. */
function project(gen: TableGen, info: LiveTable, notes: string[]): { columns: string[]; rows: Iterable<unknown[]> } {
  const idx = noteMissing(notes, gen, info);
  if (idx.length === gen.columns.length) return { columns: gen.columns, rows: gen.rows() };
  return {
    columns: idx.map((i) => gen.columns[i]!),
    rows: (function* () {
      for (const row of gen.rows()) yield idx.map((i) => row[i]);
    })(),
  };
}

/** The generator's columns to load, by index: present in the live table and not generated (with the notes `load` makes). */
function kept(gen: TableGen, info: LiveTable, notes: string[]): { columns: string[]; pick: number[] } {
  const present = noteMissing(notes, gen, info);
  noteGenerated(notes, gen.table, present.map((i) => gen.columns[i]!).filter((c) => info.generated.has(c)));
  const pick = present.filter((i) => !info.generated.has(gen.columns[i]!));
  return { columns: pick.map((i) => gen.columns[i]!), pick };
}
