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

// --- migrations and seed (H4) ---
// What the migration runner and the seeder ask of an engine (the core asks, the dialect knows). Added to
// Connection by declaration merging, so this block stays one piece.

/** A successful `up`: the values of its history and log rows, and the tables they go to. */
export interface MigrationSuccess {
  /** eventdb's own tables (unquoted names) and the schema that qualifies them (Connection.ownSchema). */
  historyTable: string;
  logTable: string;
  schema?: string;
  id: string;
  checksum: string;
  /** ISO 8601: applied_at of the history row, started_at of the log row. */
  startedAt: string;
  appliedBy: string;
  version: string;
  batch: number;
  file: string;
  kind: string;
  /** The log row's attempt_id. */
  attemptId: string;
}

/** One transactional SQL section handed to a dialect's fast path (Connection.applyMigrationFast). */
export interface FastApplyRequest {
  /** The section's text; the runner has checked it is lexically complete. */
  text: string;
  /** Its history and log rows, written in the same transaction (duration measured by the dialect). */
  success: MigrationSuccess;
  /** Statements that reset the session after the section (Connection.sessionReset). */
  reset: readonly string[];
  /** The section split into statements with their character offsets, to name the one that failed. */
  statements(): Promise<ReadonlyArray<{ text: string; offset: number }>>;
  /** The statement holding character `offset` of the text (with no offset: the only statement, if one). */
  statementAt(offset: number | undefined): Promise<string | undefined>;
  /** The error to throw when the section failed (`statement`: the failing one, when known). */
  failed(statement: string | undefined, cause: unknown): Error;
}

export interface Connection {
  /**
   * Migrations: applies one transactional SQL section and writes its success rows with the engine's
   * fewest calls (PostgreSQL: one simple-protocol query; SQLite: two `exec` calls), all or nothing; or
   * returns false having done nothing (a value that cannot travel as literal SQL): the runner then runs
   * it the ordinary way. Absent: always the ordinary way.
   */
  applyMigrationFast?(req: FastApplyRequest): Promise<boolean>;
  /** Migrations: writes a success's history and log rows on `db` in one statement. Absent: two inserts. */
  recordMigrationSuccess?(db: Kysely<any>, success: MigrationSuccess & { durationMs: number }): Promise<void>;
  /**
   * Migrations: present when the engine runs a many-statement script as one query (PostgreSQL's simple
   * protocol) — inside a transaction the runner then sends a section whole, and the session reset as one
   * query. `errorPosition` locates a failure: the 0-based character offset of the error in the query
   * text, undefined when the error carries none. Absent: scripts run statement by statement.
   */
  readonly wholeScripts?: { errorPosition(err: unknown): number | undefined };
  /**
   * Migrations: a section that rebuilds a table (DROP TABLE and ALTER TABLE … RENAME TO in one
   * transaction) needs this engine's procedure: `prepare` on the session before the transaction
   * (SQLite: foreign keys off, so the drop does not cascade), `check` inside it before the commit
   * (throws EventdbError FOREIGN_KEY_VIOLATION when rows break a foreign key). Absent: no procedure.
   */
  readonly tableRebuild?: { prepare(session: Kysely<any>): Promise<void>; check(db: Kysely<any>): Promise<void> };
  /**
   * Seed: empties `tables` (listed children first) with their own triggers not firing for it, all or
   * nothing where the engine allows, and restarts their id generators where the engine does.
   */
  resetTables(tables: readonly string[]): Promise<void>;
  /**
   * Seed: after explicit ids were loaded into `table`, moves its id generator past them so the next
   * insert does not collide. `idDefault`: the id column's default as introspected.
   */
  syncIdSequence(table: string, idDefault: string | null): Promise<void>;
}
