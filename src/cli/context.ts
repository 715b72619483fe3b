import type { Command } from 'commander';
import { EventdbError } from '../errors.js';
import type { ResolvedConfig } from '../config/index.js';
import { Output, type GlobalOptions } from './output.js';

/** What a command's action gets: its options merged with the global ones, output, and config. */
export interface CommandContext<O = Record<string, unknown>> {
  opts: O & GlobalOptions;
  out: Output;
  /** Resolves configuration (flags > env > file > defaults) once, on first call. */
  config(): Promise<ResolvedConfig>;
}

export function makeContext<O>(cmd: Command, extraFlags: { migrations?: string; store?: string } = {}): CommandContext<O> {
  const opts = cmd.optsWithGlobals() as O & GlobalOptions;
  const out = new Output(opts);
  let cached: Promise<ResolvedConfig> | undefined;
  return {
    opts,
    out,
    config() {
      cached ??= import('../config/resolve.js').then((m) =>
        m.resolveConfig({ flags: { url: opts.url, env: opts.env, config: opts.config, ...extraFlags } }),
      );
      return cached;
    },
  };
}

/**
 * Wraps a command's action: builds the context, runs the handler, prints any error in the house
 * format and sets the exit code. Handlers return their exit code (0 when omitted).
 */
/**
 * An option or argument given as an empty string (`--to "$DEST"` with DEST unset) is a usage error:
 * taken as absent, `restore --to ""` restored over the configured database, `--url ""` fell back to
 * the default one.
 */
function refuseEmptyValues(cmd: Command, positional: unknown[]): void {
  for (let c: Command | null = cmd; c; c = c.parent) {
    for (const o of c.options) {
      const key = o.attributeName();
      if (c.getOptionValue(key) === '' && c.getOptionValueSource(key) === 'cli') throw new EventdbError('USAGE', `${o.long ?? o.flags} was given an empty value`, `give ${o.long ?? o.flags} a value, or leave the option out (an unset shell variable expands to nothing)`);
    }
  }
  if (positional.some((p) => p === '')) throw new EventdbError('USAGE', 'an argument was given as an empty string', 'give it a value, or leave it out (an unset shell variable expands to nothing)');
}

export function action<O>(
  handler: (ctx: CommandContext<O>, ...args: any[]) => Promise<number | void>,
  extraFlags?: (opts: O & GlobalOptions) => { migrations?: string; store?: string },
): (...args: any[]) => Promise<void> {
  return async (...args: any[]) => {
    const cmd = args[args.length - 1] as Command;
    const positional = args.slice(0, -2);
    const opts = cmd.optsWithGlobals() as O & GlobalOptions;
    const ctx = makeContext<O>(cmd, extraFlags?.(opts));
    try {
      refuseEmptyValues(cmd, positional);
      process.exitCode = (await handler(ctx, ...positional)) ?? 0;
    } catch (e) {
      process.exitCode = ctx.out.error(e);
    }
  };
}
