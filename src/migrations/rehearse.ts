import type { Connection } from '../dialects/types.js';
import { engineHint, type EventdbError } from '../errors.js';
import { ensureHistory, ownTables, recordApplied, removeApplied } from './history.js';
import type { Kysely } from 'kysely';
import { needsRebuild, resetSession, runMigration, StepError } from './execute.js';
import { isMigrationTimeout } from './ts-timeout.js';
import type { Direction, Migration } from './types.js';

export interface StepFailure {
  id: string;
  file: string;
  statement?: string;
  message: string;
  /** What the engine's dialect advises for this error (engineHint), when it knows. */
  hint?: string;
}

export interface Rehearsal {
  /** Whether the plan was run inside a transaction and rolled back. */
  ran: boolean;
  /** Every rehearsed step succeeded (steps after a no-transaction step are not rehearsed). */
  ok: boolean;
  /** The first failure. */
  error?: StepFailure;
  /** Migrations rehearsed successfully, in order. */
  rehearsed: string[];
  /** The first no-transaction migration (or the first one only a real run can run): it and those after it were not rehearsed. */
  stoppedBefore?: string;
  /** Why the rehearsal stopped before `stoppedBefore`. */
  stopReason?: string;
  /** Why it did not run, when `ran` is false. */
  reason?: string;
  /** Captured statements per migration ID. */
  statements: Map<string, string[]>;
  /** The step migrationTimeout stopped (MIGRATION_TIMEOUT), when one was. */
  timedOut?: EventdbError;
  durationMs: number;
}

class Rollback extends Error {}

/**
 * Runs the plan for real inside one transaction — history writes included, so later steps see
 * the state earlier ones leave — then rolls it all back. The database is as it was before.
 */
export async function rehearse(conn: Connection, steps: Array<{ m: Migration; direction: Direction }>, batch: number, timeoutMs?: number): Promise<Rehearsal> {
  const t0 = performance.now();
  const r: Rehearsal = { ran: false, ok: false, rehearsed: [], statements: new Map(), durationMs: 0 };
  if (!conn.capabilities.transactionalDdl) {
    r.reason = `${conn.engine} has no transactional DDL`;
    return r;
  }
  r.ran = true;
  // Table rebuilds run with the engine's procedure (Connection.tableRebuild, SQLite: foreign keys off;
  // see onOneSession); the rehearsal is one transaction, so when the plan holds one the whole
  // rehearsal runs that way, each rebuild checked — a rebuild that would leave orphans fails the
  // rehearsal as it fails the real run. (Cascades of other steps then do not fire in the rehearsal.)
  const rebuildIn = (m: Migration, d: Direction) => m.kind === 'sql' && needsRebuild(conn, d === 'up' ? m.sql!.up : m.sql!.down);
  const fkOff = steps.some((s) => s.m.transaction && rebuildIn(s.m, s.direction));
  try {
    await conn.db.connection().execute(async (session) => {
      if (fkOff) await conn.tableRebuild!.prepare(session);
      try {
        await rehearseIn(session);
      } finally {
        if (fkOff) await resetSession(conn, session).catch(() => undefined);
      }
    });
  } catch (e) {
    if (!(e instanceof Rollback)) r.error ??= { id: '', file: '', message: e instanceof Error ? e.message : String(e) };
  }
  r.ok = !r.error;
  r.durationMs = performance.now() - t0;
  return r;

  async function rehearseIn(session: Kysely<any>): Promise<void> {
    await session.transaction().execute(async (trx) => {
      await ensureHistory(ownTables(conn, trx), conn.engine);
      for (const { m, direction } of steps) {
        if (!m.transaction) {
          r.stoppedBefore = m.id;
          r.stopReason = 'no-transaction migrations are not rehearsed';
          break;
        }
        const captured: string[] = [];
        r.statements.set(m.id, captured);
        const started = new Date();
        try {
          await runMigration(trx, conn, m, direction, true, (s) => captured.push(s), timeoutMs);
          await resetSession(conn, trx);
          if (fkOff && rebuildIn(m, direction)) await conn.tableRebuild!.check(trx);
          if (direction === 'up') await recordApplied(ownTables(conn, trx), { id: m.id, checksum: m.checksum, appliedAt: started, durationMs: 0, batch, file: m.file, kind: m.kind });
          else await removeApplied(ownTables(conn, trx), m.id);
        } catch (e) {
          const limit = conn.rehearsalLimit?.(e instanceof StepError ? e.cause : e, captured.join(';\n'));
          if (limit) {
            r.stoppedBefore = m.id;
            r.stopReason = limit;
            r.statements.delete(m.id);
            throw new Rollback();
          }
          r.error = failureOf(m, e, conn);
          if (isMigrationTimeout(e)) r.timedOut = e;
          throw new Rollback();
        }
        r.rehearsed.push(m.id);
      }
      throw new Rollback();
    });
  }
}

/** What failed; the statement cut (clipStatement) for the log row, the error output and --json alike. */
export function failureOf(m: Migration, e: unknown, conn?: Pick<Connection, 'migrationErrorHint' | 'migrationErrorNotes'>): StepFailure {
  const notes = conn?.migrationErrorNotes?.(e);
  const hint = engineHint(e) ?? conn?.migrationErrorHint?.(e, { kind: m.kind, transaction: m.transaction, statement: e instanceof StepError ? e.statement : undefined }) ?? notes?.hint;
  const base = { id: m.id, file: m.file, ...(hint ? { hint } : {}) };
  const detail = notes?.detail ? ` (${notes.detail})` : '';
  if (e instanceof StepError) return { ...base, statement: e.statement === undefined ? undefined : clipStatement(e.statement), message: e.engineMessage + detail };
  return { ...base, message: (e instanceof Error ? e.message.split('\n')[0]! : String(e)) + detail };
}

/**
 * A statement cut for display: at most `lines` lines and `chars` characters, ending with a note of
 * what was left out (a failing 20 KB INSERT is not echoed whole).
 */
export function clipStatement(s: string, chars = 1000, lines = 20): string {
  let t = s.split('\n').slice(0, lines).join('\n');
  if (t.length > chars) t = t.slice(0, chars);
  const rest = s.length - t.length;
  return rest > 0 ? `${t.trimEnd()} … (${rest} more characters)` : s;
}
