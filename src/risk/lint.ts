import { statSync } from 'node:fs';
import { readsSqliteGrammar } from '../dialects/registry.js';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import type { Engine } from '../config/url.js';
import { EventdbError } from '../errors.js';
import { readMigrationFile } from '../migrations/checksum.js';
import { compareIds, hasMigrationExtension, splitMigrationFileName, type MigrationFileName } from '../migrations/file-name.js';
import { readMigrationFolder } from '../migrations/folder-entries.js';
import { SchemaMemory } from './analysis.js';
import { HistoryWords } from './history-words.js';
import { analyseMigration, analyseStatements, loadParsers, parseSqliteBatches, type PreparsedMigration } from './analyze.js';
import { atLeast, maxLevel } from './levels.js';
import { downFor, parseHalves } from '../migrations/pairs.js';
import { acceptedFromMeta, migrationInput, readSqlMigration } from './sql-file.js';
import type { Finding, Level, MigrationInput, MigrationRisk, RiskContext } from './types.js';


export interface LintOptions {
  /** Files or folders; folders contribute their .sql/.ts files. */
  paths: string[];
  /** Engine for files without a variant suffix (--engine, else the configured URL's scheme). */
  engine: Engine;
  failOn: Level;
  assumeSmall?: boolean;
  cwd?: string;
  expected?: RiskContext['expected'];
}

export interface LintResult {
  migrations: MigrationRisk[];
  findings: Finding[];
  /** Highest unaccepted level over every migration. */
  level: Level | null;
  failOn: Level;
  /** Some unaccepted finding reaches --fail-on. */
  failed: boolean;
  files: number;
  statements: number;
}

/** A file to lint, its name parsed once (file-name.ts). */
interface LintFile {
  abs: string;
  id: string;
  /** Its variant's engine; a portable file's is the linted engine. */
  engine: Engine;
  /** pop's `.autocommit.up.sql`: runs outside a transaction. */
  autocommit: boolean;
  /** A pair's down file (`ID.down.sql` beside `ID.up.sql`, src/migrations/pairs.ts): the up file's down section. */
  downFile?: string;
}

/**
 * The files to lint, folders expanded in name order. `whole`: every path is a folder whose name order is
 * the order its migrations run in (IDs compared as the migrator does: `9_x` before `10_x`), so the files
 * before one are the history before it (HistoryWords).
 */
function expand(paths: string[], cwd: string, engine: Engine): { files: LintFile[]; whole: boolean } {
  const out: LintFile[] = [];
  let whole = paths.length > 0;
  for (const p of paths) {
    const abs = resolve(cwd, p);
    let st;
    try {
      st = statSync(abs);
    } catch {
      throw new EventdbError('PATH_NOT_FOUND', `no such file or folder: ${p}`, 'pass migration files or a migrations folder (default: the configured migrations folder)');
    }
    if (!st.isDirectory()) {
      out.push(lintFile(abs, splitMigrationFileName(basename(abs)), engine));
      whole = false;
      continue;
    }
    // Names that are not UTF-8 are refused as migrate up refuses them (MIGRATION_INVALID).
    const named = readMigrationFolder(abs, (e) => {
      throw e;
    }).flatMap((e) => {
      const parsed = hasMigrationExtension(e.name) ? splitMigrationFileName(e.name) : undefined;
      return parsed ? [{ name: e.name, parsed }] : [];
    });
    if (named.some((f, i) => i > 0 && compareIds(named[i - 1]!.parsed.id, f.parsed.id) > 0)) whole = false;
    // A down file is the down section of its ID's up file, paired as the loader pairs them (downFor).
    // It is not linted as a migration.
    const downsById = new Map<string, Array<MigrationFileName & { name: string }>>();
    for (const { name, parsed } of named) {
      if (parsed.half === 'down') downsById.set(parsed.id, [...(downsById.get(parsed.id) ?? []), { ...parsed, name }]);
    }
    for (const { name, parsed } of named) {
      if (parsed.half === 'down') continue;
      const file = lintFile(join(abs, name), parsed, engine);
      const down = parsed.half === 'up' ? downFor(downsById.get(parsed.id) ?? [], file.engine) : undefined;
      if (down) file.downFile = join(abs, down.name);
      out.push(file);
    }
  }
  return { files: out, whole };
}

function lintFile(abs: string, parsed: MigrationFileName | undefined, fallback: Engine): LintFile {
  const { id, engine } = identityOf(basename(abs), parsed, fallback);
  return { abs, id, engine, autocommit: parsed?.autocommit === true };
}

/** A migration that depends on one sorting after it runs later than its place in the folder. */
function dependsOnLater(id: string, dependsOn: unknown): boolean {
  return Array.isArray(dependsOn) && dependsOn.some((d) => compareIds(String(d), id) > 0);
}

/**
 * The migration ID and engine of a file, by the migrations' file-name grammar (file-name.ts):
 * `0009_x.postgres.sql` → (`0009_x`, postgres); without an engine suffix, `fallback`.
 */
export function fileIdentity(file: string, fallback: Engine): { id: string; engine: Engine } {
  const name = basename(file);
  return identityOf(name, splitMigrationFileName(name), fallback);
}

function identityOf(name: string, p: MigrationFileName | undefined, fallback: Engine): { id: string; engine: Engine } {
  if (p) return { id: p.id, engine: p.variant === 'portable' ? fallback : p.variant };
  return { id: name.slice(0, -extname(name).length), engine: fallback };
}

/** `eventdb migrate lint`: analyses migration files without a database. */
export async function lintMigrations(opts: LintOptions): Promise<LintResult> {
  const cwd = opts.cwd ?? process.cwd();
  const { files, whole } = expand(opts.paths, cwd, opts.engine);
  // A whole history: the words of every statement read so far, shared by every engine's memory.
  const history = whole ? new HistoryWords() : undefined;
  await loadParsers([...new Set(files.map((f) => f.engine))]);
  const memories = new Map<Engine, SchemaMemory>();
  const migrations: MigrationRisk[] = [];
  const shownDirs = new Map<string, string>();
  // SQLite SQL files are read first and parsed together (the grammar's per-call set-up dominates a
  // small file's parse): 1000 migrations in a few calls instead of 2000.
  const inputs = new Map<string, MigrationInput>();
  const preparsed = new Map<string, PreparsedMigration>();
  const sqliteTexts: Array<{ file: string; part: 'up' | 'down'; text: string }> = [];
  for (const { abs, id, engine, autocommit, downFile } of files) {
    if (!abs.endsWith('.sql')) continue;
    // readMigrationFile refuses invalid UTF-8 with the line, as migrate up does
    const input = downFile
      ? migrationInput(id, parseHalves(readMigrationFile(abs).text, shownName(abs), readMigrationFile(downFile).text, downFile), shownName(abs))
      : readSqlMigration(id, readMigrationFile(abs).text, shownName(abs));
    if (autocommit) input.transactional = false; // pop's `.autocommit.up.sql`
    if (history && dependsOnLater(id, input.dependsOn)) history.trusted = false;
    inputs.set(abs, input);
    if (!readsSqliteGrammar(engine)) continue;
    sqliteTexts.push({ file: abs, part: 'up', text: input.up });
    if (input.down !== undefined) sqliteTexts.push({ file: abs, part: 'down', text: input.down });
  }
  parseSqliteBatches(sqliteTexts.map((t) => t.text)).forEach((pre, i) => {
    if (!pre) return;
    const t = sqliteTexts[i]!;
    const entry = preparsed.get(t.file) ?? {};
    entry[t.part] = pre;
    preparsed.set(t.file, entry);
  });
  function shownName(abs: string): string {
    // path.relative per folder, not per file (a thousand files share one or two folders).
    const dir = dirname(abs);
    let rel = shownDirs.get(dir);
    if (rel === undefined) shownDirs.set(dir, (rel = relative(cwd, dir)));
    return rel ? join(rel, basename(abs)) : basename(abs);
  }
  for (const { abs, id, engine } of files) {
    const shown = shownName(abs);
    const ctx: RiskContext = { engine, assumeSmall: opts.assumeSmall, expected: opts.expected };
    let memory = memories.get(engine);
    if (!memory) {
      memories.set(engine, (memory = new SchemaMemory()));
      memory.history = history;
    }
    if (abs.endsWith('.sql')) {
      migrations.push(analyseMigration(inputs.get(abs)!, ctx, { memory, preparsed: preparsed.get(abs) }));
    } else {
      // Kysely and jiti load only when there is a TS migration to compile.
      const { captureTsMigration } = await import('./capture-ts.js');
      const cap = await captureTsMigration(abs, engine);
      if (history && dependsOnLater(id, (cap.meta as { dependsOn?: unknown } | undefined)?.dependsOn)) history.trusted = false;
      const accepted = acceptedFromMeta(cap.meta, shown);
      const up = analyseStatements(id, cap.up, 'up', ctx, { memory, file: shown, transactional: cap.transactional, accepted });
      if (cap.down) {
        const down = analyseStatements(id, cap.down, 'down', ctx, { memory: new SchemaMemory(), file: shown, transactional: cap.transactional, accepted });
        up.findings.push(...down.findings.filter((f) => f.rule !== 'fk-without-index'));
        up.statements += down.statements;
        up.level = maxLevel(up.findings.map((f) => f.level));
        up.effectiveLevel = maxLevel(up.findings.filter((f) => !f.accepted).map((f) => f.level));
      }
      migrations.push(up);
    }
  }
  const findings = migrations.flatMap((m) => m.findings);
  const level = maxLevel(migrations.map((m) => m.effectiveLevel).filter((l): l is Level => l !== null));
  return {
    migrations,
    findings,
    level,
    failOn: opts.failOn,
    failed: atLeast(level, opts.failOn),
    files: files.length,
    statements: migrations.reduce((n, m) => n + m.statements, 0),
  };
}
