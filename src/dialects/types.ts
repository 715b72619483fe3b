import type { Kysely } from 'kysely';
import type { DatabaseTarget, Engine, ResolvedConfig } from '../config/index.js';

export interface Capabilities {
  /** DDL inside a transaction is rolled back with it. */
  transactionalDdl: boolean;
  /** Server-side advisory locks (PostgreSQL). File engines use a sibling lock file instead. */
  advisoryLocks: boolean;
  /** CREATE INDEX CONCURRENTLY. */
  concurrentIndex: boolean;
  /** INSERT … RETURNING. */
  returning: boolean;
  /** Row-level triggers. */
  triggers: boolean;
  /** Stored functions / procedures (PL/pgSQL). */
  storedProcedures: boolean;
  /** Many processes may write at once (a server), rather than one file writer at a time. */
  concurrentWriters: boolean;
}

/** Normalised type families, comparable across engines. */
export type TypeFamily =
  | 'integer'
  | 'decimal'
  | 'float'
  | 'text'
  | 'boolean'
  | 'timestamp'
  | 'timestamptz'
  | 'date'
  | 'time'
  | 'interval'
  | 'json'
  | 'uuid'
  | 'binary'
  | 'array'
  | 'other';

export interface ColumnInfo {
  name: string;
  /** The engine's own type name, lower case (e.g. `timestamp with time zone`, `varchar(255)`). */
  type: string;
  family: TypeFamily;
  nullable: boolean;
  default: string | null;
  /** 1-based position in the table. */
  position: number;
  /** A collation other than the type's default (`nocase`, `C` …), when the engine tells it. */
  collation?: string;
  /** PostgreSQL identity column: `GENERATED ALWAYS` or `BY DEFAULT AS IDENTITY`. */
  identity?: 'always' | 'by default';
}

export interface IndexInfo {
  name: string;
  table: string;
  columns: string[];
  unique: boolean;
  primary: boolean;
  /** Partial index predicate, when the engine tells it. */
  where?: string;
  /** The engine's own CREATE INDEX text, whitespace collapsed (method, expressions, collations, predicate), when it has one. */
  definition?: string;
}

/** A view (PostgreSQL: also a materialized view) and its definition as the engine reports it, whitespace collapsed. */
export interface ViewInfo {
  name: string;
  materialized: boolean;
  definition: string;
}

/** A trigger and its definition as the engine reports it, whitespace collapsed. */
export interface TriggerInfo {
  name: string;
  table: string;
  definition: string;
}

export interface ForeignKeyInfo {
  name: string;
  table: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
  onDelete: string;
  onUpdate: string;
  /** False when the engine holds it NOT VALID: existing rows were never checked (PostgreSQL `convalidated`). */
  validated?: boolean;
}

export interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  primaryKey: string[];
}

export interface SchemaSnapshot {
  engine: Engine;
  /** Schema (PostgreSQL `public`, DuckDB `main`, SQLite `main`). */
  schema: string;
  tables: TableInfo[];
  indexes: IndexInfo[];
  foreignKeys: ForeignKeyInfo[];
  /** Views, on engines that have them. */
  views?: ViewInfo[];
  /** Triggers, on engines that have them. */
  triggers?: TriggerInfo[];
  /** Tables that could not be read (SQLite: a virtual table whose module this build lacks), and why. */
  unreadable?: Array<{ name: string; reason: string }>;
}

export interface LockOptions {
  /** How long to wait for the lock before failing with LOCK_TIMEOUT (exit 4). 0 = try once. */
  timeoutMs: number;
}

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
  command: string;
  /** Whether the holder process still runs (file engines, same host), when that can be told. */
  alive?: boolean;
}

export interface LockStatus {
  held: boolean;
  holder?: LockHolder;
}

export interface ConnectOptions {
  /** Open for reading only: never create or modify the file (used by `info`). */
  readOnly?: boolean;
  /** File engines that allow one process at a time (DuckDB, PGlite): how long to wait for it. */
  lockWaitMs?: number;
}

export interface BulkInsertOptions {
  /**
   * Load with the table's own triggers switched off for this load only (PostgreSQL: DISABLE TRIGGER
   * USER inside the load's transaction; SQLite: triggers dropped and re-created inside it). Foreign
   * keys and checks still apply. The caller vouches for what the triggers would have done (e.g. a
   * cached balance, an audit row). Seeding uses it; nothing else should.
   */
  skipTriggers?: boolean;
  /**
   * Drop the table's secondary indexes for the load and build them again before it commits (one
   * sorted build instead of millions of random inserts). Worth it into an empty or small table; a
   * unique violation still fails the whole load. SQLite and the PostgreSQL server; DuckDB and PGlite
   * (which commits per chunk) ignore it.
   */
  rebuildIndexes?: boolean;
  /**
   * PostgreSQL server: drop the table's foreign keys for the load and add them back before it commits, so
   * they are checked in one pass (a join) instead of one lookup per row. A violation still fails
   * the whole load. Worth it into an empty table; the other engines check per row as usual.
   */
  recheckForeignKeys?: boolean;
}

/** An open database. Only `src/dialects/*` creates these. */
export interface Connection {
  readonly engine: Engine;
  readonly target: DatabaseTarget;
  readonly capabilities: Readonly<Capabilities>;
  readonly db: Kysely<any>;
  /**
   * PostgreSQL: the schema eventdb's own tables (migration history and log) live in — the session's
   * current schema when the connection was opened (`public`, or what the URL's `options` set).
   * eventdb qualifies its own statements with it, so a migration that changes search_path (every
   * pg_dump output does) cannot misdirect them. Undefined on engines with one namespace.
   */
  readonly ownSchema?: string;
  /**
   * Statements that undo what a migration may have changed in the session it ran on — search_path,
   * timeouts, role, pragmas — back to what the connection itself configured. The migration runner
   * runs them on that session after every migration (inside its transaction before the history
   * rows are written, and after it). Undefined when the engine has nothing to restore.
   */
  readonly sessionReset?: readonly string[];
  /** Round-trip latency in milliseconds. */
  ping(): Promise<number>;
  serverVersion(): Promise<string>;
  /** A real cross-process lock. Throws EventdbError LOCK_TIMEOUT (exit 4) naming the holder. */
  withLock<T>(name: string, opts: LockOptions, fn: () => Promise<T>): Promise<T>;
  /** Whether the named lock is held now, and by whom. */
  lockStatus(name: string): Promise<LockStatus>;
  introspect(): Promise<SchemaSnapshot>;
  /**
   * Loads rows through the engine's fastest path (PostgreSQL COPY FROM STDIN, SQLite prepared
   * multi-row INSERTs in large transactions, DuckDB's appender). `rows` yields batches; each row
   * lists values in `columns` order: null/undefined, number, bigint, string, boolean or Date
   * (timestamps; stored as UTC). Returns the number of rows inserted. Memory is bounded by one batch.
   * One call loads all rows or none (EventdbError BULK_INSERT).
   */
  bulkInsert(table: string, columns: string[], rows: AsyncIterable<unknown[][]>, opts?: BulkInsertOptions): Promise<number>;
  close(): Promise<void>;
}

export interface Dialect {
  readonly engine: Engine;
  readonly capabilities: Readonly<Capabilities>;
  connect(config: ResolvedConfig, opts?: ConnectOptions): Promise<Connection>;
  /** Whether the database exists, without creating it. */
  exists(config: ResolvedConfig): Promise<boolean>;
}

/** What an engine's consistent copy produced: one data stream plus what the manifest records. */
export interface SnapshotSource {
  /** `sqlite-file`, `duckdb-file`, `pg-custom` (pg_dump -Fc) or `eventdb-pg` (eventdb's own logical dump). */
  format: 'sqlite-file' | 'duckdb-file' | 'pg-custom' | 'eventdb-pg';
  /** File name suffix of the raw data (`.sqlite`, `.duckdb`, `.pgdump`, `.edbdump`). */
  extension: string;
  /** Rows per table at the moment of the copy (PostgreSQL: schema-qualified when not `public`). */
  tables: Record<string, number>;
  /** Tool used and anything the user should know (e.g. why pg_dump was not used). */
  tool: string;
  notes: string[];
  /** The raw copy. Errors of the producer (e.g. pg_dump's exit status) surface as a stream error. */
  stream: NodeJS.ReadableStream;
  /** Bytes the stream will give, when known in advance (file copies), for progress. */
  size?: number;
  /** Removes temp files and closes sessions. Always called. */
  cleanup(): Promise<void>;
}

/** Per-engine backup and restore, loaded on demand with `getSnapshotEngine(engine)`. */
export interface SnapshotEngine {
  readonly engine: Engine;
  /** A consistent copy while writers continue, streamed. `tmpDir` is scratch space. */
  snapshot(conn: Connection, config: ResolvedConfig, opts: { tmpDir: string; pgDump?: 'auto' | 'never' }): Promise<SnapshotSource>;
  /**
   * Checks a downloaded copy: SQLite/DuckDB open it read-only and run the engine's integrity check;
   * PostgreSQL reads the dump through (eventdb-pg) or lists it with pg_restore (pg-custom). Returns rows
   * per table when it can count them. Throws EventdbError CORRUPT_SNAPSHOT when the copy fails.
   */
  checkFile(path: string, format: SnapshotSource['format']): Promise<{ tables?: Record<string, number>; check: string }>;
  /**
   * PGlite: loads a downloaded dump file into the target (or `to`) in one transaction, keeping the old
   * data directory as a tarball unless keep is false. Never changes the target unless the load succeeds.
   */
  restoreDatabase?(config: ResolvedConfig, dumpFile: string, format: SnapshotSource['format'], opts: { to?: ResolvedConfig; keep: boolean; stamp: string }): Promise<{ database: string; previous?: string; tables: Record<string, number>; notes?: string[] }>;
  /**
   * PostgreSQL server: loads the dump into a new database while it downloads, then makes it the
   * target (swap names, keeping the old one as `<name>_pre_restore_<stamp>` unless keep is false), or
   * loads `to`. The swap waits for `dump.verified`; on any failure the new database is dropped. With
   * `expected` (the manifest's row counts) the restored rows are checked before the swap. Restores of
   * one target are serialised (LOCK_TIMEOUT after `lockTimeoutMs`); kept copies get unique names.
   */
  restoreStream?(config: ResolvedConfig, dump: DumpStream, format: SnapshotSource['format'], opts: { to?: ResolvedConfig; keep: boolean; stamp: string; expected?: Record<string, number>; lockTimeoutMs?: number }): Promise<{ database: string; previous?: string; tables: Record<string, number>; notes?: string[] }>;
}

/** A dump being downloaded: its bytes, the promise that they matched the manifest, and a way to stop. */
export interface DumpStream {
  data: NodeJS.ReadableStream;
  verified: Promise<unknown>;
  abort(reason?: Error): void;
}

// --- DDL generation (H6) ---
// Each engine's DDL knowledge (src/dialects/<engine>/ddl.ts), reachable without a connection from the
// engine id (registry `EngineEntry.loadDdl()`, or `ddlFor(engine)` in src/dialects/ddl.ts). The shapes
// below are one engine's resolved values (no per-engine objects): the schema core resolves its
// declaration for an engine, then asks the engine for the SQL. Every method returns SQL text exactly as
// it is executed, identifiers quoted; types, defaults, expressions and predicates are inserted as written.

/** A column as one engine creates it. */
export interface DdlColumn {
  name: string;
  /** The engine's type name. */
  type: string;
  nullable: boolean;
  /** SQL default expression. */
  default?: string;
  collate?: string;
  /** PostgreSQL identity; ignored by engines without identity columns. */
  identity?: 'always' | 'by default';
}

export interface DdlIndex {
  name: string;
  /** Column names, or expressions such as `lower(email)`. */
  columns: string[];
  unique?: boolean;
  where?: string;
  using?: string;
}

export interface DdlForeignKey {
  name: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
  onDelete?: string;
  onUpdate?: string;
}

export interface DdlCheck {
  name: string;
  expression: string;
}

export interface DdlTable {
  name: string;
  columns: DdlColumn[];
  primaryKey: string[];
  foreignKeys?: DdlForeignKey[];
  checks?: DdlCheck[];
  indexes?: DdlIndex[];
}

/** What an engine cannot do in place, named: the caller reports it (or rebuilds, where `rebuildTable` exists). */
export interface DdlRefusal {
  refused: string;
  reason: string;
}

/** Facts about an engine's ALTER TABLE, asked by the schema core instead of testing the engine's name. */
export interface DdlFacts {
  /** How the engine is named in messages (`PostgreSQL`, `SQLite`, `DuckDB`). */
  label: string;
  /** ALTER COLUMN … TYPE works in place (else: a table rebuild). */
  alterTypeInPlace: boolean;
  /** Columns carry collations the engine reports (DuckDB: none). */
  collations: boolean;
  /** A collation can be changed in place (PostgreSQL: ALTER COLUMN TYPE … COLLATE). */
  alterCollationInPlace: boolean;
  /** SET / DROP NOT NULL in place. */
  setNotNullInPlace: boolean;
  /** SET NOT NULL is refused on a table that has indexes or is referenced by a foreign key (DuckDB). */
  notNullBlockedByDependants: boolean;
  /** SET / DROP DEFAULT in place. */
  setDefaultInPlace: boolean;
  /** ADD / DROP of a foreign key or check on an existing table. */
  alterConstraintsInPlace: boolean;
  /** Replace a primary key in place. */
  alterPrimaryKeyInPlace: boolean;
  /** A table rebuild is possible (create new, copy, drop, rename) — SQLite's procedure; DuckDB cannot drop a referenced table. */
  rebuild: boolean;
  /** ADD COLUMN … NOT NULL without a default works on an empty table (SQLite: never). */
  addNotNullWithoutDefault: boolean;
  /** Foreign keys take ON DELETE / ON UPDATE actions. */
  referentialActions: boolean;
  /** Identity columns (GENERATED … AS IDENTITY). */
  identity: boolean;
  /** CREATE INDEX CONCURRENTLY (outside a transaction). */
  concurrentIndex: boolean;
  /** Constraints can be added NOT VALID and validated later. */
  notValid: boolean;
  /** DDL runs inside a transaction. */
  transactionalDdl: boolean;
  /** ALTER (other than ADD COLUMN and defaults) fails on a table with indexes: drop them first, re-create after (DuckDB). */
  indexesBlockAlter: boolean;
  /** A column in a primary key, unique or foreign key cannot change type, be renamed or dropped (DuckDB). */
  constrainedColumnsFrozen: boolean;
  /** A table other tables reference by foreign key can be altered beyond ADD COLUMN and defaults (DuckDB: no). */
  alterReferencedTable: boolean;
  /** A table referenced by foreign keys can be renamed (DuckDB: the references would dangle). */
  renameReferencedTable: boolean;
  /** ADD COLUMN takes a default that is an expression or CURRENT_TIMESTAMP (SQLite: only constants). */
  addColumnExpressionDefault: boolean;
  /** CREATE INDEX … WHERE (DuckDB: no). */
  partialIndexes: boolean;
  /** DROP COLUMN in place (SQLite: not for a column in an index, primary key or foreign key). */
  dropColumnInPlace: boolean;
}

/** One engine's DDL. Obtain with `EngineEntry.loadDdl()` or `ddlFor(engine)`. */
export interface SchemaDdl {
  readonly engine: Engine;
  readonly facts: Readonly<DdlFacts>;
  /** A declared type as the engine's introspection reports it (`int` → `integer`), for comparing. */
  canonicalType(type: string): string;
  /** A default expression as comparable text (casts, parentheses, case and spacing removed). */
  canonicalDefault(expression: string): string;
  /** Whether a default expression is volatile (a different value per row: random(), gen_random_uuid() …). */
  isVolatile(expression: string): boolean;
  /** A value of the type to fill a NOT NULL column re-created without its data (0, '', false, the epoch …). */
  placeholder(type: string): string;
  /** CREATE TABLE with columns, primary key, foreign keys and checks (not its indexes). */
  createTable(t: DdlTable): string;
  dropTable(name: string): string;
  renameTable(from: string, to: string): string;
  /** ADD COLUMN (DuckDB: the column, then SET NOT NULL as a second statement). */
  addColumn(table: string, col: DdlColumn): string[];
  /** ADD COLUMN without NOT NULL (the first step of the safe way to a NOT NULL column). */
  addNullableColumn(table: string, col: DdlColumn): string;
  dropColumn(table: string, column: string): string;
  renameColumn(table: string, from: string, to: string): string;
  /** ALTER COLUMN … TYPE (with its collation and a cast from the old value); a refusal where the engine cannot. */
  alterColumnType(table: string, col: DdlColumn): string | DdlRefusal;
  setNotNull(table: string, column: string): string;
  dropNotNull(table: string, column: string): string;
  setDefault(table: string, column: string, expression: string): string;
  dropDefault(table: string, column: string): string;
  createIndex(table: string, i: DdlIndex, opts?: { concurrently?: boolean }): string;
  dropIndex(name: string, opts?: { concurrently?: boolean }): string;
  /** ADD CONSTRAINT … FOREIGN KEY with every action the engine takes; a refusal where the engine cannot alter constraints. */
  addForeignKey(table: string, fk: DdlForeignKey, opts?: { notValid?: boolean }): string | DdlRefusal;
  addCheck(table: string, check: DdlCheck, opts?: { notValid?: boolean }): string | DdlRefusal;
  validateConstraint(table: string, name: string): string;
  dropConstraint(table: string, name: string): string | DdlRefusal;
  addPrimaryKey(table: string, name: string, columns: string[]): string | DdlRefusal;
  /**
   * Rebuilds `t` (SQLite's procedure): create it under a new name, copy the rows (`copy`: new column ←
   * old column `from`, or `value`, an SQL expression, for a column the old table lacks), drop the old table, rename, re-create `t.indexes` and `triggers` (their
   * CREATE TRIGGER texts). `selfCheck` ends it with the statements that fail when a foreign key is
   * violated. A refusal where the engine cannot rebuild.
   */
  rebuildTable(t: DdlTable, copy: Array<{ to: string; from: string } | { to: string; value: string }>, opts?: { triggers?: string[]; selfCheck?: boolean }): string[] | DdlRefusal;
}
// --- end DDL generation (H6) ---
