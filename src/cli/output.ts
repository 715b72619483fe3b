import { redact, redactDeep } from '../config/redact.js';
import { EventdbError, EXIT, messageOf, type ExitCode } from '../errors.js';

export interface GlobalOptions {
  url?: string;
  env?: string;
  config?: string;
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  color?: boolean;
  yes?: boolean;
}

export type Status = 'ok' | 'info' | 'warn' | 'fail' | 'skipped';

/**
 * A reader that went away (`eventdb migrate up | head -1`) is not an error: the command carries on
 * and exits as it would have, and what it would still print is dropped — no EPIPE stack trace. Any
 * other write error is still thrown. Installed once per stream by the CLI entry.
 */
export function toleratePipeClose(stream: NodeJS.WriteStream): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') return;
    throw e;
  });
}
const guarded = new WeakSet<NodeJS.WriteStream>();

/** Writes unless the stream's reader is gone. */
function put(stream: NodeJS.WriteStream, text: string): void {
  if (stream.destroyed || stream.writableEnded) return;
  stream.write(text);
}

/**
 * Everything the shell prints goes through here: redacted, to stdout (results) or stderr (errors,
 * progress). With --json one object is written to stdout, `ok` first.
 */
export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  /** Colours and emoji only on a terminal, and never with --no-color or NO_COLOR. */
  readonly fancy: boolean;

  constructor(g: GlobalOptions, private readonly stdout: NodeJS.WriteStream = process.stdout, private readonly stderr: NodeJS.WriteStream = process.stderr) {
    this.json = !!g.json;
    this.quiet = !!g.quiet;
    this.verbose = !!g.verbose;
    this.fancy = g.color !== false && !process.env.NO_COLOR && !!stdout.isTTY;
  }

  /** A line of human output (suppressed by --json and --quiet). */
  line(text = ''): void {
    if (this.json || this.quiet) return;
    put(this.stdout, `${printable(redact(text))}\n`);
  }

  /** A progress or notice line on stderr (suppressed by --quiet). */
  note(text: string): void {
    if (this.quiet) return;
    put(this.stderr, `${printable(redact(text))}\n`);
  }

  /** The command's result: JSON with `ok` first under --json, else the human rendering. */
  result(ok: boolean, data: Record<string, unknown>, render: () => void): void {
    if (this.json) {
      put(this.stdout, `${JSON.stringify(redactDeep({ ok, ...data }), jsonReplacer, 2)}\n`);
      return;
    }
    render();
  }

  marker(s: Status): string {
    if (this.fancy) return { ok: '✅', info: 'ℹ️ ', warn: '⚠️ ', fail: '❌', skipped: '⏭️ ' }[s];
    return { ok: '[ok]  ', info: '[info]', warn: '[warn]', fail: '[FAIL]', skipped: '[skip]' }[s];
  }

  /**
   * One NDJSON line on stdout (`backup --every --json`, `health-check --serve --json`): one compact,
   * redacted object per event, `ok` first. Not suppressed by --quiet: it is the machine output.
   */
  ndjson(ok: boolean, data: Record<string, unknown>): void {
    put(this.stdout, `${JSON.stringify(redactDeep({ ok, ...data }), jsonReplacer)}\n`);
  }

  /** An error as one NDJSON line (`{"ok":false,"error":…}`) on stdout, and the error lines on stderr; returns the exit code. */
  ndjsonError(e: unknown): ExitCode {
    const { error, exit } = errorInfo(e);
    this.ndjson(false, { error });
    this.errorLines(e, error.message, error.hint);
    return exit;
  }

  /**
   * Text in a format of its own on stdout (SARIF, GitHub workflow annotations, a JSON document asked
   * for with --format json): redacted and shown printable, otherwise as given; not suppressed by --json
   * or --quiet, since it is what was asked for. A trailing newline is added.
   */
  raw(text: string): void {
    put(this.stdout, `${printable(redact(text))}\n`);
  }

  /** `{"ok", …data}` pretty-printed and redacted on stdout, whatever --json says (`--format json`). */
  document(ok: boolean, data: Record<string, unknown>): void {
    put(this.stdout, `${JSON.stringify(redactDeep({ ok, ...data }), jsonReplacer, 2)}\n`);
  }

  /**
   * A live status line on a terminal's stderr, redrawn in place (`\r`, clear line). Callers only use
   * it when stderr is a TTY; `live()` with no text clears the line.
   */
  live(text?: string): void {
    put(this.stderr, text === undefined ? '\r\x1b[2K' : `\r\x1b[2K${printable(redact(text))}`);
  }

  /**
   * An error that escaped every command (the CLI entry's last resort): `error: <message>` without a
   * hint line, the stack with --verbose. Under --json the error object on stdout says to report it.
   */
  internal(e: unknown): void {
    if (this.json) put(this.stdout, `${JSON.stringify(redactDeep({ ok: false, error: { code: 'INTERNAL', message: messageOf(e), hint: 'report it with the output of --verbose' } }), null, 2)}\n`);
    put(this.stderr, `error: ${oneLine(redact(messageOf(e)))}\n`);
    if (this.verbose && e instanceof Error && e.stack) put(this.stderr, `${redact(e.stack)}\n`);
  }

  /** Prints an error (and JSON error object under --json); returns the exit code. */
  error(e: unknown): ExitCode {
    const { error, exit } = errorInfo(e);
    if (this.json) {
      put(this.stdout, `${JSON.stringify(redactDeep({ ok: false, error }), null, 2)}\n`);
    }
    this.errorLines(e, error.message, error.hint);
    return exit;
  }

  private errorLines(e: unknown, message: string, hint: string): void {
    // One line each, whatever the message quotes (a table name from a manifest may hold a newline).
    put(this.stderr, `error: ${oneLine(redact(message))}\n`);
    if (hint) put(this.stderr, `hint: ${oneLine(redact(hint))}\n`);
    if (this.verbose && e instanceof Error && e.stack) {
      put(this.stderr, `${printable(redact(e.stack))}\n`);
      let cause = (e as { cause?: unknown }).cause;
      while (cause instanceof Error) {
        put(this.stderr, `caused by: ${printable(redact(cause.stack ?? cause.message))}\n`);
        cause = (cause as { cause?: unknown }).cause;
      }
    }
  }
}

function errorInfo(e: unknown): { error: { code: string; message: string; hint: string }; exit: ExitCode } {
  const err = e instanceof EventdbError ? e : undefined;
  const code = err?.code ?? 'INTERNAL';
  const message = err ? err.message : messageOf(e);
  const hint = err?.hint ?? 'run again with --verbose for details, and report it if it persists';
  return { error: { code, message, hint }, exit: err?.exitCode ?? EXIT.FAILED };
}

/**
 * Text for a terminal: control characters (C0 other than newline and tab, DEL, C1) are shown as
 * `\xNN` and Unicode bidi controls (U+061C, U+200E/F, U+202A–E, U+2066–9) as `\uNNNN`, so a name
 * or tag read from a store or a file cannot move the cursor, recolour, rewrite or reorder the screen.
 * Newlines and tabs pass: this is applied to whole (possibly multi-line) output; text that must stay
 * on its line goes through oneLine first. JSON output escapes controls by itself.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, escapeChar);
}

/**
 * Untrusted text placed inside one line of human output (a tag, a migration id, a table name from a
 * manifest; an error message): every control character — newline, carriage return and tab too — and
 * every bidi control escaped, so it can neither start a forged line nor reorder the line it is on.
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, escapeChar);
}

function escapeChar(c: string): string {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  return value;
}

/** Two-column aligned rows. */
export function table(rows: Array<[string, string]>, indent = ''): string {
  const w = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${indent}${k.padEnd(w)}  ${v}`).join('\n');
}
