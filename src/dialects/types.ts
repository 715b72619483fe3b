import type { Kysely } from 'kysely';
import type { DatabaseTarget, Engine, ResolvedConfig } from '../config/index.js';
import type { EventdbError } from '../errors.js';

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
  /** A generated column: its expression as the engine reports it, stored or virtual (its `default` is then null). */
  generated?: GeneratedColumn;
}

/** A generated (computed) column's expression, and whether the engine stores its value or computes it on read. */
export interface GeneratedColumn {
  expression: string;
  stored: boolean;
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
  /** Non-key columns (PostgreSQL INCLUDE), when there are any. */
  include?: string[];
  /** PostgreSQL 15+ NULLS NOT DISTINCT, when set. */
  nullsNotDistinct?: boolean;
  /** SQLite: the CREATE INDEX text exactly as sqlite_schema keeps it (`definition` is its canonical form); a table rebuild re-creates the index from it. */
  sql?: string;
  /** DuckDB: a UNIQUE constraint's key, not an index made by CREATE INDEX (it blocks no ALTER TABLE of other columns). */
  constraint?: true;
  /** PostgreSQL: INVALID (`pg_index.indisvalid` false) — left by a CREATE INDEX CONCURRENTLY that failed: never used, still maintained. */
  invalid?: true;
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
  /** SQLite: the CREATE TRIGGER text exactly as sqlite_schema keeps it (comments and line breaks in its body kept); a table rebuild re-creates the trigger from it. */
  sql?: string;
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
  /** A virtual table (SQLite `CREATE VIRTUAL TABLE … USING fts4`): its module. The authoring API cannot declare one. */
  virtual?: string;
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
  // schema as code (issue 17): CHECK constraints and enumerated types, on engines that report them
  /** CHECK constraints: the boolean expression without `CHECK (…)`, as the engine reports it. */
  checks?: Array<{ table: string; name: string; expression: string; /** False when PostgreSQL holds it NOT VALID (`convalidated`). */ validated?: boolean }>;
  /** Enumerated types (PostgreSQL, DuckDB), values in their declared order. */
  enums?: Array<{ name: string; values: string[] }>;
  /** Sequences of the schema (PostgreSQL, DuckDB), by name: a `nextval('…')` default needs its sequence (issue 17). */
  sequences?: string[];
  /**
   * Macros of the schema (DuckDB `CREATE MACRO`, scalar and table; not temporary ones), by name: each overload's
   * parameters and body as the engine reports them, one definition text per name. Absent: engines without them.
   */
  macros?: Array<{ name: string; definition: string }>;
  /** Tables in the database's other schemas (PostgreSQL: `auth.users` beside `public`; DuckDB: beside `main`), not read here: counts by schema. */
  elsewhere?: Array<{ schema: string; tables: number }>;
  /**
   * Partitioned tables (PostgreSQL) and their partitions (`schema.name` outside the current schema), which
   * the declaration cannot state: pulled, each is a plain table, and a migration made from it is too.
   */
  partitioned?: Array<{ table: string; partitions: string[] }>;
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
  /**
   * The caller takes a lock (Connection.withLock) next: a database server opens the lock's own
   * session alongside the first one instead of after it. Ignored where locks need no session.
   */
  lockSession?: boolean;
}

/**
 * Rows of one table, values already in the form SQLite binds, laid out for a cheap hand-over between
 * threads (src/seed/bound-batch.ts writes it into shared-memory slots reused batch after batch). Row-major:
 * value `k` (row `k / width`, column `k % width`) is `kinds[k]`, one of the kinds below: NULL, NUMBER
 * the number `nums[k]`, TEXT the text `text.slice(ends[k - 1] ?? 0, ends[k])`, BIGINT that text as a
 * bigint's decimal digits. `ends[k]` is the end of value k's text in `text` (for a value that is not
 * text, the previous end).
 */
export interface BoundBatch {
  rows: number;
  width: number;
  kinds: Uint8Array;
  nums: Float64Array;
  ends: Int32Array;
  text: string;
}

/** BoundBatch's value kinds (`kinds[k]`): NULL, the value is SQL NULL (nothing in `nums` or `text`). */
export const NULL = 0;
/** The value is the number `nums[k]` (a boolean is 1 or 0). */
export const NUMBER = 1;
/** The value is the text `text.slice(ends[k - 1] ?? 0, ends[k])` (a Date as ISO 8601 UTC, an object as JSON). */
export const TEXT = 2;
/** The value is that text's decimal digits, bound as an integer (a bigint). */
export const BIGINT = 3;

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
   * PostgreSQL: why eventdb cannot create its own tables on this connection, when it cannot — no
   * current schema (the search_path names none that exists, or none this role may use). Thrown by
   * whatever would create them (the migration history), instead of the server's "no schema has been
   * selected to create in"; reading commands are not affected.
   */
  readonly noSchema?: EventdbError;
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
  /**
   * Present where the engine loads files faster than rows handed over one by one (DuckDB: it parses
   * CSV in C++, while the caller's worker thread writes the next file). Loads CSV files in the format
   * of src/seed/csv.ts (no header; strings always quoted; an unquoted empty field is NULL; timestamps
   * as milliseconds since the epoch), `columns` in file order. Each file is read while `files` is
   * suspended on it. One call loads all rows or none
   * (EventdbError BULK_INSERT). Returns the number of rows inserted.
   */
  bulkLoadCsv?(table: string, columns: string[], files: AsyncIterable<string>): Promise<number>;
  /**
   * Present where the engine binds values one by one and the caller can hand them over ready to bind
   * (SQLite: the seed's worker thread generates and encodes the rows, this thread only fills the
   * statement's parameters). Loads BoundBatch batches (see there: timestamps as ISO 8601 UTC text,
   * booleans as 1/0, objects as JSON), `columns` in batch order, with bulkInsert's options and
   * contract: all rows or none (EventdbError BULK_INSERT); returns the number of rows inserted.
   */
  bulkInsertBound?(table: string, columns: string[], batches: AsyncIterable<BoundBatch>, opts?: BulkInsertOptions): Promise<number>;
  close(): Promise<void>;
}

export interface Dialect {
  readonly engine: Engine;
  readonly capabilities: Readonly<Capabilities>;
  connect(config: ResolvedConfig, opts?: ConnectOptions): Promise<Connection>;
  /** Whether the database exists, without creating it. */
  exists(config: ResolvedConfig): Promise<boolean>;
}

// --- core operations: health, risk sizes, capture ---
// Declared here and merged into Connection: what the core's health, risk and drift code asks of an
// open database, so that it never names an engine. Implemented in each engine's folder.
export interface Connection {
  /**
   * Row estimates per table of the connection's own schema, names lower case: PostgreSQL's planner
   * statistics (pg_class.reltuples; a capped count(*) for tables never analysed), a capped count(*)
   * on SQLite, count(*) on DuckDB (answered from metadata). Used by the risk gate to size rewrites.
   */
  tableSizes(): Promise<Map<string, number>>;
  /**
   * The database's vital signs for `health-check`: facts only, the check judges them. `deep` adds the
   * slow ones (an integrity check on files; never-scanned indexes on PostgreSQL).
   */
  vitals(opts: { deep: boolean }): Promise<DatabaseVitals>;
  /**
   * How long a statement waits for another process's write lock, from now on (SQLite busy_timeout).
   * `health-check` sets it to what remains of its deadline. Absent: the engine has no such wait.
   */
  setBusyTimeout?(ms: number): Promise<void>;
  /**
   * Every function name visible in the database (lower case) → the most volatile of its overloads:
   * 'i' immutable < 's' stable < 'v' volatile. `names` (lower case): only those names are looked up.
   * Absent: unknown (engines without stored functions).
   */
  functionVolatility?(names?: readonly string[]): Promise<Map<string, 'i' | 's' | 'v'>>;
  /**
   * Migrations: makes the extensions a plan creates (`CREATE EXTENSION`, names as SQL writes them)
   * creatable, where the engine must load them into this process first — PGlite, whose contrib
   * extensions are bundles unpacked when it starts: it starts again with them (outside any
   * transaction; nothing of the database is lost). Names it does not ship are ignored (the statement
   * then fails with a hint). Absent: the server has what it has.
   */
  loadExtensions?(names: readonly string[]): Promise<void>;
  /**
   * A new empty database beside this one on the same server, for the drift check: its config and a
   * drop that removes it. Throws the engine's error when it cannot be created (e.g. no CREATEDB).
   * Absent on engines whose scratch database is in memory (the registry's `scratchUrl`).
   */
  createScratchDatabase?(config: ResolvedConfig): Promise<{ config: ResolvedConfig; drop(): Promise<void> }>;
}

/** What `Connection.vitals` reports: a database with sessions (PostgreSQL, PGlite), or a file (SQLite, DuckDB). */
export type DatabaseVitals = SessionVitals | FileVitals;

export interface SessionVitals {
  kind: 'sessions';
  sizeBytes: number;
  /** Client sessions in use (all databases), the server's max_connections and superuser_reserved_connections. */
  connections: { used: number; max: number; reserved: number };
  /** Other client sessions of this database that are active or idle in a transaction, with their age. */
  sessions: SessionActivity[];
  /** `deep` only: non-unique indexes never scanned since statistics were reset, largest first. */
  neverScannedIndexes?: Array<{ table: string; index: string; sizeBytes: number }>;
  /** INVALID indexes (a CREATE INDEX CONCURRENTLY that failed left them): never used, still maintained. */
  invalidIndexes?: Array<{ schema: string; table: string; index: string }>;
}

export interface SessionActivity {
  pid: number;
  state: string | null;
  /** Since the query started (active) or the state last changed (idle in transaction). */
  ageMs: number;
  application: string;
  /** The first 200 characters of the query. */
  query: string;
}

export interface FileVitals {
  kind: 'file';
  /** The database file (`:memory:` for an in-memory database). */
  path: string;
  /** The file's size (in memory: pages × page size where the engine tells them, else 0). */
  sizeBytes: number;
  /** The write-ahead log beside it (SQLite `-wal`, DuckDB `.wal`); 0 when absent. */
  walBytes: number;
  /** SQLite: page count, free pages, page size. */
  pages?: { count: number; free: number; size: number };
  /** `deep`, SQLite: `pragma quick_check`'s lines (`['ok']` when sound). */
  quickCheck?: string[];
  /** `deep`, DuckDB (no quick_check): tables read back once, which verifies each block's checksum. */
  tablesScanned?: number;
}
// --- end core operations ---

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
  /**
   * Settles once `tables` and `notes` are final, when the engine completes them while the stream is
   * read (row counting that overlaps the compression). The core awaits it before writing the
   * manifest; a rejection fails the backup. Absent: they are final already.
   */
  settled?: Promise<void>;
  /**
   * The server's version and the migration head, when the engine read them in the dump's own session
   * (PostgreSQL: eventdb's history table, in the dump's snapshot). Absent: the core reads them on its
   * connection.
   */
  head?: { serverVersion: string; migrations: { head: string | null; applied: Array<{ id: string; checksum: string | null; appliedAt: string | null }> } };
  /** Removes temp files and closes sessions. Always called. */
  cleanup(): Promise<void>;
}

/** Per-engine backup and restore, loaded on demand with `getSnapshotEngine(engine)`. */
export interface SnapshotEngine {
  readonly engine: Engine;
  /** A consistent copy while writers continue, streamed. `tmpDir` is scratch space. */
  snapshot(conn: Connection, config: ResolvedConfig, opts: { tmpDir: string; pgDump?: 'auto' | 'never' }): Promise<SnapshotSource>;
  /**
   * The same copy by an engine whose dump opens its own session and never uses the core's connection
   * (a server): the core starts it without waiting for that connection to open, and opens the
   * connection once `onStarted` is called (the dump's process or copy has begun) (#18 fixed cost).
   * `readsHead`: the engine reads the version and migration head in its own session (the source's
   * `head`, when that read succeeds), so the core needs no connection of its own for them.
   */
  snapshotOwnSession?(config: ResolvedConfig, opts: { tmpDir: string; pgDump?: 'auto' | 'never'; onStarted?: (readsHead?: boolean) => void }): Promise<SnapshotSource>;
  /**
   * Checks a downloaded copy: SQLite/DuckDB open it read-only and run the engine's integrity check;
   * PostgreSQL reads the dump through (eventdb-pg) or lists it with pg_restore (pg-custom). Returns rows
   * per table when it can count them. Throws EventdbError CORRUPT_SNAPSHOT when the copy fails.
   */
  checkFile(path: string, format: SnapshotSource['format']): Promise<{ tables?: Record<string, number>; check: string }>;
  /**
   * When the target's data last changed, or 'missing' / 'empty' / 'unknown' (`restore --if-newer`).
   * File engines: the newest mtime of the file and its WAL files; PostgreSQL: the last commit's time
   * (needs track_commit_timestamp), 'empty' when it has no tables.
   */
  targetAge(target: ResolvedConfig): Promise<Date | 'missing' | 'empty' | 'unknown'>;
  /**
   * Removes what restores of `target` killed mid-way left beside it (SQLite/DuckDB: hidden
   * `.<name>.restore-XXXXXX` download folders). Called under the target's restore lock, before
   * anything else, when no other restore of it can be running. Returns what was removed.
   */
  removeLeftovers?(target: ResolvedConfig): Promise<string[]>;
  /**
   * Replaces `target`'s data with the snapshot's, verified before anything is touched, atomically, and
   * keeping the old data unless `keep` is false. SQLite/DuckDB: download beside the file, integrity
   * check, swap under the file's lock; PGlite: download, load in one transaction; PostgreSQL server:
   * load into a new database while it downloads, swap names once `verified`. On any failure the target
   * is unchanged. Throws CORRUPT_SNAPSHOT, RESTORE_FAILED, DISK_FULL, LOCK_TIMEOUT, PG_RESTORE_MISSING.
   */
  restore(req: RestoreRequest): Promise<RestoreOutcome>;
}

/** What `SnapshotEngine.restore` is given: the target, the snapshot's data, and the core's checks. */
export interface RestoreRequest {
  /** The database to replace (the configured one, or the `--to` database). */
  target: ResolvedConfig;
  format: SnapshotSource['format'];
  /** The manifest's rows per table. */
  expected: Record<string, number>;
  /** Keep the replaced data (`*.pre-restore-<stamp>` file or tarball, `<name>_pre_restore_<stamp>` database). */
  keep: boolean;
  /** A time stamp for kept copies' and temporary databases' names. */
  stamp: string;
  /** How long to wait for the target's lock (LOCK_TIMEOUT after it). */
  lockTimeoutMs: number;
  /** The snapshot's data object. */
  data: RestoreData;
  /** The core's check of counted rows against the manifest: throws CORRUPT_SNAPSHOT. Call it before replacing anything. */
  checkRows(counted: Record<string, number> | undefined): void;
  /** Progress: the step the restore enters. */
  onPhase?(phase: 'load' | 'check' | 'swap'): void;
}

/** The snapshot's data object, fetched by the core: size, SHA-256, decryption and decompression checked. */
export interface RestoreData {
  /** Downloads it into `dest`, a new file (fsynced unless `fsync: false`); removes `dest` on failure. */
  download(dest: string, opts: { fsync: boolean }): Promise<void>;
  /** Streams it; `verified` settles once it was read through. Nothing may become visible before it resolves. */
  open(): Promise<DumpStream>;
  /** A scratch folder (EVENTDB_TMPDIR) for a download that is only read; removed after the restore. */
  scratchDir(): Promise<string>;
}

/** What a restore did. */
export interface RestoreOutcome {
  /** What the old data was kept as (file, tarball or database name), when kept. */
  previous?: string;
  /** Rows per table of the restored data. */
  tables: Record<string, number>;
  /** Checks passed, after the core's checksum check (e.g. `integrity_check ok`). */
  checks: string[];
  notes?: string[];
}

/** A dump being downloaded: its bytes, the promise that they matched the manifest, and a way to stop. */
export interface DumpStream {
  data: NodeJS.ReadableStream;
  verified: Promise<unknown>;
  abort(reason?: Error): void;
}

// --- migrations and seed ---
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
  /**
   * A later commit of the same run follows on this database, and the run ends on a commit that waits
   * for the disk (or on a failure that logs its attempt, itself a waiting commit): this commit may
   * return before its WAL is flushed, since that later flush makes it durable too (issue 18).
   */
  flushLater?: boolean;
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
   * Migrations: eventdb's advice for an error a migration raised, when this engine's error says what to
   * do (PostgreSQL: a statement that cannot run inside a transaction block, an enum value used in the
   * transaction that added it). Used as the failure's hint; absent or undefined: the generic hint.
   */
  migrationErrorHint?(err: unknown, m: { kind: 'sql' | 'ts'; transaction: boolean; statement?: string }): string | undefined;
  /**
   * Migrations: what the engine's error itself adds below its message (PostgreSQL's DETAIL and HINT:
   * the duplicated key, the dependent view, "Use DROP ... CASCADE"), each on one line. The detail is
   * shown with the message; the engine's hint is the failure's hint where eventdb has none of its own.
   */
  migrationErrorNotes?(err: unknown): { detail?: string; hint?: string };
  /**
   * Migrations: a section that rebuilds a table (DROP TABLE and ALTER TABLE … RENAME TO in one
   * transaction) needs this engine's procedure: `prepare` on the session before the transaction
   * (SQLite: foreign keys off, so the drop does not cascade), `check` inside it before the commit
   * (throws EventdbError FOREIGN_KEY_VIOLATION when rows break a foreign key). Absent: no procedure.
   */
  readonly tableRebuild?: { prepare(session: Kysely<any>): Promise<void>; check(db: Kysely<any>): Promise<void> };
  /**
   * Migrations: a rehearsal (the whole plan in one transaction, rolled back) failed with `err` running
   * a migration whose SQL is `sql`. When the failure comes from the plan sharing one transaction — the
   * real run, which commits each migration, would not fail there — returns why (one clause); the
   * rehearsal then stops before that migration instead of failing. Absent, or undefined: a failure.
   */
  rehearsalLimit?(err: unknown, sql: string): string | undefined;
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
// --- DDL generation ---
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
  /** A generated column (`GENERATED ALWAYS AS (…) STORED | VIRTUAL`): no default, never a foreign key on its definition. */
  generated?: GeneratedColumn;
}

export interface DdlIndex {
  name: string;
  /** Column names, or expressions such as `lower(email)`. */
  columns: string[];
  unique?: boolean;
  where?: string;
  using?: string;
  include?: string[];
  nullsNotDistinct?: boolean;
}

export interface DdlForeignKey {
  name: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
  onDelete?: string;
  onUpdate?: string;
  /** Declared notValid: added NOT VALID and left so (no VALIDATE), where the engine has NOT VALID. */
  notValid?: boolean;
}

export interface DdlCheck {
  name: string;
  expression: string;
}

export interface DdlTable {
  name: string;
  columns: DdlColumn[];
  primaryKey: string[];
  /** The primary key's constraint name (default `<table>_pkey`): a down re-creating a table gives it the name it had. */
  primaryKeyName?: string;
  foreignKeys?: DdlForeignKey[];
  checks?: DdlCheck[];
  indexes?: DdlIndex[];
  /** UNIQUE constraints of the CREATE TABLE (DdlFacts.foreignKeysNeedUniqueConstraints). */
  uniques?: Array<{ name: string; columns: string[] }>;
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
  /** CREATE TABLE may name a table not created yet in a foreign key (SQLite: checked only when rows are written). */
  forwardForeignKeys: boolean;
  /** An index keeps each key's ASC/DESC and NULLS FIRST/LAST (DuckDB accepts them and drops them). */
  indexKeyOrder: boolean;
  /** CREATE INDEX … INCLUDE (…) and NULLS NOT DISTINCT (PostgreSQL; NULLS NOT DISTINCT from 15). */
  indexIncludeAndNulls: boolean;
  /** SET / DROP DEFAULT in place. */
  setDefaultInPlace: boolean;
  /** ADD / DROP of a foreign key or check on an existing table. */
  alterConstraintsInPlace: boolean;
  /** Replace a primary key in place. */
  alterPrimaryKeyInPlace: boolean;
  /**
   * A primary key's constraint name is the engine's own, kept through a RENAME (PostgreSQL): a table
   * re-created by a down gets it back. SQLite and DuckDB introspection make one up from the table's name.
   */
  namedPrimaryKeys?: boolean;
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
  /** Generated columns: the kinds CREATE TABLE takes and the kinds ADD COLUMN takes (absent: none). */
  generatedColumns?: { create: Array<'stored' | 'virtual'>; add: Array<'stored' | 'virtual'> };
  /** Named enumerated types (CREATE TYPE … AS ENUM); SQLite: none, an enum column is text. */
  enumTypes: boolean;
  /**
   * A foreign key may reference only a primary key or a UNIQUE constraint, not a unique index (DuckDB):
   * a new table's unique key that a foreign key references is created as a constraint in its CREATE TABLE.
   */
  foreignKeysNeedUniqueConstraints?: boolean;
}

/** One engine's DDL. Obtain with `EngineEntry.loadDdl()` or `ddlFor(engine)`. */
export interface SchemaDdl {
  readonly engine: Engine;
  readonly facts: Readonly<DdlFacts>;
  /** A declared type as the engine's introspection reports it (`int` → `integer`), for comparing. */
  canonicalType(type: string): string;
  /** A default expression as comparable text (casts, parentheses, case and spacing removed). */
  canonicalDefault(expression: string): string;
  /**
   * A CHECK expression as comparable text: what the engines rewrite (`x in (…)` → `x = any (array[…])`,
   * `between` → `>= and <=`, `like` → `~~`, `!=` → `<>`) spelled one way, then as `canonicalDefault`.
   */
  canonicalCheck(expression: string): string;
  /** Whether a default expression is volatile (a different value per row: random(), gen_random_uuid() …). */
  isVolatile(expression: string): boolean;
  /**
   * The sequence a default draws from, on engines with sequences (issue 17): `nextval('public.s'::regclass)` →
   * `{ sql: 'public.s', name: 's' }` (as the default writes it; as the catalog lists it, `SchemaSnapshot.sequences`).
   */
  sequenceOf?(expression: string): { sql: string; name: string } | undefined;
  /** CREATE SEQUENCE / DROP SEQUENCE for the `sql` name `sequenceOf` returned. */
  createSequence?(sqlName: string): string;
  dropSequence?(sqlName: string): string;
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
  // enumerated types (issue 17): a refusal where the engine has no such type or cannot alter it
  /** CREATE TYPE … AS ENUM (values in order). */
  createEnum(name: string, values: string[]): string | DdlRefusal;
  dropEnum(name: string): string | DdlRefusal;
  renameEnum(from: string, to: string): string | DdlRefusal;
  /**
   * ALTER TYPE … ADD VALUE, BEFORE or AFTER an existing value (PostgreSQL: the value cannot be used in
   * the transaction that added it — run it on its own, outside a transaction).
   */
  addEnumValue(name: string, value: string, at?: { before: string } | { after: string }): string | DdlRefusal;
  /** ALTER COLUMN … TYPE to an enum type through text (from text, or from another enum type); `array`: to an array of it through text[]. */
  alterColumnToEnum(table: string, column: string, type: string, opts?: { array?: boolean }): string | DdlRefusal;
  /** Statements as one atomic statement where the engine has one outside a transaction (PostgreSQL: a DO block). */
  atomic(statements: string[]): string[];
}
// --- end DDL generation ---
