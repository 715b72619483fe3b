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
}

export interface IndexInfo {
  name: string;
  table: string;
  columns: string[];
  unique: boolean;
  primary: boolean;
  /** Partial index predicate, when the engine tells it. */
  where?: string;
}

export interface ForeignKeyInfo {
  name: string;
  table: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
  onDelete: string;
  onUpdate: string;
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

/** An open database. Only `src/dialects/*` creates these. */
export interface Connection {
  readonly engine: Engine;
  readonly target: DatabaseTarget;
  readonly capabilities: Readonly<Capabilities>;
  readonly db: Kysely<any>;
  /** Round-trip latency in milliseconds. */
  ping(): Promise<number>;
  serverVersion(): Promise<string>;
  /** A real cross-process lock. Throws EventdbError LOCK_TIMEOUT (exit 4) naming the holder. */
  withLock<T>(name: string, opts: LockOptions, fn: () => Promise<T>): Promise<T>;
  /** Whether the named lock is held now, and by whom. */
  lockStatus(name: string): Promise<LockStatus>;
  introspect(): Promise<SchemaSnapshot>;
  close(): Promise<void>;
}

export interface Dialect {
  readonly engine: Engine;
  readonly capabilities: Readonly<Capabilities>;
  connect(config: ResolvedConfig, opts?: ConnectOptions): Promise<Connection>;
  /** Whether the database exists, without creating it. */
  exists(config: ResolvedConfig): Promise<boolean>;
}
