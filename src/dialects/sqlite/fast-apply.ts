import type { FastApplyRequest } from '../types.js';
import { sqliteSuccessSql } from './history-sql.js';

/**
 * A transactional SQL migration with the fewest calls: `begin`, the whole section in one `exec`, then
 * its history and log rows (given the section's duration) and `commit` in a second — the same
 * transaction as ever, without a prepare and a Kysely round per statement. On failure the transaction
 * is rolled back and, only then, the section is split to name the failing statement: its statements
 * are run one by one in a transaction that is rolled back too. Returns false (nothing run) when the
 * record cannot be written as literal SQL: the caller runs it the ordinary way.
 */
export async function sqliteApplyOneCall(exec: (sql: string) => void, req: FastApplyRequest): Promise<boolean> {
  const { text, reset } = req;
  const t0 = performance.now();
  exec('begin');
  let failedInSection = true;
  try {
    exec(text);
    failedInSection = false;
    const record = sqliteSuccessSql(req.success, performance.now() - t0);
    if (record === undefined) {
      exec('rollback');
      return false;
    }
    exec(`${record};\ncommit`);
  } catch (e) {
    try {
      exec('rollback');
    } catch {
      /* a statement of the section may have ended the transaction itself */
    }
    throw req.failed(failedInSection ? await failingStatement(exec, req) : undefined, e);
  } finally {
    // After the commit: pragmas such as foreign_keys take effect only outside a transaction.
    if (reset.length) {
      try {
        exec(reset.join(';\n'));
      } catch {
        /* restored again after the next migration */
      }
    }
  }
  return true;
}

/** Which statement of a failed section fails: each run alone, in a transaction rolled back. */
async function failingStatement(exec: (sql: string) => void, req: FastApplyRequest): Promise<string | undefined> {
  const pieces = await req.statements();
  if (pieces.length === 1) return pieces[0]!.text;
  try {
    exec('begin');
  } catch {
    return undefined;
  }
  try {
    for (const p of pieces) {
      try {
        exec(p.text);
      } catch {
        return p.text;
      }
    }
    return undefined;
  } finally {
    try {
      exec('rollback');
    } catch {
      /* already rolled back by the failing statement */
    }
  }
}
