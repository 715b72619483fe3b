/**
 * The one error type core code throws. `code` is stable (scripts match on it), `message` is one line,
 * `hint` says what to do next. The shell maps `exitCode` to the process exit status.
 */
export const EXIT = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  CONNECT: 3,
  LOCK: 4,
  SAFETY: 5,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Default exit code per error code; codes not listed exit 1. */
const EXIT_BY_CODE: Record<string, ExitCode> = {
  USAGE: EXIT.USAGE,
  CONFIG: EXIT.USAGE,
  CONFIG_SYNTAX: EXIT.USAGE,
  BAD_URL: EXIT.USAGE,
  UNKNOWN_ENGINE: EXIT.USAGE,
  NO_MIGRATIONS_DIR: EXIT.USAGE,
  SCHEMA_INVALID: EXIT.USAGE,
  CONNECT: EXIT.CONNECT,
  AUTH: EXIT.CONNECT,
  DB_NOT_FOUND: EXIT.CONNECT,
  NOT_A_DATABASE: EXIT.CONNECT,
  IS_A_DIRECTORY: EXIT.CONNECT,
  READ_ONLY: EXIT.CONNECT,
  LOCK_TIMEOUT: EXIT.LOCK,
  LOCK_BUSY: EXIT.LOCK,
  SAFETY: EXIT.SAFETY,
  PRODUCTION_REFUSED: EXIT.SAFETY,
  RISK_GATE: EXIT.SAFETY,
};

export interface EventdbErrorOptions {
  exitCode?: ExitCode;
  cause?: unknown;
  details?: unknown;
}

export class EventdbError extends Error {
  readonly code: string;
  readonly hint: string;
  readonly exitCode: ExitCode;
  readonly details?: unknown;

  constructor(code: string, message: string, hint = '', opts: EventdbErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'EventdbError';
    this.code = code;
    this.hint = hint;
    this.exitCode = opts.exitCode ?? EXIT_BY_CODE[code] ?? EXIT.FAILED;
    this.details = opts.details;
  }

  toJSON(): { code: string; message: string; hint: string } {
    return { code: this.code, message: this.message, hint: this.hint };
  }
}

export function isEventdbError(e: unknown): e is EventdbError {
  return e instanceof EventdbError;
}

/** First line of an unknown thrown value's message. */
export function messageOf(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0] ?? text;
}
