/**
 * Byte-progress rendering shared by `backup`, `restore` and `backup verify`: a bar with bytes, rate and
 * time left in an ora spinner on a terminal's stderr. Lives here so that command files do not import
 * each other.
 */

import { formatBytes } from '../../units.js';

export { formatBytes };

/** One progress line: a bar when the total is known, then bytes, rate and time left. */
export function progressLine(label: string, bytes: number, total: number | undefined, seconds: number): string {
  const rate = seconds > 0 ? bytes / seconds : 0;
  if (!total) return `${label}  ${formatBytes(bytes)}  ${formatBytes(rate)}/s`;
  const f = Math.min(1, bytes / total);
  const width = 24;
  const full = Math.round(f * width);
  const left = rate > 0 && f < 1 ? `  ${Math.ceil((total - bytes) / rate)} s left` : '';
  return `${label}  [${'█'.repeat(full)}${'░'.repeat(width - full)}] ${String(Math.floor(f * 100)).padStart(3)}%  ${formatBytes(bytes)} of ${formatBytes(total)}  ${formatBytes(rate)}/s${left}`;
}

export interface Progress {
  /** A step without byte counts (the spinner keeps turning). */
  step(text: string): void;
  /** Bytes done of a total (when known); the rate counts from the first call for this label. */
  bytes(label: string, done: number, total?: number): void;
  stop(): void;
}

/**
 * Progress on a terminal (stderr is a TTY, not --json/--quiet): an ora spinner whose text is a bar
 * with bytes, rate and time left, refreshed at most 4 times a second. Anywhere else (logs, CI,
 * pipes) it prints nothing: the result line says the size, time and rate at the end.
 */
export async function startProgress(opts: { json?: boolean; quiet?: boolean }, text: string): Promise<Progress> {
  // A terminal that reports no width (some CI ptys) makes ora clear lines without end: no progress there.
  if (!process.stderr.isTTY || !process.stderr.columns || opts.json || opts.quiet) return { step: () => undefined, bytes: () => undefined, stop: () => undefined };
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: process.stderr }).start();
  let label = '';
  let since = 0;
  let shown = 0;
  return {
    step(t) {
      label = '';
      spinner.text = t;
      spinner.render();
    },
    bytes(l, done, total) {
      const now = Date.now();
      if (l !== label) {
        label = l;
        since = now;
      } else if (now - shown < 250 && (total === undefined || done < total)) return;
      shown = now;
      spinner.text = progressLine(l, done, total, (now - since) / 1000);
      spinner.render();
    },
    stop: () => spinner.stop(),
  };
}
