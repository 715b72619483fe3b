import { sql, type Kysely } from 'kysely';
import type { FastApplyRequest } from '../types.js';
import { pgSuccessSql } from './history-sql.js';

/** PostgreSQL reports the 1-based character position of an error in the query text (0-based here). */
export function pgErrorPosition(e: unknown): number | undefined {
  const pos = Number((e as { position?: string } | null)?.position);
  return Number.isFinite(pos) && pos > 0 ? pos - 1 : undefined;
}

/**
 * A transactional SQL migration applied in one round trip: `BEGIN`, the section's text, the session
 * reset, the statement that writes its history and log rows, `COMMIT` — one simple-protocol query on
 * one session, so the migration and its records commit together or not at all. On failure the
 * session's transaction is rolled back and the failing statement located from the server's error
 * position. (PostgreSQL server and PGlite.)
 */
export async function pgApplyOneTrip(db: Kysely<any>, req: FastApplyRequest): Promise<boolean> {
  const { text, reset } = req;
  const head = 'begin;\n';
  // The session is reset (search_path, role, timeouts a migration set) before eventdb's own statement.
  const query = `${head}${text}\n;\n${reset.map((r) => `${r};\n`).join('')}${pgSuccessSql(req.success)};\ncommit`;
  await db.connection().execute(async (c) => {
    try {
      await sql.raw(query).execute(c);
    } catch (e) {
      await sql.raw('rollback').execute(c).catch(() => undefined);
      const pos = pgErrorPosition(e);
      const at = pos === undefined ? undefined : pos - head.length;
      const stmt = at !== undefined && (at < 0 || at >= text.length) ? undefined : await req.statementAt(at);
      throw req.failed(stmt, e);
    }
  });
  return true;
}
