import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ResolvedConfig } from '../config/index.js';
import type { Connection, SchemaSnapshot } from '../dialects/types.js';
import { EventdbError, messageOf } from '../errors.js';
import { runDataRules } from './data-rules.js';
import { checkReferenceRows, diffSchema, tablesFor } from './diff.js';
import { checkDrift, type Replay } from './drift.js';
import { finding, isFailure, type CheckGroup, type DiffItem, type ValidationFinding, type ValidationResult } from './findings.js';
import { HISTORY_TABLE } from '../migrations/history.js';
import { checkMigrations, loadMigrationsApi, migrationsDir, type MigrationStatus, type MigrationsApi } from './migrations-check.js';
import type { ExpectedSchema } from './model.js';
import { SCRATCH_NOTE, scratchReplayHint } from '../migrations/scratch-hint.js';

export interface ValidateOptions {
  /** The expected schema; default: loaded from the configured schema folder (`schema/`). */
  expected?: ExpectedSchema | null;
  /** Run the drift check (default true). */
  drift?: boolean;
  /** Warnings fail the run. Default: strict in production, lenient elsewhere. */
  strict?: boolean;
  /** How the migrations are replayed into the scratch database (default: the migrations module's `migrateUp`). */
  replay?: Replay;
  /** The migrations module; `false` skips the migrations group. */
  migrations?: MigrationsApi | false;
}

/** Everything the checks found, with the auto-fix actions beside the findings. */
export interface Collected {
  items: DiffItem[];
  expected: ExpectedSchema | null;
  live: SchemaSnapshot;
  checks: Record<CheckGroup, 'ran' | 'skipped'>;
}

export function schemaDir(config: ResolvedConfig): string {
  return isAbsolute(config.schemaDir) ? config.schemaDir : resolve(config.cwd, config.schemaDir);
}

/** Loads `schema/` through the schema loader (issue 5), or null when the folder does not exist. */
export async function loadExpected(config: ResolvedConfig): Promise<ExpectedSchema | null> {
  const dir = schemaDir(config);
  if (!existsSync(dir)) return null;
  const { loadExpectedSchema } = await import('./loader.js');
  return loadExpectedSchema(dir);
}

/** Refuses a database whose engine the expected schema does not support. */
export function assertEngineSupported(expected: ExpectedSchema, engine: string): void {
  const declared = expected.engines;
  const unsupported = declared ? !declared.includes(engine as never) : expected.tables.length > 0 && tablesFor(expected, engine as never).length === 0;
  if (unsupported) {
    const list = declared ?? [...new Set(expected.tables.flatMap((t) => t.engines ?? []))];
    throw new EventdbError('UNSUPPORTED_ENGINE', `the expected schema does not support ${engine} (it is written for ${list.join(', ')})`, `point --url at a ${list.join(' or ')} database, or declare ${engine} in schema/`);
  }
}

export async function collectFindings(conn: Connection, config: ResolvedConfig, opts: ValidateOptions = {}): Promise<Collected> {
  const expected = opts.expected !== undefined ? opts.expected : await loadExpected(config);
  if (expected) assertEngineSupported(expected, conn.engine);
  const live = await conn.introspect();
  const liveTables = new Set(live.tables.map((t) => t.name));
  const checks: Collected['checks'] = { migrations: 'skipped', schema: 'skipped', drift: 'skipped', data: 'skipped' };
  const items: DiffItem[] = [];
  for (const u of live.unreadable ?? []) {
    items.push({ finding: finding('schema', 'warning', 'unreadable-table', `table ${u.name}`, `table ${u.name} cannot be read here and was not checked: ${u.reason}`, { kind: 'manual', description: 'a virtual table whose module this SQLite build lacks (load the extension where the application runs); its data is still backed up', sql: [] }) });
  }

  let status: MigrationStatus | undefined;
  if (opts.migrations !== false) {
    checks.migrations = 'ran';
    const group = await checkMigrations(conn, config, liveTables, opts.migrations);
    items.push(...group.items);
    status = group.status;
  }
  if (expected) {
    checks.schema = 'ran';
    items.push(...diffSchema(conn.db, expected, live));
    items.push(...(await checkReferenceRows(conn.db, expected, live)));
  } else {
    items.push({ finding: finding('schema', 'info', 'no-schema-dir', 'schema', `no expected schema at ${schemaDir(config)}; schema and data checks skipped`, { kind: 'manual', description: 'run `eventdb init`, or point EVENTDB_SCHEMA_DIR / schemaDir at the folder', sql: [] }) });
  }
  if (opts.drift !== false) {
    const replay = opts.replay ?? (existsSync(migrationsDir(config)) && opts.migrations !== false ? defaultReplay(conn, config, liveTables, opts.migrations || undefined, status) : undefined);
    if (replay) {
      checks.drift = 'ran';
      try {
        items.push(...(await checkDrift(conn, config, live, replay)).map((f) => ({ finding: f })));
      } catch (e) {
        const code = e instanceof EventdbError ? e.code : '';
        items.push({ finding: finding('drift', code === 'DRIFT_SCRATCH' ? 'warning' : 'error', 'drift-failed', 'drift', `drift check failed: ${messageOf(e)}`, { kind: 'manual', description: driftFailureHint(e), sql: [] }) });
      }
    }
  }
  if (expected) {
    checks.data = 'ran';
    const broken = new Set(items.filter((i) => i.finding.check === 'schema' && i.finding.level === 'error').map((i) => i.finding.object.split(' ')[1]!.split('.')[0]!));
    items.push(...(await runDataRules(conn.db, expected, conn.engine, liveTables, broken)).map((f) => ({ finding: f })));
  }
  return { items, expected, live, checks };
}

/**
 * Replays into the scratch database the migrations the live database has applied (a pending migration
 * is not drift: the migrations group reports it). A database without a history table gets every
 * migration, so drift says whether it is what they make (before `migrate baseline`). `known` is the
 * status the migrations group read already; without it the status is read here.
 */
function defaultReplay(live: Connection, liveConfig: ResolvedConfig, liveTables: ReadonlySet<string>, api?: MigrationsApi, known?: MigrationStatus): Replay {
  return async (scratch, config) => {
    const m = api ?? (await loadMigrationsApi());
    let only: Set<string> | undefined;
    if (liveTables.has(HISTORY_TABLE)) {
      const status = known ?? (await m.migrationStatus(live, liveConfig));
      only = new Set(status.migrations.filter((x) => x.state === 'applied' || x.state === 'changed').map((x) => x.id));
    }
    await m.migrateUp(scratch, config, { lockTimeoutMs: 0, force: true, ...(only ? { only, allowOutOfOrder: true } : {}) });
  };
}

/** The advice for a drift check that failed: a replayed migration's own hint, said to be about the scratch database it ran in. */
function driftFailureHint(e: unknown): string {
  const own = scratchReplayHint(e);
  if (e instanceof EventdbError && e.code === 'MIGRATION_FAILED') return `${own ?? 'fix the migration (`eventdb migrate up --dry-run` shows it)'} (${SCRATCH_NOTE}), or use --no-drift`;
  return own ?? 'run `eventdb migrate up --dry-run` to see which migration fails, or use --no-drift';
}

const GROUP_ORDER: CheckGroup[] = ['migrations', 'schema', 'drift', 'data'];

/** `eventdb validate`: is this database what the code expects? */
export async function validateDatabase(conn: Connection, config: ResolvedConfig, opts: ValidateOptions = {}): Promise<ValidationResult> {
  const started = performance.now();
  const c = await collectFindings(conn, config, opts);
  return summarise(c.items.map((i) => i.finding), c.checks, config, conn.engine, opts.strict, performance.now() - started);
}

export function summarise(all: ValidationFinding[], checks: Collected['checks'], config: ResolvedConfig, engine: string, strictOpt: boolean | undefined, durationMs: number): ValidationResult {
  const strict = strictOpt ?? config.environment === 'production';
  const findings = [...all].sort((a, b) => GROUP_ORDER.indexOf(a.check) - GROUP_ORDER.indexOf(b.check));
  const count = (l: string) => findings.filter((f) => f.level === l).length;
  const failures = findings.filter((f) => isFailure(f, strict)).length;
  return {
    ok: failures === 0,
    findings,
    summary: { ok: count('ok'), info: count('info'), warning: count('warning'), error: count('error'), failures, strict, environment: config.environment, engine, checks, durationMs: Math.round(durationMs) },
  };
}
