import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine, ResolvedConfig } from '../../config/index.js';
import { ENGINES } from '../../config/index.js';
import type { SchemaSnapshot } from '../../dialects/types.js';
import { EventdbError } from '../../errors.js';
import type { Finding } from '../../risk/types.js';
import { tablesFor } from '../diff.js';
import { migrationsDir } from '../migrations-check.js';
import type { ExpectedSchema } from '../model.js';
import { openReplayed, rehearseIn, type ReplayedScratch } from './replay.js';
import { groupSteps, layoutMigrations, nextIds, renderMigration, writeMigrations, type GeneratedFile, type StepLike } from './write.js';

/** A rename the user resolved: a column (`table.old:new`) or a table (`old:new`, `table` = the new name). */
export type RenameSpec = { table: string; from: string; to: string } | { table: string; fromTable: string };

/** A change the planner reports rather than plans. */
export interface ChangeNote {
  change: string;
  reason: string;
}

export interface RenameCandidate {
  table: string;
  from: string;
  to: string;
  /** `table`: `from` and `to` are table names. Default: a column of `table`. */
  kind?: 'column' | 'table';
}

/** How a candidate reads, and the flag that resolves it as a rename. */
export function describeCandidate(c: RenameCandidate): { what: string; flag: string } {
  if (c.kind === 'table') return { what: `table ${c.from} is gone and table ${c.to} is new`, flag: `--rename-table ${c.from}:${c.to}` };
  return { what: `${c.table}.${c.from} is gone and ${c.table}.${c.to} is new`, flag: `--rename ${c.table}.${c.from}:${c.to}` };
}

function resolve(c: RenameCandidate): RenameSpec {
  return c.kind === 'table' ? { table: c.to, fromTable: c.from } : { table: c.table, from: c.from, to: c.to };
}

/** What the planner returns (src/schema/generate/plan*.ts, planSchemaChange). */
export interface PlanLike {
  steps: StepLike[];
  omitted: ChangeNote[];
  refused: ChangeNote[];
  renameCandidates: RenameCandidate[];
}

export type Planner = (live: SchemaSnapshot, declared: ExpectedSchema, engine: Engine, opts: { allowDrop?: boolean; renames?: RenameSpec[] }) => PlanLike;

export interface MigrateDiffOptions {
  /** The new migration's name (`add_waitlist`): letters, digits, `_` and `-`. */
  name: string;
  /** Only compare: write nothing; `changed` says whether the declaration and the migrations disagree. */
  check?: boolean;
  /** Plan drops and narrowing type changes (else reported in `omitted` and left out). */
  allowDrop?: boolean;
  renames?: RenameSpec[];
  /** Asked for each possible rename the flags do not resolve (a terminal); without it they are an error. */
  confirmRename?: (c: RenameCandidate) => Promise<boolean>;
  /** The declaration (default: loaded from the configured schema folder). */
  expected?: ExpectedSchema;
  /** The planner (default: planSchemaChange). */
  planner?: Planner;
  /** Engines to plan for (default: every engine the declaration supports). */
  engines?: Engine[];
  /**
   * What the existing migrations produce on an engine (default: replayed into a scratch database).
   * For callers that already hold a database in exactly that state (the property test).
   */
  replayed?: (engine: Engine) => Promise<SchemaSnapshot>;
  /** Apply and roll back the generated migrations in a scratch database before writing them (default true). */
  rehearse?: boolean;
}

export interface EnginePlan {
  engine: Engine;
  steps: StepLike[];
  omitted: ChangeNote[];
}

export interface MigrateDiffResult {
  /** The declaration and the migrations disagree (steps to write, or changes left out). */
  changed: boolean;
  /** Files written (absolute paths); empty with --check or when nothing is to be done. */
  written: string[];
  /** The migrations planned (also with --check, unwritten). */
  files: Array<Pick<GeneratedFile, 'id' | 'variant' | 'name' | 'transaction' | 'up' | 'down' | 'accepted' | 'notes'>>;
  engines: EnginePlan[];
  /** Changes left out (drops without --allow-drop), per engine. */
  omitted: Array<ChangeNote & { engine: Engine }>;
  renames: RenameSpec[];
  /** Lint findings on the written migrations (accepted ones carry their reason). */
  findings: Finding[];
  check: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,119}$/;

/** Rules a generated up may carry when the declaration asks for that change, and why (the risk-accepted reason). */
const ACCEPTABLE_UP: Partial<Record<string, (allowDrop: boolean) => string | undefined>> = {
  'loss-drop-table': (d) => (d ? 'migrate diff --allow-drop: the declaration no longer has this table' : undefined),
  'loss-drop-column': (d) => (d ? 'migrate diff --allow-drop: the declaration no longer has this column' : undefined),
  'loss-narrowing-type': (d) => (d ? 'migrate diff --allow-drop: the declaration narrows this type' : undefined),
  'rewrite-column-type': () => 'the declaration changes the column type',
  // the planner splits every volatile default (add, set default, backfill): in its output this rule fires only on a stored generated column (issue 17)
  'rewrite-volatile-default': () => 'the declaration adds a stored generated column: PostgreSQL computes it for every row (a table rewrite)',
  'rewrite-sqlite-rebuild': () => "SQLite cannot ALTER this in place: SQLite's documented table rebuild, rows, indexes and triggers kept",
  'compat-rename-table': () => 'a rename resolved by --rename-table or on the terminal',
  'compat-rename-column': () => 'a rename resolved by --rename or on the terminal',
  'compat-drop-not-null': () => 'the declaration makes the column nullable',
  'lock-index-build': () => 'the declaration adds this index; the engine has no concurrent index build',
};

/** Parses `--rename table.old:new` values. */
export function parseColumnRename(v: string): RenameSpec {
  const m = /^([^.:\s]+)\.([^.:\s]+):([^.:\s]+)$/.exec(v.trim());
  if (!m) throw new EventdbError('USAGE', `--rename ${v}: expected table.old:new`, 'for example --rename users.fullname:display_name');
  return { table: m[1]!, from: m[2]!, to: m[3]! };
}

/** Parses `--rename-table old:new` values. */
export function parseTableRename(v: string): RenameSpec {
  const m = /^([^.:\s]+):([^.:\s]+)$/.exec(v.trim());
  if (!m) throw new EventdbError('USAGE', `--rename-table ${v}: expected old:new`, 'for example --rename-table attendees:participants');
  return { table: m[2]!, fromTable: m[1]! };
}

/** Engines the declaration supports: its `engines`, else every engine a table exists on. */
export function declaredEngines(expected: ExpectedSchema): Engine[] {
  if (expected.engines) return [...expected.engines];
  return ENGINES.filter((e) => expected.tables.length === 0 || tablesFor(expected, e).length > 0);
}

async function defaultPlanner(): Promise<Planner> {
  const { planSchemaChange } = await import('./plan.js');
  return planSchemaChange;
}

/**
 * `eventdb migrate diff NAME`: compares the declaration (schema/) with what the existing migrations
 * produce — replayed into a scratch database of each engine the declaration supports — and writes the
 * next migration(s). Throws EventdbError: DIFF_REFUSED (an engine cannot make a change), DIFF_RENAME_NEEDED
 * (possible renames, no terminal), DIFF_RISK (the generated SQL fails the lint), DIFF_EXISTS, DIFF_REPLAY.
 * Nothing is written unless every check passed.
 */
export async function migrateDiff(config: ResolvedConfig, opts: MigrateDiffOptions): Promise<MigrateDiffResult> {
  if (!NAME.test(opts.name)) throw new EventdbError('USAGE', `migration name "${opts.name}" is not usable in a file name`, 'use letters, digits, _ and - (at most 120), e.g. add_waitlist');
  const { loadExpected, assertEngineSupported } = await import('../validate.js');
  const expected = opts.expected ?? (await loadExpected(config));
  if (!expected) throw new EventdbError('NO_SCHEMA_DIR', `no declaration at ${config.schemaDir}: migrate diff writes migrations from it`, 'run `eventdb init` or `eventdb schema pull`, or point --schema (EVENTDB_SCHEMA_DIR) at the folder');
  assertEngineSupported(expected, config.database.engine);
  const supported = declaredEngines(expected);
  const engines = opts.engines ?? [config.database.engine, ...supported.filter((e) => e !== config.database.engine)];
  // One scratch database per engine, the existing migrations replayed into it once: planned against,
  // then the rehearsal's (apply the new files, roll them back). All removed before returning.
  const scratches = new Map<Engine, ReplayedScratch>();
  try {
    return await diffWith(config, opts, expected, engines, supported, scratches);
  } finally {
    for (const s of scratches.values()) await s.close().catch(() => undefined);
  }
}

async function diffWith(config: ResolvedConfig, opts: MigrateDiffOptions, expected: ExpectedSchema, engines: Engine[], supported: Engine[], scratches: Map<Engine, ReplayedScratch>): Promise<MigrateDiffResult> {
  const planner = opts.planner ?? (await defaultPlanner());
  const replayed = async (engine: Engine): Promise<ReplayedScratch> => {
    let s = scratches.get(engine);
    if (!s) scratches.set(engine, (s = await openReplayed(config, engine)));
    return s;
  };
  const renames = [...(opts.renames ?? [])];
  const lives = new Map<Engine, SchemaSnapshot>();
  for (const engine of engines) lives.set(engine, opts.replayed ? await opts.replayed(engine) : (await replayed(engine)).schema);

  const planAll = () => new Map(engines.map((e) => [e, planner(lives.get(e)!, expected, e, { allowDrop: opts.allowDrop, renames })]));
  let plans = planAll();
  const refuse = () => {
    const given = new Set(renames.map((r) => ('fromTable' in r ? `table:${r.table}.${r.fromTable}:${r.table}` : `column:${r.table}.${r.from}:${r.to}`)));
    const refused = [
      ...[...plans].flatMap(([engine, p]) => p.refused.map((r) => ({ ...r, engine }))),
      // a rename that was given but is still a candidate: the engine could not plan it
      ...[...plans].flatMap(([engine, p]) => p.renameCandidates.filter((c) => given.has(key(c)) || given.has(`table:${c.to}.${c.from}:${c.to}`)).map((c) => ({ engine, change: c.kind === 'table' ? `rename table ${c.from} to ${c.to}` : `rename ${c.table}.${c.from} to ${c.to}`, reason: 'the engine cannot rename it here' }))),
    ];
    if (!refused.length) return;
    const r = refused[0]!;
    throw new EventdbError('DIFF_REFUSED', `${r.engine} cannot make this change: ${r.change} (${r.reason}); nothing was written`, `declare the change only for the engines that can make it (engines: [...] on the table, index or key), or write this migration by hand`, { details: { refused } });
  };
  refuse();
  const asked = new Set<string>();
  for (;;) {
    const open = uniqueCandidates(plans).filter((c) => !asked.has(key(c)));
    if (!open.length) break;
    if (!opts.confirmRename) {
      const d = describeCandidate(open[0]!);
      throw new EventdbError('DIFF_RENAME_NEEDED', `${d.what}: a rename, or a drop and an add?${open.length > 1 ? ` (${open.length - 1} more)` : ''}`, `say which: ${d.flag} (keeps the data), or declare the drop and the add in two steps (the drop with --allow-drop); nothing was written`, { details: { candidates: open } });
    }
    for (const c of open) {
      asked.add(key(c));
      if (await opts.confirmRename(c)) renames.push(resolve(c));
    }
    plans = planAll();
    refuse();
  }

  const declined = uniqueCandidates(plans);
  const omitted = [
    ...[...plans].flatMap(([engine, p]) => p.omitted.map((o) => ({ ...o, engine }))),
    ...[...plans].flatMap(([engine]) => declined.map((c) => ({ engine, change: describeCandidate(c).what, reason: `not confirmed as a rename (${describeCandidate(c).flag}); declare the drop and the add in two steps` }))),
  ];
  const enginePlans: EnginePlan[] = [...plans].map(([engine, p]) => ({ engine, steps: p.steps.filter((s) => s.up.length || s.down.length), omitted: p.omitted }));
  const hasSteps = enginePlans.some((p) => p.steps.length);
  const base = { engines: enginePlans, omitted, renames, check: !!opts.check };
  if (!hasSteps) return { ...base, changed: omitted.length > 0, written: [], files: [], findings: [] };

  const perEngine = new Map(enginePlans.map((p) => [p.engine, p.steps]));
  const allEngines = supported.every((e) => perEngine.has(e));
  // Steps share a migration where that runs: the grouped layout is rehearsed, and when it fails on an
  // engine (DuckDB cannot ALTER a table in the transaction that dropped what depended on it) every step
  // becomes a migration of its own, as the planner planned them, and is rehearsed again.
  const build = async (oneStepEach: boolean) => {
    const count = Math.max(...enginePlans.map((p) => groupSteps(p.steps, oneStepEach).length));
    const ids = nextIds(migrationsDir(config), opts.name, count);
    const files = layoutMigrations(ids, perEngine, allEngines, opts.name, oneStepEach);
    const findings = await lintGenerated(files, engines, !!opts.allowDrop);
    return { files, findings };
  };
  let { files, findings } = await build(false);
  const viewOf = (fs: GeneratedFile[]) => fs.map(({ id, variant, name, transaction, up, down, accepted, notes }) => ({ id, variant, name, transaction, up, down, accepted, notes }));
  if (opts.check) return { ...base, changed: true, written: [], files: viewOf(files), findings };
  if (opts.rehearse !== false) {
    const dir = migrationsDir(config);
    const rehearse = async (fs: GeneratedFile[]) => {
      for (const engine of engines) {
        const s = await replayed(engine);
        try {
          await rehearseIn(s, dir, fs.filter((f) => f.variant === engine || f.variant === 'portable'));
        } catch (e) {
          // A failed rehearsal may leave part of the new migrations in the scratch database: replayed afresh when next needed.
          scratches.delete(engine);
          await s.close();
          throw e;
        }
      }
    };
    try {
      await rehearse(files);
    } catch (e) {
      if (!(e instanceof EventdbError) || e.code !== 'DIFF_REHEARSAL') throw e;
      // a split layout the lint refuses cannot help: the grouped layout's own failure is the one to report
      const split = await build(true).catch(() => undefined);
      if (!split || split.files.length === files.length) throw e;
      ({ files, findings } = split);
      await rehearse(files);
    }
  }
  const view = viewOf(files);
  const written = writeMigrations(migrationsDir(config), files);
  return { ...base, changed: true, written, files: view, findings };
}

function key(c: RenameCandidate): string {
  return `${c.kind ?? 'column'}:${c.table}.${c.from}:${c.to}`;
}

function uniqueCandidates(plans: Map<Engine, PlanLike>): RenameCandidate[] {
  const seen = new Map<string, RenameCandidate>();
  for (const p of plans.values()) for (const c of p.renameCandidates) seen.set(key(c), c);
  return [...seen.values()];
}

/**
 * Lints the generated files as `migrate lint` does at the default level (fail on high), per engine.
 * A finding at high or above that the declared change itself asks for gets a `risk-accepted` line
 * with its reason (ACCEPTABLE_UP; in a down section: it undoes this migration's own up); any other
 * fails with DIFF_RISK, nothing written. Mutates the files' `accepted` and `text`.
 */
async function lintGenerated(files: GeneratedFile[], engines: Engine[], allowDrop: boolean): Promise<Finding[]> {
  const { lintMigrations } = await import('../../risk/lint.js');
  const { atLeast } = await import('../../risk/levels.js');
  const lintOnce = async () => {
    const all: Finding[] = [];
    for (const engine of engines) {
      const mine = files.filter((f) => f.variant === engine || (f.variant === 'portable' && !files.some((g) => g.id === f.id && g.variant === engine)));
      if (!mine.length) continue;
      const dir = mkdtempSync(join(tmpdir(), 'eventdb-diff-lint-'));
      try {
        for (const f of mine) writeFileSync(join(dir, f.name), f.text);
        const r = await lintMigrations({ paths: [dir], engine, failOn: 'high', cwd: dir });
        all.push(...r.findings.map((x) => ({ ...x, file: x.file ? (files.find((f) => x.file!.endsWith(f.name))?.name ?? x.file) : x.file })));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    return all;
  };
  let findings = await lintOnce();
  const blocking = findings.filter((f) => !f.accepted && atLeast(f.level, 'high'));
  if (!blocking.length) return findings;
  for (const f of blocking) {
    const file = files.find((g) => g.name === f.file) ?? files.find((g) => g.id === f.migration)!;
    const upFires = findings.some((x) => (x.file ?? x.migration) === (f.file ?? f.migration) && x.rule === f.rule && x.direction === 'up' && atLeast(x.level, 'high'));
    const reason = f.direction === 'down' && !upFires ? "down only: it undoes this migration's own up" : ACCEPTABLE_UP[f.rule]?.(allowDrop);
    if (!reason) {
      throw new EventdbError('DIFF_RISK', `the generated migration fails migrate lint: ${f.rule} (${f.level}) at ${f.file ?? f.migration}: ${f.message}; nothing was written`, `${f.advice} — change the declaration in smaller steps, or write this migration by hand`, { details: { findings: blocking } });
    }
    // Only the file the finding is in: each engine's gate lints its own variant (a noop variant carries none).
    file.accepted[f.rule] = reason;
  }
  for (const f of files) if (Object.keys(f.accepted).length) f.text = renderMigration(f, f.text.match(/^-- eventdb:description (.*)$/m)?.[1] ?? f.id);
  findings = await lintOnce();
  const still = findings.find((f) => !f.accepted && atLeast(f.level, 'high'));
  if (still) throw new EventdbError('DIFF_RISK', `the generated migration fails migrate lint: ${still.rule} (${still.level}): ${still.message}; nothing was written`, `${still.advice} — or write this migration by hand`);
  return findings;
}

export type { GeneratedFile, StepLike };
