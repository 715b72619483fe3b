import { quoteIdent } from '../quote.js';
import type { MigrationSuccess } from '../types.js';

/** A SQLite string constant ('' doubles a quote); undefined for text holding NUL, which `exec` would cut. */
function sqliteLiteral(s: string): string | undefined {
  return s.includes('\0') ? undefined : `'${s.replace(/'/g, "''")}'`;
}

/**
 * The statements that record a successful `up` (history + log rows), as literal SQL run in the
 * migration's transaction in the same `exec` call as its COMMIT. Undefined when a value cannot travel
 * as a literal (the caller writes the rows the ordinary way).
 */
export function sqliteSuccessSql(s: MigrationSuccess, durationMs: number): string | undefined {
  const t = [s.id, s.checksum, s.startedAt, s.appliedBy, s.version, s.file, s.kind, s.attemptId].map(sqliteLiteral);
  if (t.some((x) => x === undefined)) return undefined;
  const [id, checksum, at, by, version, file, kind, attempt] = t as string[];
  const ms = Math.round(durationMs);
  const batch = Number(s.batch);
  return (
    `insert into ${quoteIdent(s.historyTable)} (id, checksum, applied_at, duration_ms, applied_by, eventdb_version, batch, file, kind) values (${id}, ${checksum}, ${at}, ${ms}, ${by}, ${version}, ${batch}, ${file}, ${kind});\n` +
    `insert into ${quoteIdent(s.logTable)} (attempt_id, id, direction, outcome, checksum, started_at, duration_ms, batch, applied_by, eventdb_version) values (${attempt}, ${id}, 'up', 'applied', ${checksum}, ${at}, ${ms}, ${batch}, ${by}, ${version})`
  );
}
