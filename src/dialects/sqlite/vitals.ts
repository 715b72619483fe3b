import { sql, type Kysely } from 'kysely';
import type { DatabaseTarget } from '../../config/index.js';
import { fileFacts } from '../file-vitals.js';
import type { FileVitals } from '../types.js';

/** File and WAL (`-wal`) size, pages; `deep`: `pragma quick_check`. */
export async function sqliteVitals(db: Kysely<any>, target: DatabaseTarget, opts: { deep: boolean }): Promise<FileVitals> {
  const vitals = fileFacts(target, (path) => `${path}-wal`);
  const r = await sql<{ page_count: number; freelist_count: number; page_size: number }>`
    select (select page_count from pragma_page_count) as page_count,
           (select freelist_count from pragma_freelist_count) as freelist_count,
           (select page_size from pragma_page_size) as page_size`.execute(db);
  const p = r.rows[0]!;
  vitals.pages = { count: p.page_count, free: p.freelist_count, size: p.page_size };
  if (target.memory) vitals.sizeBytes = p.page_count * p.page_size;
  if (opts.deep) {
    const q = await sql<{ quick_check: string }>`pragma quick_check`.execute(db);
    vitals.quickCheck = q.rows.map((x) => Object.values(x)[0] as string);
  }
  return vitals;
}
