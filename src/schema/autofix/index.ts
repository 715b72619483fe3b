import { sql, type Kysely } from 'kysely';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResolvedConfig } from '../../config/index.js';
import type { Connection } from '../../dialects/types.js';
import { EventdbError, messageOf } from '../../errors.js';
import type { ValidationResult } from '../findings.js';
import { collectFindings, summarise, validateDatabase, type ValidateOptions } from '../validate.js';
import { ensureAutofixLog, logFix } from './log.js';
import { planFixes, type FixStep, type PlannedFix } from './plan.js';

export { planFixes, LARGE_TABLE_ROWS, type PlannedFix, type FixPlan, type FixStatus } from './plan.js';
export { AUTOFIX_LOG_TABLE } from './log.js';

export interface AutoFixOptions extends ValidateOptions {
  /** Apply the safe fixes (default: plan only). */
  apply?: boolean;
  /** How long to wait for the migration lock (default 30 s). */
  lockTimeoutMs?: number;
  /** Apply even though migrations are pending (default: refuse; a pending migration may create the same objects). */
  allowPending?: boolean;
  /** PostgreSQL tables above this many rows get no index build without CONCURRENTLY. */
  largeTableRows?: number;
  /** Called before each fix is applied (progress). */
  onFix?: (fix: PlannedFix, index: number, total: number) => void;
}

export interface AutoFixResult {
  ok: boolean;
  applied: boolean;
  fixes: PlannedFix[];
  counts: { planned: number; applied: number; failed: number; refused: number; needsMigration: number };
  /** The state before (plan) and, after --apply, validated again. */
  before: ValidationResult;
  after?: ValidationResult;
}


/**
 * `eventdb auto-fix`: plans the safe fixes for what validate found (and applies them with
 * `apply`). Never drops, renames, narrows or rewrites: those are listed as needing a migration.
 * With `apply`, everything happens under the migration lock, re-planned after the lock is taken;
 * each fix runs in its own transaction, which also writes its row in `eventdb_autofix_log`.
 */
export async function autoFix(conn: Connection, config: ResolvedConfig, opts: AutoFixOptions = {}): Promise<AutoFixResult> {
  const plan = async () => {
    const started = performance.now();
    const c = await collectFindings(conn, config, { ...opts, drift: false });
    const p = await planFixes(conn.db, conn.engine, c.items, { largeTableRows: opts.largeTableRows });
    const before = summarise(c.items.map((i) => i.finding), c.checks, config, conn.engine, opts.strict, performance.now() - started);
    return { p, before };
  };
  if (!opts.apply) {
    const { p, before } = await plan();
    return result(p.fixes, before, false);
  }
  const outcome = await conn.withLock('migrate', { timeoutMs: opts.lockTimeoutMs ?? 30_000 }, async () => {
    const { p, before } = await plan();
    const pending = before.findings.filter((f) => f.kind === 'pending-migration').length;
    if (pending && !opts.allowPending && p.steps.some((s) => s.fix.kind !== 'missing-history-table')) {
      throw new EventdbError('PENDING_MIGRATIONS', `${pending} migration${pending === 1 ? ' is' : 's are'} pending; auto-fix would create objects a migration may create too`, 'run `eventdb migrate up` first, or pass --allow-pending');
    }
    if (p.steps.length) await ensureAutofixLog(conn.db, conn.engine);
    for (const [i, step] of p.steps.entries()) {
      opts.onFix?.(step.fix, i, p.steps.length);
      await applyStep(conn, step);
    }
    return { p, before };
  });
  const after = await validateDatabase(conn, config, opts);
  return result(outcome.p.fixes, outcome.before, true, after);
}

function result(fixes: PlannedFix[], before: ValidationResult, applied: boolean, after?: ValidationResult): AutoFixResult {
  const n = (s: string) => fixes.filter((f) => f.status === s).length;
  const counts = { planned: n('planned'), applied: n('applied'), failed: n('failed'), refused: n('refused'), needsMigration: n('needs-migration') };
  return { ok: counts.failed === 0 && (after ? after.ok : true), applied, fixes, counts, before, ...(after ? { after } : {}) };
}

/** Test hook for the fault tests: pause inside a fix's transaction, after its first statement. */
function faultPauseMs(): number {
  return Number(process.env.EVENTDB_FAULT_PAUSE_IN_FIX_MS ?? 0) || 0;
}

async function applyStep(conn: Connection, step: FixStep): Promise<void> {
  const fix = step.fix;
  const at = new Date();
  const t0 = performance.now();
  // The log row commits in the fix's (last) transaction: a fix is never applied without its row, and
  // a kill -9 leaves either both or neither.
  const logApplied = (trx: Kysely<any>) => logFix(trx, { fix: fix.description, object: fix.object, sql: fix.sql, outcome: 'applied', at, durationMs: performance.now() - t0 });
  try {
    if (fix.kind === 'missing-history-table') {
      if (conn.noSchema) throw conn.noSchema;
      const { ensureHistory } = await import('../../migrations/history.js');
      await conn.db.transaction().execute(async (trx) => {
        await ensureHistory(trx, conn.engine);
        await logApplied(trx);
      });
    } else {
      const last = step.transactions.length - 1;
      for (const [i, statements] of step.transactions.entries()) {
        try {
          await runTransaction(conn.db, statements, i === last ? logApplied : undefined);
        } catch (e) {
          if (i > 0 && step.undo) await runTransaction(conn.db, step.undo).catch(() => undefined);
          throw e;
        }
      }
    }
    fix.status = 'applied';
  } catch (e) {
    fix.status = 'failed';
    fix.error = messageOf(e);
  }
  fix.durationMs = Math.round(performance.now() - t0);
  if (fix.status === 'failed') {
    // Nothing of the fix committed; its failure is recorded when the log can take it (the result reports it either way).
    await logFix(conn.db, { fix: fix.description, object: fix.object, sql: fix.sql, outcome: 'failed', error: fix.error, at, durationMs: fix.durationMs }).catch(() => undefined);
  }
}

async function runTransaction(db: Kysely<any>, statements: string[], then?: (trx: Kysely<any>) => Promise<void>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const [i, s] of statements.entries()) {
      await sql.raw(s).execute(trx);
      if (i === 0 && faultPauseMs()) await sleep(faultPauseMs());
    }
    await then?.(trx);
  });
}
