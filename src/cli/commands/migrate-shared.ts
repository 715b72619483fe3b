import type { Command } from 'commander';
import type { ResolvedConfig } from '../../config/index.js';
import type { Connection } from '../../dialects/types.js';
import { parseDuration } from '../../units.js';
import { EventdbError } from '../../errors.js';
import type { RiskGateDetails, StepFailure, StepResult, UpFailureDetails } from '../../migrations/index.js';
import type { CommandContext } from '../context.js';
import type { Output } from '../output.js';

export interface MigrateFlags {
  migrations?: string;
  lockTimeout?: string;
  dryRun?: boolean;
  force?: boolean;
}

export const migrationsFlag = (o: MigrateFlags) => ({ migrations: o.migrations });

/** The `migrate` command group (shared with `migrate lint`, registered elsewhere). */
export function migrateGroup(program: Command): Command {
  const existing = program.commands.find((c) => c.name() === 'migrate');
  const migrate = existing ?? program.command('migrate');
  migrate.description('migrations: status, up, down, create, validate, baseline, repair, graph, reset, lint');
  if (!migrate.options.some((o) => o.long === '--migrations')) migrate.option('--migrations <dir>', 'migrations folder (default: EVENTDB_MIGRATIONS_DIR, the config file, else ./migrations)');
  return migrate;
}

/**
 * A one-shot `migrate up` / `rollback` process: keep the risk gate's PostgreSQL parser (1.7 MB of WASM) in
 * V8's baseline tier (Liftoff), as `migrate lint` does. Tiering it up to TurboFan costs ~0.25 s of CPU on a
 * few hundred migrations and never pays back in one run. Not when the engine itself is WASM (PGlite),
 * whose queries need the optimising tier. Must run before the parser is loaded.
 */
export async function baselineWasmTier(cfg: ResolvedConfig): Promise<void> {
  const { entryOf } = await import('../../dialects/registry.js');
  if (!entryOf(cfg.database).wasm) await keepWasmInBaselineTier();
}

/**
 * V8's flags for that: `--liftoff-only`, with `--no-wasm-tier-up --no-wasm-dynamic-tiering` spelled out —
 * set at run time, `--liftoff-only` no longer implies them on Node 24 (V8 13), which then still tiers the
 * parser up on its background threads (either one alone is not enough there): `migrate lint` of ory/kratos's 346 files took 0.50 s (0.31 s of it system time)
 * instead of 0.17 s, and `migrate up` of them ~0.3 s more CPU than on Node 20.
 */
export async function keepWasmInBaselineTier(): Promise<void> {
  (await import('node:v8')).setFlagsFromString('--liftoff-only --no-wasm-tier-up --no-wasm-dynamic-tiering');
}

/** `--lock-timeout`: a duration (src/units.ts); a plain number is seconds. */
export function lockTimeoutMs(v: string | undefined): number | undefined {
  return v === undefined ? undefined : parseDuration(v, '--lock-timeout');
}

export function positiveInt(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new EventdbError('USAGE', `${what} ${v}: expected a whole number ≥ 1`, `for example ${what} 1`);
  return Number(v);
}

/**
 * Opens the database for a migration command and closes it after. DuckDB admits one process per
 * file, so opening waits as long as the migration lock would. `existingOnly`: a file database that
 * does not exist yet is not created (reading commands get `undefined`). `emptyIfAbsent`: nor is it
 * created for a command that finds nothing to do in an empty database (rollback, repair, reset): the
 * command runs on an empty in-memory database of the engine instead. `locks`: the command takes the
 * migration lock (ConnectOptions.lockSession). `whileConnecting`: work that needs no database, run once
 * the connection is on its way (a server's answer takes a backend's start), before `fn`; when the
 * connection would create a database file, it runs (and finishes: `creating`) first, so its failure (a
 * malformed migration) leaves no file behind.
 */
export async function withConnection<T>(
  cfg: ResolvedConfig,
  lockMs: number | undefined,
  fn: (conn: Connection | undefined) => Promise<T>,
  how: { existingOnly?: boolean; emptyIfAbsent?: boolean; locks?: boolean; whileConnecting?: (creating: boolean) => Promise<void> } = {},
): Promise<T> {
  const { existingOnly = false, emptyIfAbsent = false, locks = false } = how;
  let { whileConnecting } = how;
  const { getDialect, isServer } = await import('../../dialects/index.js');
  const { DEFAULT_LOCK_TIMEOUT_MS } = await import('../../migrations/defaults.js');
  const dialect = await getDialect(cfg.database.engine, cfg.database.driver);
  const absent = !isServer(cfg.database) && !(await dialect.exists(cfg));
  if (existingOnly && absent) return fn(undefined);
  if (!existingOnly) await requireMigrationsDir(cfg);
  if (absent && emptyIfAbsent) return withConnection(await emptyScratch(cfg), lockMs, fn, { locks, whileConnecting });
  if (absent && whileConnecting) {
    await whileConnecting(true);
    whileConnecting = undefined;
  }
  const connecting = dialect.connect(cfg, { lockWaitMs: lockMs ?? DEFAULT_LOCK_TIMEOUT_MS, lockSession: locks });
  if (whileConnecting) {
    connecting.catch(() => undefined); // awaited just below
    // setImmediate: after the connection's first bytes are written (microtasks and I/O come first).
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      await whileConnecting(false);
    } catch (e) {
      await connecting.then((c) => c.close(), () => undefined);
      throw e;
    }
  }
  const conn = await connecting;
  try {
    return await fn(conn);
  } finally {
    await conn.close();
  }
}

/**
 * `whileConnecting` for a command that writes history from the migration files (baseline): when the
 * database file does not exist yet, the files are read first, so a malformed one is refused before the
 * file is created (the command reads them again under the lock).
 */
export function readFilesFirst(cfg: ResolvedConfig): (creating: boolean) => Promise<void> {
  return async (creating) => {
    if (creating) await (await import('../../migrations/loader.js')).loadMigrations(cfg.migrationsDir, cfg.database.engine);
  };
}

/**
 * A command that reads the migrations checks their folder before it opens a database file or folder:
 * opening one that is not there creates it (and its lock files), and bad input must change nothing. A
 * server's database is never created by opening it (a missing one is DB_NOT_FOUND, as before).
 */
async function requireMigrationsDir(cfg: ResolvedConfig): Promise<void> {
  const { isServer } = await import('../../dialects/index.js');
  if (!isServer(cfg.database)) (await import('../../migrations/loader.js')).assertMigrationsDir(cfg.migrationsDir);
}

/**
 * The database a dry run rehearses on: the configured one, unless it is a database file (or PGlite
 * folder) that does not exist yet — opening it would create it and its lock files, while the run says
 * "nothing was changed". Such a database starts empty, so an empty in-memory database of the same engine
 * gets the same plan and the same verdict, and nothing is written to disk.
 */
export async function dryRunConfig(cfg: ResolvedConfig): Promise<ResolvedConfig> {
  const { isServer } = await import('../../dialects/index.js');
  if (isServer(cfg.database)) return cfg;
  await requireMigrationsDir(cfg); // a missing folder is refused as before, for the file named
  return scratchIfAbsent(cfg);
}

/**
 * The configured database, or, when it is a database file (or PGlite folder) that does not exist, an
 * empty in-memory database of its engine: what only reads or plans needs no file created (dry runs,
 * `auto-fix` without --apply).
 */
export async function scratchIfAbsent(cfg: ResolvedConfig): Promise<ResolvedConfig> {
  const { getDialect, isServer } = await import('../../dialects/index.js');
  if (isServer(cfg.database)) return cfg;
  const dialect = await getDialect(cfg.database.engine, cfg.database.driver);
  return (await dialect.exists(cfg)) ? cfg : emptyScratch(cfg);
}

/** An empty in-memory database of the engine of a file database that does not exist (scratchIfAbsent, withConnection). */
async function emptyScratch(cfg: ResolvedConfig): Promise<ResolvedConfig> {
  const { entryOf } = await import('../../dialects/index.js');
  const scratchUrl = entryOf(cfg.database).scratchUrl;
  if (!scratchUrl) return cfg;
  const { parseDatabaseUrl } = await import('../../config/index.js');
  return { ...cfg, database: parseDatabaseUrl(scratchUrl) };
}

/** Opens the database for a migration command (the caller closes it). */
export async function openForMigrate(cfg: ResolvedConfig, lockMs: number | undefined): Promise<Connection> {
  await requireMigrationsDir(cfg);
  const { getDialect } = await import('../../dialects/index.js');
  const { DEFAULT_LOCK_TIMEOUT_MS } = await import('../../migrations/defaults.js');
  const dialect = await getDialect(cfg.database.engine, cfg.database.driver);
  return dialect.connect(cfg, { lockWaitMs: lockMs ?? DEFAULT_LOCK_TIMEOUT_MS, lockSession: true });
}

export function renderFindings(out: Output, findings: unknown[], indent: string): void {
  for (const f of findings) {
    const x = f as { rule?: string; level?: string; message?: string; advice?: string };
    out.line(`${indent}risk ${x.level ?? '?'} ${x.rule ?? ''}: ${x.message ?? JSON.stringify(f)}${x.advice ? ` — ${x.advice}` : ''}`);
  }
}

/** A failed rehearsal (dry run): where it would fail, the statement, and the dialect's hint when it has one. */
/**
 * A rehearsal that passed: what it ran, and where it stopped and why when it could not rehearse the
 * whole plan (a no-transaction migration, an enum value added earlier in the plan). One that stopped
 * before the first migration rehearsed nothing and does not say "it would succeed".
 */
export function rehearsalSuccess(out: Output, r: { rehearsed: string[]; stoppedBefore?: string; stopReason?: string }, noun: string): string {
  const n = r.rehearsed.length;
  const ran = `${out.marker('ok')} rehearsal: ran ${n} ${noun}${n === 1 ? '' : 's'} in a transaction and rolled back`;
  if (!r.stoppedBefore) return `${ran} — it would succeed`;
  if (!n) return `${out.marker('info')} not rehearsed: stopped before the first ${noun}, ${r.stoppedBefore}: ${r.stopReason}`;
  return `${ran} — ${n === 1 ? 'it' : 'they'} would succeed; stopped before ${r.stoppedBefore}: ${r.stopReason}`;
}

export function rehearsalFailure(out: Output, e: StepFailure): string {
  return `${out.marker('fail')} rehearsal: would fail at ${e.id}: ${e.message}${e.statement ? `\n       statement: ${e.statement}` : ''}${e.hint ? `\n       hint: ${e.hint}` : ''}`;
}

/** A plan, step by step, with every statement (dry runs and --verbose); numbered by plan position, also when only the steps with findings are shown. */

export function renderPlan(out: Output, steps: StepResult[], showSql: boolean, onlyWithFindings = false): void {
  steps.forEach((s, i) => {
    if (onlyWithFindings && !s.findings.length) return;
    const file = s.file.split('/').pop();
    out.line(`${String(i + 1).padStart(3)}. ${s.direction === 'up' ? 'up  ' : 'down'} ${s.id}  (${file}${s.transaction ? '' : ', no transaction'})`);
    if (showSql) {
      if (!s.statements.length) out.line(s.kind === 'ts' && !s.captured ? '       (TypeScript: SQL not captured — not rehearsed)' : '       (no statements)');
      for (const st of s.statements) out.line(st.split('\n').map((l) => `       ${l}`).join('\n') + ';');
    }
    renderFindings(out, s.findings, '       ');
  });
}

/**
 * RISK_GATE: the plan the gate refused and the findings it refused for, then the error. Text: the plan
 * as a dry run shows it (every statement) with --dry-run, else the steps with findings; --json: `plan`
 * and `findings` beside `ok: false` and `error`.
 */
export function renderRefusal(ctx: CommandContext<MigrateFlags>, e: EventdbError): number {
  const { out } = ctx;
  const d = e.details as RiskGateDetails | undefined;
  if (!d?.plan) return out.error(e);
  if (out.json) {
    out.result(false, { engine: d.engine, plan: d.plan, findings: d.findings, error: e.toJSON() }, () => undefined);
    out.note(`error: ${e.message}`);
    return e.exitCode;
  }
  const n = d.plan.length;
  out.line(`refused on ${d.engine}: ${n} migration${n === 1 ? '' : 's'} planned, ${d.findings.length} risk finding${d.findings.length === 1 ? '' : 's'}; nothing was run`);
  renderPlan(out, d.plan, !!ctx.opts.dryRun, !ctx.opts.dryRun);
  return out.error(e);
}

/** MIGRATION_FAILED: what was done, then the failure (file, statement, engine's error). RISK_GATE: see renderRefusal. */
export function renderFailure(ctx: CommandContext<MigrateFlags>, e: unknown, doneKey: 'applied' | 'rolledBack'): number {
  const { out } = ctx;
  if (e instanceof EventdbError && e.code === 'RISK_GATE') return renderRefusal(ctx, e);
  if (!(e instanceof EventdbError) || e.code !== 'MIGRATION_FAILED') throw e;
  const d = e.details as UpFailureDetails;
  if (out.json) {
    out.result(false, { [doneKey]: d.applied, failed: d.failed, error: e.toJSON() }, () => undefined);
    out.note(`error: ${e.message}`);
    return e.exitCode;
  }
  // The migrations done before the failure were printed as they finished (progress lines).
  out.line(`${out.marker('fail')} ${d.failed.id}`);
  out.line(`       file:      ${d.failed.file}`);
  if (d.failed.statement) out.line(`       statement: ${d.failed.statement.split('\n').join('\n                  ')}`);
  out.line(`       error:     ${d.failed.message}`);
  return out.error(e);
}
