import { sql } from 'kysely';
import { existsSync, statSync } from 'node:fs';
import type { Connection } from '../../dialects/types.js';
import { formatBytes } from '../duration.js';
import type { CheckContext, CheckOutcome } from '../types.js';

function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

/** SQLite and DuckDB: file size, WAL size; with --deep an integrity check. */
export async function fileVitals(conn: Connection, ctx: CheckContext): Promise<CheckOutcome> {
  const path = conn.target.path ?? ':memory:';
  const memory = conn.target.memory;
  const sizeBytes = memory ? 0 : fileSize(path);
  const walPath = conn.engine === 'sqlite' ? `${path}-wal` : `${path}.wal`;
  const walBytes = memory ? 0 : fileSize(walPath);
  const details: Record<string, unknown> = { path, sizeBytes, walBytes };
  let status: CheckOutcome['status'] = 'ok';
  const problems: string[] = [];
  if (walBytes > ctx.opts.walWarnBytes) {
    status = 'warn';
    problems.push(`WAL is ${formatBytes(walBytes)} (over ${formatBytes(ctx.opts.walWarnBytes)}): checkpoints are not keeping up`);
  }
  if (conn.engine === 'sqlite') {
    const r = await sql<{ page_count: number; freelist_count: number; page_size: number }>`
      select (select page_count from pragma_page_count) as page_count,
             (select freelist_count from pragma_freelist_count) as freelist_count,
             (select page_size from pragma_page_size) as page_size`.execute(conn.db);
    const p = r.rows[0]!;
    details.pages = p.page_count;
    details.freePages = p.freelist_count;
    details.pageSize = p.page_size;
    if (memory) details.sizeBytes = p.page_count * p.page_size;
  }
  let deepNote = '';
  if (ctx.opts.deep) {
    if (conn.engine === 'sqlite') {
      const r = await sql<{ quick_check: string }>`pragma quick_check`.execute(conn.db);
      const lines = r.rows.map((x) => Object.values(x)[0] as string);
      details.quickCheck = lines;
      if (!(lines.length === 1 && lines[0] === 'ok')) {
        status = 'fail';
        problems.push(`quick_check found ${lines.length} problem${lines.length === 1 ? '' : 's'}: ${lines[0] ?? ''}`);
      } else deepNote = ', quick_check ok';
    } else {
      // DuckDB has no quick_check: read every table once, which verifies each block's checksum.
      const tables = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'main' and table_type = 'BASE TABLE'`.execute(conn.db);
      for (const t of tables.rows) await sql`select count(*) from ${sql.table(t.name)}`.execute(conn.db);
      details.tablesScanned = tables.rows.length;
      deepNote = `, ${tables.rows.length} table${tables.rows.length === 1 ? '' : 's'} read back`;
    }
  }
  const summary = memory ? 'in-memory database' : `${formatBytes(Number(details.sizeBytes))} file, WAL ${formatBytes(walBytes)}${deepNote}`;
  return { status, message: problems.length ? `${problems.join('; ')} (${summary})` : summary, details };
}
