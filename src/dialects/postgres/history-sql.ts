import { sql, type Kysely } from 'kysely';
import { quoteIdent } from '../quote.js';
import type { MigrationSuccess } from '../types.js';

/** A quoted, schema-qualified name of one of eventdb's tables, for literal SQL. */
const qualified = (table: string, schema: string | undefined): string => (schema ? `${quoteIdent(schema)}.${quoteIdent(table)}` : quoteIdent(table));

/**
 * A PostgreSQL string constant for text that must travel inside a multi-statement simple-protocol
 * query (where parameters cannot): E'…' with backslashes and quotes escaped, which reads the same
 * whatever standard_conforming_strings says. NUL cannot occur in PostgreSQL text.
 */
export function pgLiteral(s: string): string {
  return `E'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * The statement that records a successful `up` (history + log rows), as literal SQL to append to the
 * migration's own script in the same simple-protocol query. duration_ms is measured by the server:
 * from the query's arrival (statement_timestamp) to this statement (clock_timestamp).
 */
export function pgSuccessSql(s: MigrationSuccess): string {
  const ms = '(extract(epoch from clock_timestamp() - statement_timestamp()) * 1000)::integer';
  const L = pgLiteral;
  const batch = Number(s.batch);
  return `with h as (insert into ${qualified(s.historyTable, s.schema)} (id, checksum, applied_at, duration_ms, applied_by, eventdb_version, batch, file, kind) values (${L(s.id)}, ${L(s.checksum)}, ${L(s.startedAt)}, ${ms}, ${L(s.appliedBy)}, ${L(s.version)}, ${batch}, ${L(s.file)}, ${L(s.kind)}) returning id, duration_ms) insert into ${qualified(s.logTable, s.schema)} (attempt_id, id, direction, outcome, checksum, started_at, duration_ms, batch, applied_by, eventdb_version) select ${L(s.attemptId)}, id, 'up', 'applied', ${L(s.checksum)}, ${L(s.startedAt)}, duration_ms, ${batch}, ${L(s.appliedBy)}, ${L(s.version)} from h`;
}

/** Records a successful `up`'s history and log rows on `db` in one statement (a data-modifying CTE). */
export async function pgRecordSuccess(db: Kysely<any>, s: MigrationSuccess & { durationMs: number }): Promise<void> {
  const ms = Math.round(s.durationMs);
  await sql`with h as (
      insert into ${sql.raw(qualified(s.historyTable, s.schema))} (id, checksum, applied_at, duration_ms, applied_by, eventdb_version, batch, file, kind)
      values (${s.id}, ${s.checksum}, ${s.startedAt}, ${ms}, ${s.appliedBy}, ${s.version}, ${s.batch}, ${s.file}, ${s.kind}) returning id)
    insert into ${sql.raw(qualified(s.logTable, s.schema))} (attempt_id, id, direction, outcome, checksum, started_at, duration_ms, batch, applied_by, eventdb_version)
    select ${s.attemptId}, id, 'up', 'applied', ${s.checksum}, ${s.startedAt}, ${ms}, ${s.batch}, ${s.appliedBy}, ${s.version} from h`.execute(db);
}
