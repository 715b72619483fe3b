import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createPgDatabase } from '../helpers/engines.js';
import { type BuiltHistory, type ConfEngine, pgCatalog, pgRows, pgStepTruth, replay, sqliteCatalog, sqlitePath, sqliteRows, statementTable, WRITE_BLOCKING } from './helpers.js';

/** What one source needs to run through the suite on one engine. */
export interface Source {
  name: string;
  engine: ConfEngine;
  /** Writes the eventdb migrations folder; returns the IDs and the SQL for the direct replay. */
  build(dir: string): BuiltHistory;
  /** Whether every migration has a down (then: roll back to the first and up again). */
  reversible: boolean;
  /** Catalog lines (prefixes) the result must hold, so that an empty comparison cannot pass. */
  expect: string[];
  /**
   * Run on the migrated and the replayed database before they are compared: sets values the SQL takes
   * from the clock (a `DEFAULT CURRENT_TIMESTAMP` filled by a data migration) to one fixed value.
   */
  settle?: (url: string) => void;
}

export interface Databases {
  /** eventdb migrates this one. */
  migrated: string;
  /** The same SQL replayed directly. */
  replayed: string;
  /** `restore --to` writes here. */
  restored: string;
  /** The temp folder (migrations, store). */
  dir: string;
  migrations: string;
  built: BuiltHistory;
}

/**
 * Sets up the three databases of a source (PostgreSQL: three databases of this test file, dropped
 * after; SQLite: three files) and the migrations folder, and replays the SQL directly into one.
 */
export function useDatabases(src: Source): () => Databases {
  let d: Databases | undefined;
  const drops: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), `eventdb-conf-${src.name}-`));
    const migrations = join(dir, 'migrations');
    const built = src.build(migrations);
    let urls: string[];
    if (src.engine === 'postgres') {
      const dbs = await Promise.all([createPgDatabase('eventdb_conf'), createPgDatabase('eventdb_conf'), createPgDatabase('eventdb_conf')]);
      drops.push(...dbs.map((x) => x.drop));
      urls = dbs.map((x) => x.url);
    } else {
      urls = ['migrated', 'replayed', 'restored'].map((n) => `sqlite:${join(dir, `${n}.sqlite`)}`);
    }
    d = { migrated: urls[0]!, replayed: urls[1]!, restored: urls[2]!, dir, migrations, built };
    replay(src.engine, src.engine === 'postgres' ? d.replayed : sqlitePath(d.replayed), built.ups);
  });
  afterAll(async () => {
    for (const drop of drops) await drop();
    if (d) rmSync(d.dir, { recursive: true, force: true });
  });
  return () => d!;
}

export const catalog = (engine: ConfEngine, url: string, withOwn = false) => (engine === 'postgres' ? pgCatalog(url, withOwn) : Promise.resolve(sqliteCatalog(sqlitePath(url), withOwn)));
export const rows = (engine: ConfEngine, url: string, withOwn = false) => (engine === 'postgres' ? pgRows(url, withOwn) : Promise.resolve(sqliteRows(sqlitePath(url), withOwn)));

interface Status {
  ok: boolean;
  pending: number;
  applied: number;
  migrations: Array<{ id: string; state: string }>;
}

/**
 * The lifecycle every source goes through: `migrate up` → `status` → roll back to the first → `up`
 * again; the schema equals the direct replay's; `backup` → `restore --to` gives the same objects and
 * rows. Run through the built binary.
 */
export function lifecycle(src: Source, db: () => Databases): void {
  const args = () => ['--url', db().migrated, '--migrations', db().migrations];

  it('migrate up applies the whole history; status lists every migration as applied', async () => {
    const up = await runCli(['migrate', 'up', ...args(), '--json'], { cwd: db().dir });
    expect(up.code, up.stderr).toBe(0);
    expect(up.json().applied.map((m: { id: string }) => m.id)).toEqual(db().built.ids);
    const st = await runCli(['migrate', 'status', ...args(), '--json'], { cwd: db().dir });
    expect(st.code, st.stderr).toBe(0);
    const j = st.json<Status>();
    expect(j).toMatchObject({ ok: true, pending: 0, applied: db().built.ids.length });
    expect(j.migrations.map((m) => [m.id, m.state])).toEqual(db().built.ids.map((id) => [id, 'applied']));
  });

  it('the schema (and rows) equal the same SQL replayed directly', async () => {
    const replayed = await catalog(src.engine, db().replayed);
    for (const line of src.expect) expect(replayed.some((l) => l.startsWith(line)), line).toBe(true);
    expect(await catalog(src.engine, db().migrated)).toEqual(replayed);
    for (const url of [db().migrated, db().replayed]) src.settle?.(url);
    expect(await rows(src.engine, db().migrated)).toEqual(await rows(src.engine, db().replayed));
  });

  if (src.reversible) {
    it('rollback --to the first migration, then up again: the same schema and rows as before', async () => {
      const before = { c: await catalog(src.engine, db().migrated), r: await rows(src.engine, db().migrated) };
      const ids = db().built.ids;
      const rb = await runCli(['rollback', '--to', ids[0]!, ...args(), '--json'], { cwd: db().dir });
      expect(rb.code, rb.stderr).toBe(0);
      const st = (await runCli(['migrate', 'status', ...args(), '--json'], { cwd: db().dir })).json<Status>();
      expect(st.migrations.map((m) => m.state)).toEqual(ids.map((_, i) => (i === 0 ? 'applied' : 'pending')));
      const up = await runCli(['migrate', 'up', ...args(), '--json'], { cwd: db().dir });
      expect(up.code, up.stderr).toBe(0);
      expect(up.json().applied.map((m: { id: string }) => m.id)).toEqual(ids.slice(1));
      expect(await catalog(src.engine, db().migrated)).toEqual(before.c);
      expect(await rows(src.engine, db().migrated)).toEqual(before.r);
    });
  }

  it('backup → restore --to a new database gives identical objects and rows; its status: everything applied, nothing changed', async () => {
    const store = `file:${join(db().dir, 'store')}`;
    const b = await runCli(['backup', '--url', db().migrated, '--store', store, '--json'], { cwd: db().dir });
    expect(b.code, b.stderr).toBe(0);
    const r = await runCli(['restore', '--latest', '--url', db().migrated, '--to', db().restored, '--store', store, '--no-keep', '--json'], { cwd: db().dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().restore.restored).toBe(true);
    expect(await catalog(src.engine, db().restored, true)).toEqual(await catalog(src.engine, db().migrated, true));
    expect(await rows(src.engine, db().restored, true)).toEqual(await rows(src.engine, db().migrated, true));
    const st = await runCli(['migrate', 'status', '--url', db().restored, '--migrations', db().migrations, '--json'], { cwd: db().dir });
    expect(st.json<Status>()).toMatchObject({ ok: true, pending: 0, applied: db().built.ids.length, changed: 0 });
  });
}

/** `migrate lint` over the folder: no crash, one JSON object, no statement it cannot parse. */
export function lint(src: Source, db: () => Databases, expectNone: string[] = ['unparsable-statement']): void {
  it(`migrate lint reads every statement (no ${expectNone.join(', no ')})`, async () => {
    const r = await runCli(['migrate', 'lint', db().migrations, '--engine', src.engine, '--json'], { cwd: db().dir });
    expect([0, 1], r.stderr).toContain(r.code);
    const j = r.json<{ ok: boolean; migrations: unknown[]; findings: Array<{ rule: string; migration: string; statement: string }> }>();
    expect(j.migrations).toHaveLength(db().built.ids.length);
    expect(j.findings.filter((f) => expectNone.includes(f.rule)).map((f) => `${f.migration}: ${f.rule}: ${f.statement.slice(0, 120)}`)).toEqual([]);
  });
}

/** One finding of `migrate lint --json`. */
export interface LintFinding {
  rule: string;
  level: string;
  migration: string;
  direction: string;
  statement: string;
}

/** What a source's ground-truth test leaves out or demands beyond the common checks. */
export interface TruthOptions {
  /** Only the up direction's claims are checked (the steps replayed are the ups). */
  upOnly?: boolean;
  /** A lock claim whose statement names no table (DROP INDEX) is skipped rather than asserted. */
  skipTableless?: boolean;
  /** At least one migration must be claimed (and really be) a rewrite, so the comparison cannot pass empty. */
  requireRewrite?: boolean;
}

/**
 * Lint's rewrite and lock claims on a PostgreSQL history against what PostgreSQL really does when each
 * migration runs (relfilenode changes, pg_locks): a database of its own, the ups replayed step by step.
 */
export function lintTruth(name: string, build: (dir: string) => BuiltHistory, opts: TruthOptions = {}): void {
  describe(`${name}: lint claims against PostgreSQL ground truth`, () => {
    let dir = '';
    let db: Awaited<ReturnType<typeof createPgDatabase>>;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'eventdb-conf-truth-'));
      db = await createPgDatabase('eventdb_conf');
    });
    afterAll(async () => {
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('rewrite claims match relfilenode changes; each lock claim names an existing table PostgreSQL really held in a write-blocking mode', async () => {
      const built = build(join(dir, 'migrations'));
      const r = await runCli(['migrate', 'lint', join(dir, 'migrations'), '--engine', 'postgres', '--json'], { cwd: dir });
      const all = r.json<{ findings: LintFinding[] }>().findings;
      const findings = opts.upOnly ? all.filter((f) => f.direction === 'up') : all;
      const truth = await pgStepTruth(db.url, built.ups);
      // Rewrites: lint says rewrite-* exactly where PostgreSQL gave an existing table a new relfilenode.
      const said = built.ids.map((id) => findings.some((f) => f.migration === id && f.rule.startsWith('rewrite-')));
      expect(said).toEqual(truth.map((t) => t.rewritten.length > 0));
      if (opts.requireRewrite) expect(said.filter(Boolean).length).toBeGreaterThan(0);
      // Lock claims: the named table existed and was held in a mode that blocks writes.
      const lockClaims = findings.filter((f) => f.rule.startsWith('lock-'));
      expect(lockClaims.length).toBeGreaterThan(0);
      for (const f of lockClaims) {
        const table = statementTable(f.statement);
        if (table === undefined && opts.skipTableless) continue;
        expect(WRITE_BLOCKING, `${f.migration} ${f.rule} ${table}`).toContain(truth[built.ids.indexOf(f.migration)]!.locks[table ?? '']);
      }
      // (A step that only takes a brief write-blocking lock — a new table's foreign key locks the referenced
      // table; DROP CONSTRAINT — is not flagged, and need not be: nothing is scanned or rewritten under it.)
    });
  });
}

export { describe };
