/**
 * Every error code eventdb reports, with the process exit status it maps to and what it means. Scripts
 * match on `code` (in `--json` output: `error.code`) and on the exit status; both are a contract. The
 * README's "Error codes" table is checked against this catalogue (test/unit/error-codes.test.ts).
 * Adding a code: add it here (the compiler then accepts it in `new EventdbError`) and to the README.
 */
export const EXIT = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  CONNECT: 3,
  LOCK: 4,
  SAFETY: 5,
  /** Interrupted by SIGINT (128 + 2); SIGTERM exits 143. */
  INTERRUPTED: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

interface CodeEntry {
  readonly exit: ExitCode;
  readonly means: string;
  /** The exit status is the cause's (an EventdbError given as `cause`) when there is one. */
  readonly exitOfCause?: true;
}

const U = EXIT.USAGE;
const F = EXIT.FAILED;
const C = EXIT.CONNECT;
const L = EXIT.LOCK;
const S = EXIT.SAFETY;

export const ERROR_CODES = {
  // usage and configuration (2)
  USAGE: { exit: U, means: 'a flag, argument or value is wrong' },
  CONFIG: { exit: U, means: 'a setting is invalid (config file, environment variable or flag)' },
  CONFIG_SYNTAX: { exit: U, means: 'the config file cannot be parsed' },
  BAD_URL: { exit: U, means: 'a database or store URL is malformed' },
  BAD_KEY: { exit: U, means: 'an age key or recipient is malformed' },
  UNKNOWN_ENGINE: { exit: U, means: 'the engine is not postgres, sqlite or duckdb' },
  UNSUPPORTED_ENGINE: { exit: U, means: 'the expected schema is not written for this engine' },
  NO_MIGRATIONS_DIR: { exit: U, means: 'the migrations folder does not exist' },
  NO_SCHEMA_DIR: { exit: U, means: 'the schema folder has no declaration' },
  SCHEMA_INVALID: { exit: U, means: 'the schema declaration is malformed' },
  MIGRATION_INVALID: { exit: U, means: 'a migration file is not valid UTF-8 text, or its name is not valid UTF-8' },
  MIGRATION_UNREADABLE: { exit: U, means: 'a migration file cannot be read (a dangling symbolic link, no permission)' },
  RISK_ACCEPT_INVALID: { exit: U, means: 'a risk-accepted line is malformed or names no rule' },
  UNKNOWN_MIGRATION: { exit: U, means: '--to names no migration' },
  NOT_APPLIED: { exit: U, means: 'rollback --to names a migration that is not applied' },
  PATH_NOT_FOUND: { exit: U, means: 'a file or folder given on the command line does not exist' },
  SEED_FILE: { exit: U, means: 'a seed file is missing, cannot be loaded or exports no seed function' },
  DIFF_RENAME_NEEDED: { exit: U, means: '`migrate diff` found a possible rename and no terminal to ask (the hint gives the --rename flag)' },
  DIFF_EXISTS: { exit: U, means: 'a migration file `migrate diff` would write already exists' },
  NEXT_ID: { exit: U, means: "no next migration ID continues the folder's naming and sorts after its newest migration (`migrate create`, `migrate diff`)" },
  SCHEMA_PULL_EXISTS: { exit: U, means: '`schema pull` would overwrite a file (add --force)' },
  SCHEMA_PULL_EMPTY: { exit: U, means: '`schema pull` found no table in the schema it reads (a declaration needs one)' },
  // cannot connect or open (3)
  CONNECT: { exit: C, means: 'the database server cannot be reached' },
  AUTH: { exit: C, means: 'the database or store rejected the credentials' },
  DB_NOT_FOUND: { exit: C, means: 'the database does not exist' },
  NOT_A_DATABASE: { exit: C, means: 'the file is not a database of the configured engine' },
  IS_A_DIRECTORY: { exit: C, means: 'the database path is a directory' },
  READ_ONLY: { exit: C, means: 'the database cannot be written' },
  STORE_UNREACHABLE: { exit: C, means: 'the snapshot store cannot be reached' },
  // locks (4)
  LOCK_TIMEOUT: { exit: L, means: 'another eventdb process held the lock past the timeout' },
  LOCK_BUSY: { exit: L, means: 'another eventdb process holds the lock' },
  // safety gates (5)
  SAFETY: { exit: S, means: 'refused by a safety rule' },
  PRODUCTION_REFUSED: { exit: S, means: 'refused on a production environment without confirmation' },
  RISK_GATE: { exit: S, means: 'a pending migration has findings at or above the risk gate' },
  CONFIRM_REQUIRED: { exit: S, means: 'the command changes recorded state and needs --yes' },
  SNAPSHOT_MISMATCH: { exit: S, means: 'the snapshot belongs to another database or environment' },
  RESTORE_REFUSED: { exit: S, means: 'the snapshot cannot be restored into this target' },
  SEED_NOT_EMPTY: { exit: S, means: 'seeding would mix with existing rows' },
  // the operation failed (1)
  BACKUP_BEFORE_FAILED: { exit: F, means: 'the snapshot before migrating failed; nothing was applied (exit status of its cause)', exitOfCause: true },
  BACKUP_FAILED: { exit: F, means: 'the backup failed; nothing was committed to the store' },
  BACKUP_TIMEOUT: { exit: F, means: 'the final backup of `backup --every` did not finish in time' },
  BAD_MIGRATION: { exit: F, means: 'a migration file is malformed' },
  BULK_INSERT: { exit: F, means: 'a bulk load failed; no rows of that call were kept' },
  CHECKSUM_MISMATCH: { exit: F, means: 'an applied migration file changed since it was applied' },
  CLOSED: { exit: F, means: 'the connection was already closed' },
  CORRUPT_SNAPSHOT: { exit: F, means: 'a snapshot is damaged or incomplete' },
  DECRYPT_FAILED: { exit: F, means: 'an encrypted snapshot cannot be decrypted with the given key' },
  DEPENDENCY_CYCLE: { exit: F, means: 'migration dependencies form a cycle' },
  DEPENDENT_APPLIED: { exit: F, means: 'a migration that depends on this one is still applied' },
  DIFF_REFUSED: { exit: F, means: 'an engine cannot make a declared change (named with the engine)' },
  DIFF_REHEARSAL: { exit: F, means: 'the generated migration failed its rehearsal (up, then down) in a scratch database' },
  DIFF_REPLAY: { exit: F, means: 'the existing migrations do not replay into a scratch database (exit status of its cause)', exitOfCause: true },
  DIFF_RISK: { exit: F, means: 'the generated migration has risk findings the declared change does not account for' },
  DISK_FULL: { exit: F, means: 'no space left on the device' },
  DRIFT_SCRATCH: { exit: F, means: 'no scratch database could be made for the drift check' },
  DUPLICATE_ID: { exit: F, means: 'two migration files have the same ID' },
  EMPTY_MIGRATION: { exit: F, means: 'a migration has no statements' },
  EXISTS: { exit: F, means: 'the file to create already exists' },
  FOREIGN_KEY_VIOLATION: { exit: F, means: 'rows violate a foreign key' },
  HISTORY_UNREADABLE: { exit: F, means: "eventdb's migration history exists but cannot be read (e.g. no SELECT privilege)" },
  INTERNAL: { exit: F, means: 'a bug in eventdb' },
  INTERRUPTED: { exit: EXIT.INTERRUPTED, means: 'SIGINT or SIGTERM stopped the command; what it had created and not finished was removed (exit 130, or 143 for SIGTERM)' },
  UNFINISHED: { exit: F, means: 'the process ended before the command finished (code it loaded called process.exit or never settled)' },
  MIGRATION_CAPTURE: { exit: F, means: 'a TypeScript migration cannot be compiled to SQL without a database' },
  MIGRATION_FAILED: { exit: F, means: 'a migration failed and was rolled back' },
  MIGRATION_TIMEOUT: { exit: F, means: 'a TypeScript migration ran past migrationTimeout and was rolled back' },
  MIGRATION_IMPORT: { exit: F, means: 'a TypeScript migration cannot be loaded' },
  MISSING_FILE: { exit: F, means: 'an applied migration has no file to roll back with' },
  NOT_FOUND: { exit: F, means: 'no such snapshot or object in the store' },
  NO_DOWN: { exit: F, means: 'a migration has no down section' },
  NO_SECTIONS: { exit: F, means: 'a SQL migration has no up section' },
  NO_VARIANT: { exit: F, means: 'a migration has no file for this engine' },
  OUT_OF_ORDER: { exit: F, means: 'a pending migration sorts before an applied one' },
  PENDING_MIGRATIONS: { exit: F, means: 'migrations are pending' },
  PG_RESTORE_MISSING: { exit: F, means: 'pg_restore is needed for this snapshot and is not installed' },
  PLAN_CHANGED: { exit: F, means: 'the migrations changed while the snapshot before them was taken' },
  RESTORE_FAILED: { exit: F, means: 'the restore failed; the target is unchanged' },
  SEED_FAILED: { exit: F, means: 'a seed file threw' },
  SEED_NO_SCHEMA: { exit: F, means: 'the platform tables do not exist yet' },
  STORE_FAILED: { exit: F, means: 'the snapshot store failed the request' },
  STORE_NOT_FOUND: { exit: F, means: 'the store (bucket or folder) does not exist' },
  TYPES_WRITE: { exit: F, means: 'the generated types file cannot be written' },
  UNKNOWN_DEPENDENCY: { exit: F, means: 'a migration depends on an ID that does not exist' },
} as const satisfies Record<string, CodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(ERROR_CODES, code);

/** The exit status of an error code, and of its cause where the code takes the cause's. */
export function exitStatusOf(code: ErrorCode, cause?: unknown): ExitCode {
  const entry: CodeEntry = ERROR_CODES[code];
  if (entry.exitOfCause && cause && typeof cause === 'object' && 'exitCode' in cause) {
    const x = (cause as { exitCode: unknown }).exitCode;
    if (typeof x === 'number' && (Object.values(EXIT) as number[]).includes(x)) return x as ExitCode;
  }
  return entry.exit;
}
