import { sql, type Kysely } from 'kysely';
import { quoteIdent } from '../quote.js';
import type { MigrationSuccess } from '../types.js';

/** A DuckDB string constant: single quotes doubled (DuckDB reads backslashes literally). */
const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`;

const qualified = (table: string, schema: string | undefined): string => (schema ? `${quoteIdent(schema)}.${quoteIdent(table)}` : quoteIdent(table));

/**
 * The two inserts that record a successful `up` (history and log rows) as literal SQL, or undefined when
 * a value cannot travel as a literal (a NUL character): the caller then writes them the ordinary way.
 */
export function duckdbSuccessSql(s: MigrationSuccess, durationMs: number): string | undefined {
  const L = literal;
  const ms = Math.round(durationMs);
  const batch = Number(s.batch);
  const texts = [s.historyTable, s.logTable, s.schema ?? '', s.id, s.checksum, s.startedAt, s.appliedBy, s.version, s.file, s.kind, s.attemptId];
  if (!Number.isFinite(ms) || !Number.isInteger(batch) || texts.some((t) => t.includes('\0'))) return undefined;
  return (
    `insert into ${qualified(s.historyTable, s.schema)} (id, checksum, applied_at, duration_ms, applied_by, eventdb_version, batch, file, kind) ` +
    `values (${L(s.id)}, ${L(s.checksum)}, ${L(s.startedAt)}, ${ms}, ${L(s.appliedBy)}, ${L(s.version)}, ${batch}, ${L(s.file)}, ${L(s.kind)});\n` +
    `insert into ${qualified(s.logTable, s.schema)} (attempt_id, id, direction, outcome, checksum, started_at, duration_ms, batch, applied_by, eventdb_version) ` +
    `values (${L(s.attemptId)}, ${L(s.id)}, 'up', 'applied', ${L(s.checksum)}, ${L(s.startedAt)}, ${ms}, ${batch}, ${L(s.appliedBy)}, ${L(s.version)})`
  );
}

/**
 * Records a successful `up`'s history and log rows (Connection.recordMigrationSuccess) in one call to
 * DuckDB: both inserts as one literal two-statement query. As two parameterised inserts they were four
 * calls (a prepare and a run each), the most of a replayed migration's calls (issue 17).
 */
export async function duckdbRecordSuccess(db: Kysely<any>, s: MigrationSuccess & { durationMs: number }): Promise<void> {
  const text = duckdbSuccessSql(s, s.durationMs);
  if (text === undefined) throw new Error(`migration ${s.id}: its history row cannot be written as literal SQL (a NUL character, or a duration or batch that is no number)`);
  await sql.raw(text).execute(db);
}
