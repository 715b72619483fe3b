import type { DatabaseTarget, Engine } from '../config/url.js';
import { EventdbError } from '../errors.js';
import type { KyselyCompiler } from './kysely-compiler.js';
// Lexical syntax per engine (issue 16 §2: statement splitting asks the dialect, not the engine's name).
import { duckdbSyntax } from './duckdb/lexical.js';
import { duckdbRefusedSyntax } from './duckdb/refused-syntax.js';
import { postgresSyntax } from './postgres/lexical.js';
import type { SqlSyntax } from './sql-syntax.js';
import { sqliteSyntax } from './sqlite/lexical.js';
// --- code generation facts: types and schema pull ---
import type { DeclarationFacts } from './declaration-facts.js';
import type { TsTypes } from './ts-types.js';
import { postgresTsTypes } from './postgres/ts-types.js';
import { sqliteTsTypes } from './sqlite/ts-types.js';
import { duckdbTsTypes } from './duckdb/ts-types.js';
import { postgresDeclarationFacts } from './postgres/declaration-facts.js';
import { sqliteDeclarationFacts } from './sqlite/declaration-facts.js';
import { duckdbDeclarationFacts } from './duckdb/declaration-facts.js';
import type { Dialect, SchemaDdl, SnapshotEngine } from './types.js';

/**
 * Every engine eventdb drives, in one table. Adding an engine is adding a row here and a folder under
 * src/dialects that fills the contract (docs/ARCHITECTURE.md has the checklist). Nothing here imports a
 * driver: `load` and `loadSnapshot` import the engine's folder on demand, and `storage` can be asked of a
 * configuration before any driver is loaded.
 */
export type DialectId = 'postgres' | 'pglite' | 'sqlite' | 'duckdb';

/** Where the data lives: a server eventdb connects to, or a file (or directory, or memory) it opens itself. */
export type Storage = 'server' | 'file';

export interface EngineEntry {
  readonly id: DialectId;
  readonly engine: Engine;
  readonly storage: Storage;
  readonly load: () => Promise<Dialect>;
  readonly loadSnapshot: () => Promise<SnapshotEngine>;
  // --- core operations: health, risk sizes, capture ---
  /** What `info` shows as the driver: `server` for PostgreSQL over pg, else the id. */
  readonly driver: string;
  /** The column type eventdb's own tables store timestamps in (history, auto-fix log). */
  readonly timestampType: 'timestamptz' | 'text';
  /** Named locks (`withLock`) are files beside the database, readable without opening it (file-lock.ts). */
  readonly lockFiles: boolean;
  /**
   * The URL of a scratch database of this engine in memory (drift check). Absent: the scratch
   * database is made on the server (`Connection.createScratchDatabase`).
   */
  readonly scratchUrl?: string;
  /** The Kysely adapter, introspector and query compiler, to compile TS migrations without a database. Loads no driver. */
  readonly loadCompiler: () => Promise<KyselyCompiler>;
  /** The engine's lexical rules for statement ends (no driver loaded). */
  readonly syntax: SqlSyntax;
  /** The grammar the risk analysis and the statement splitter read this engine's SQL with (DuckDB's derives from PostgreSQL's). */
  readonly grammar: 'postgres' | 'sqlite';
  /**
   * Where `grammar` is not the engine's own: why the engine's parser refuses a statement that grammar
   * cannot read either (else it is taken for engine-only syntax, not analysed). No driver.
   */
  readonly refusedSyntax?: (sql: string) => string | undefined;
  /** The engine itself runs as WebAssembly inside this process (PGlite): V8's WASM tiering must stay on for it. */
  readonly wasm?: true;
  // --- code generation facts: types and schema pull ---
  /** What the connection returns and accepts per type family, as TypeScript (`eventdb types`). Pure data, no driver. */
  readonly tsTypes: TsTypes;
  /** The type names the authoring API's helpers stand for, and enumerated types, sized types and index methods to write a live schema as a declaration (`schema pull`). No driver. */
  readonly declaration: DeclarationFacts;
  /** DDL generation: the engine's DDL, without a connection. */
  readonly loadDdl: () => Promise<SchemaDdl>;
}

const POSTGRES: EngineEntry = {
  id: 'postgres',
  grammar: 'postgres',
  engine: 'postgres',
  storage: 'server',
  load: async () => (await import('./postgres/index.js')).postgresDialect,
  loadSnapshot: async () => (await import('./postgres/snapshot.js')).postgresSnapshot,
  timestampType: 'timestamptz',
  driver: 'server',
  lockFiles: false,
  loadCompiler: async () => (await import('./postgres/compiler.js')).postgresCompiler,
  syntax: postgresSyntax,
  tsTypes: postgresTsTypes, // code generation facts
  declaration: postgresDeclarationFacts,
  loadDdl: async () => (await import('./postgres/ddl.js')).postgresDdl,
};

const ENTRIES: Record<DialectId, EngineEntry> = {
  postgres: POSTGRES,
  // PostgreSQL compiled to WebAssembly: PostgreSQL's SQL, compiler, DDL and code generation facts, in a
  // data directory this process opens itself.
  pglite: {
    ...POSTGRES,
    id: 'pglite',
    storage: 'file',
    load: async () => (await import('./pglite/index.js')).pgliteDialect,
    loadSnapshot: async () => (await import('./pglite/snapshot.js')).pgliteSnapshot,
    driver: 'pglite',
    wasm: true,
    lockFiles: false, // one process holds the data directory; its named locks live in that process
    scratchUrl: 'pglite::memory:',
  },
  sqlite: {
    id: 'sqlite',
    grammar: 'sqlite',
    engine: 'sqlite',
    storage: 'file',
    load: async () => (await import('./sqlite/index.js')).sqliteDialect,
    loadSnapshot: async () => (await import('./sqlite/snapshot.js')).sqliteSnapshot,
    timestampType: 'text',
    driver: 'sqlite',
    lockFiles: true,
    scratchUrl: 'sqlite::memory:',
    loadCompiler: async () => (await import('./sqlite/compiler.js')).sqliteCompiler,
    syntax: sqliteSyntax,
    tsTypes: sqliteTsTypes, // code generation facts
    declaration: sqliteDeclarationFacts,
    loadDdl: async () => (await import('./sqlite/ddl.js')).sqliteDdl,
  },
  duckdb: {
    id: 'duckdb',
    grammar: 'postgres',
    engine: 'duckdb',
    storage: 'file',
    load: async () => (await import('./duckdb/index.js')).duckdbDialect,
    loadSnapshot: async () => (await import('./duckdb/snapshot.js')).duckdbSnapshot,
    timestampType: 'timestamptz',
    driver: 'duckdb',
    lockFiles: true,
    scratchUrl: 'duckdb::memory:',
    loadCompiler: async () => (await import('./duckdb/compiler.js')).duckdbCompiler,
    syntax: duckdbSyntax,
    refusedSyntax: duckdbRefusedSyntax,
    tsTypes: duckdbTsTypes, // code generation facts
    declaration: duckdbDeclarationFacts,
    loadDdl: async () => (await import('./duckdb/ddl.js')).duckdbDdl,
  },
};

/** Every SQL family (`Engine`) once, in the table's order: what a per-engine declaration names. Loads no driver. */
export const sqlEngines = (): Engine[] => [...new Set(Object.values(ENTRIES).map((e) => e.engine))];

/** The registry entry for an engine and driver (PostgreSQL's driver picks server or PGlite). */
export function engineEntry(engine: Engine, driver?: string): EngineEntry {
  // The one place that maps (engine, driver) to an implementation.
  const id = (engine === 'postgres' && driver === 'pglite' ? 'pglite' : engine) as DialectId;
  const entry = Object.hasOwn(ENTRIES, id) ? ENTRIES[id] : undefined;
  if (!entry) throw new EventdbError('UNKNOWN_ENGINE', `unknown engine "${String(engine)}"`, 'use postgres, sqlite or duckdb');
  return entry;
}

/** The registry entry of a configured database. */
export const entryOf = (target: Pick<DatabaseTarget, 'engine' | 'driver'>): EngineEntry => engineEntry(target.engine, target.driver);

/** Server or file: where a configured database's data lives. Loads no driver. */
export const storageOf = (target: Pick<DatabaseTarget, 'engine' | 'driver'>): Storage => entryOf(target).storage;

/** A database on a server (PostgreSQL via pg), as opposed to one eventdb opens itself (SQLite, DuckDB, PGlite). */
export const isServer = (target: Pick<DatabaseTarget, 'engine' | 'driver'>): boolean => storageOf(target) === 'server';

/** An engine's lexical rules for statement ends (sql-syntax.ts). */
export const syntaxOf = (engine: Engine): SqlSyntax => engineEntry(engine).syntax;

/** The grammar an engine's SQL is read with (risk analysis, statement splitting). Loads no driver. */
export const grammarOf = (engine: Engine): 'postgres' | 'sqlite' => engineEntry(engine).grammar;

/** Why the engine refuses a statement its grammar cannot read (EngineEntry.refusedSyntax); undefined: not known to be refused. */
export const refusedSyntaxOf = (engine: Engine, sql: string): string | undefined => engineEntry(engine).refusedSyntax?.(sql);

/** Whether an engine's SQL is read with SQLite's grammar (sql-parser-cst) rather than PostgreSQL's (libpg-query). */
export const readsSqliteGrammar = (engine: Engine): boolean => grammarOf(engine) === 'sqlite';

/** The URL of an in-memory scratch database of an engine (PostgreSQL's is PGlite's). Loads no driver. */
export function memoryScratchUrl(engine: Engine): string {
  const entry = Object.values(ENTRIES).find((e) => e.engine === engine && e.scratchUrl);
  if (!entry?.scratchUrl) throw new EventdbError('UNKNOWN_ENGINE', `no in-memory scratch database for engine "${engine}"`, 'use postgres, sqlite or duckdb');
  return entry.scratchUrl;
}
