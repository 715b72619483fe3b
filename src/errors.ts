/**
 * The one error type core code throws. `code` is stable (scripts match on it), `message` is one line,
 * `hint` says what to do next. `exitCode` (the process exit status) comes from the code's entry in the
 * catalogue (src/error-codes.ts): one exit status per code.
 */
import { type ErrorCode, type ExitCode, exitStatusOf } from './error-codes.js';

export { ERROR_CODES, EXIT, isErrorCode, type ErrorCode, type ExitCode } from './error-codes.js';

export interface EventdbErrorOptions {
  cause?: unknown;
  details?: unknown;
}

export class EventdbError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly exitCode: ExitCode;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, hint = '', opts: EventdbErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'EventdbError';
    this.code = code;
    this.hint = hint;
    this.exitCode = exitStatusOf(code, opts.cause);
    this.details = opts.details;
  }

  toJSON(): { code: ErrorCode; message: string; hint: string } {
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

/**
 * An engine's own error that its dialect knows what to do about keeps its message and carries eventdb's
 * advice as `eventdbHint` (set with withEngineHint where the dialect sees the error); whoever turns it
 * into an EventdbError — a failed migration, a failed replay — uses it as the hint (engineHint).
 */
export function withEngineHint<E>(e: E, hint: string | undefined): E {
  if (hint && e !== null && typeof e === 'object') (e as { eventdbHint?: string }).eventdbHint = hint;
  return e;
}

/** The hint a dialect attached to `e` or to an error in its `cause` chain, if any. */
export function engineHint(e: unknown): string | undefined {
  for (let x = e, depth = 0; x !== null && typeof x === 'object' && depth < 8; x = (x as { cause?: unknown }).cause, depth++) {
    const h = (x as { eventdbHint?: unknown }).eventdbHint;
    if (typeof h === 'string') return h;
  }
  return undefined;
}
