import type { FileVitals } from '../../dialects/types.js';
import { formatBytes } from '../../units.js';
import type { CheckContext, CheckOutcome } from '../types.js';

/** A database file (SQLite, DuckDB): file size, WAL size; with --deep the integrity check's verdict. */
export function judgeFileVitals(v: FileVitals, ctx: CheckContext): CheckOutcome {
  const memory = ctx.conn?.target.memory ?? false;
  const details: Record<string, unknown> = { path: v.path, sizeBytes: v.sizeBytes, walBytes: v.walBytes };
  let status: CheckOutcome['status'] = 'ok';
  const problems: string[] = [];
  if (v.walBytes > ctx.opts.walWarnBytes) {
    status = 'warn';
    problems.push(`WAL is ${formatBytes(v.walBytes)} (over ${formatBytes(ctx.opts.walWarnBytes)}): checkpoints are not keeping up`);
  }
  if (v.pages) {
    details.pages = v.pages.count;
    details.freePages = v.pages.free;
    details.pageSize = v.pages.size;
  }
  let deepNote = '';
  if (v.quickCheck) {
    const lines = v.quickCheck;
    details.quickCheck = lines;
    if (!(lines.length === 1 && lines[0] === 'ok')) {
      status = 'fail';
      problems.push(`quick_check found ${lines.length} problem${lines.length === 1 ? '' : 's'}: ${lines[0] ?? ''}`);
    } else deepNote = ', quick_check ok';
  } else if (v.tablesScanned !== undefined) {
    details.tablesScanned = v.tablesScanned;
    deepNote = `, ${v.tablesScanned} table${v.tablesScanned === 1 ? '' : 's'} read back`;
  }
  const summary = memory ? 'in-memory database' : `${formatBytes(v.sizeBytes)} file, WAL ${formatBytes(v.walBytes)}${deepNote}`;
  return { status, message: problems.length ? `${problems.join('; ')} (${summary})` : summary, details };
}
