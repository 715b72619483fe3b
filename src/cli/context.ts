import type { Command } from 'commander';
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
      process.exitCode = (await handler(ctx, ...positional)) ?? 0;
    } catch (e) {
      process.exitCode = ctx.out.error(e);
    }
  };
}
