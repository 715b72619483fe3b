import { CommanderError, type Command } from 'commander';
import { EventdbError, EXIT } from '../errors.js';
import { Output, toleratePipeClose } from './output.js';
import { printTraceAtExit } from './trace.js';
import { mark } from '../trace.js';

/**
 * The AWS SDK warns on every run under Node 20 that it will drop that version. eventdb supports
 * Node 20 and that notice is not for its users, so exactly that warning type is dropped.
 */
function silenceSdkNodeVersionWarning(): void {
  const original = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const text = typeof warning === 'string' ? warning : warning.message;
    // The SDK emits it as a plain string starting "NodeVersionSupportWarning: The AWS SDK for JavaScript (v3)…".
    if (type === 'NodeDeprecationWarning' || /^NodeVersionSupportWarning:/.test(text) || /AWS SDK for JavaScript[\s\S]*(no longer support|end support|will require node)/i.test(text)) return;
    (original as (...a: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}

/**
 * A TypeScript migration, seed or config file runs inside the CLI: one that calls `process.exit(0)`, or
 * awaits a promise that never settles (the event loop drains), ended the process with exit 0 and no
 * output — success to CI, with nothing done. Until the command has finished, an exit with code 0 is
 * reported as UNFINISHED, exit 1. Returns the call that marks the command finished.
 */
function reportUnfinished(json: boolean): () => void {
  let done = false;
  process.on('exit', (code) => {
    if (done || code !== 0) return;
    new Output({ json }).error(new EventdbError('UNFINISHED', 'the process ended before the command finished: code it loaded (a TypeScript migration, seed or config file) called process.exit or awaited a promise that never settles', 'look for process.exit, or a promise never resolved, in the migrations, seed or config file this command loads'));
    process.exitCode = EXIT.FAILED;
  });
  return () => {
    done = true;
  };
}

/**
 * SIGINT and SIGTERM: what the command had created and not finished is removed (interrupt-cleanup.ts),
 * then the process exits 130 or 143 with a one-line error. A command with a handler of its own (`backup
 * --every` takes a final backup, `health-check --serve` closes its server) handles them itself. A second
 * signal exits at once.
 */
function cleanUpOnSignals(json: boolean): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (process.listenerCount(signal) > 1) return; // the command's own handler
    const exit = signal === 'SIGINT' ? EXIT.INTERRUPTED : 143;
    if (stopping) process.exit(exit);
    stopping = true;
    void import('../interrupt-cleanup.js')
      .then((m) => m.runInterruptCleanups())
      .catch(() => undefined)
      .finally(() => {
        new Output({ json }).error(new EventdbError('INTERRUPTED', `interrupted by ${signal}`, 'what it had started and not finished was removed or rolled back; run the command again'));
        process.exit(exit);
      });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

export async function run(argv: string[] = process.argv): Promise<void> {
  mark('cli');
  if (process.env.EVENTDB_TRACE === '1') printTraceAtExit();
  silenceSdkNodeVersionWarning();
  toleratePipeClose(process.stdout);
  toleratePipeClose(process.stderr);
  const { buildProgram } = await import('./program.js');
  const program = buildProgram();
  mark('program built');
  const json = argv.includes('--json');
  const finished = reportUnfinished(json);
  cleanUpOnSignals(json);
  // A command group run without its command (`eventdb`, `eventdb migrate`): commander writes the group's
  // help to stderr (its only other use of writeErr is outputError). Noted here; under --json not written.
  let missingCommandOf: Command | undefined;
  for (const c of [program, ...allCommands(program)]) {
    c.exitOverride();
    c.configureOutput({
      outputError: () => undefined,
      writeErr: (text) => {
        missingCommandOf = c;
        if (!json) process.stderr.write(text);
      },
    });
  }
  try {
    await program.parseAsync(argv);
    finished();
  } catch (e) {
    finished();
    if (e instanceof CommanderError) {
      // commander.help with a non-zero status: help shown because a group was run without its command.
      if (e.code === 'commander.help' && e.exitCode !== 0 && missingCommandOf) {
        process.exitCode = new Output({ json }).error(missingCommand(missingCommandOf));
        return;
      }
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') {
        process.exitCode = EXIT.OK;
        return;
      }
      const [first, ...rest] = e.message.split('\n');
      const message = (first ?? e.message).replace(/^error:\s*/, '');
      const suggestion = rest.join(' ').match(/\(Did you mean (.+)\?\)/)?.[1];
      const hint = suggestion ? `did you mean ${suggestion}? See eventdb --help` : 'see eventdb --help';
      // Through the output layer, like every other write (redacted; `ok` first under --json).
      new Output({ json }).error(new EventdbError('USAGE', message, hint));
      process.exitCode = EXIT.USAGE;
      return;
    }
    // Commands print their own errors; anything escaping them is still redacted, never a raw trace.
    new Output({ json, verbose: argv.includes('--verbose') }).internal(e);
    process.exitCode = EXIT.FAILED;
  }
}

function allCommands(c: Command): Command[] {
  return c.commands.flatMap((s) => [s, ...allCommands(s)]);
}

/** `eventdb` or `eventdb migrate` run without a command: a usage error (exit 2) naming the commands it has. */
function missingCommand(group: Command): EventdbError {
  const path: string[] = [];
  for (let c: Command | null = group; c; c = c.parent) path.unshift(c.name());
  const name = path.join(' ');
  const subs = group.commands.map((c) => c.name()).filter((n) => n !== 'help');
  return new EventdbError('USAGE', `${name} needs a command`, `one of: ${subs.join(', ')} (see ${name} --help)`);
}
