import { writeSync } from 'node:fs';

/**
 * EVENTDB_TRACE=1: where a run's time goes (#18). The core and the CLI only set marks (src/trace.ts,
 * `performance.mark('eventdb:<phase>')`, a few microseconds each, kept by Node); at exit they are
 * printed to stderr, each with its time since the process started (Node's own start is the first
 * figure, the `eventdb:bin` mark) and the time since the mark before it.
 */
export function printTraceAtExit(): void {
  process.on('exit', () => {
    let last = 0;
    const lines = performance
      .getEntriesByType('mark')
      .filter((m) => m.name.startsWith('eventdb:'))
      .map((m) => {
        const line = `eventdb trace ${m.startTime.toFixed(1).padStart(7)} ms  +${(m.startTime - last).toFixed(1).padStart(6)}  ${m.name.slice(8)}`;
        last = m.startTime;
        return line;
      });
    lines.push(`eventdb trace ${performance.now().toFixed(1).padStart(7)} ms  +${(performance.now() - last).toFixed(1).padStart(6)}  exit`);
    writeSync(2, `${lines.join('\n')}\n`);
  });
}
