import { sql, type Kysely } from 'kysely';
import type { FastApplyRequest } from '../types.js';
import { duckdbSuccessSql } from './history-sql.js';

/**
 * A transactional SQL migration with the fewest calls to DuckDB (Connection.applyMigrationFast): `begin`
 * and the whole section in one query, then the session reset, the history and log rows (given the
 * section's duration) and `commit` in a second — the same transaction as the ordinary way, without a
 * call per statement, per reset and per `begin`/`commit` (issue 17: a replayed migration took about ten
 * calls). On failure the transaction is rolled back and, only then, the section is split to name the
 * failing statement: its statements run one by one in a transaction that is rolled back too. Returns
 * false (nothing run) when the record cannot be written as literal SQL: the caller runs it the ordinary way.
 */
export async function duckdbApplyTwoCalls(db: Kysely<any>, req: FastApplyRequest): Promise<boolean> {
  const { text, reset } = req;
  return db.connection().execute(async (c) => {
    const run = (q: string) => sql.raw(q).execute(c);
    const rollback = () => run('rollback').catch(() => undefined); // a failed statement may have ended it already
    // after a rollback the session's settings go back as the ordinary path leaves them (errors ignored: best effort)
    const rollbackAndReset = async () => {
      await rollback();
      await run(reset.join(';\n')).catch(() => undefined);
    };
    const t0 = performance.now();
    try {
      // the newline before `;` ends a trailing `--` comment of the section
      await run(`begin transaction;\n${text}\n;`);
    } catch (e) {
      await rollbackAndReset();
      // DuckDB reads the whole query before running it: the section's error may be a later statement's
      // while an earlier one fails on its own. The statement named comes with its own error.
      const located = await failingStatement(run, rollback, req);
      throw req.failed(located?.text, located?.cause ?? e);
    }
    const record = duckdbSuccessSql(req.success, performance.now() - t0);
    if (record === undefined) {
      await rollbackAndReset();
      return false;
    }
    try {
      await run(`${reset.map((r) => `${r};\n`).join('')}${record};\ncommit`);
    } catch (e) {
      await rollback();
      throw req.failed(undefined, e);
    }
    return true;
  });
}

/**
 * Which statement of a failed section fails, and its own error: each run alone, in a transaction rolled
 * back. A one-statement section is that statement, with the section's error (`cause` undefined).
 */
async function failingStatement(run: (q: string) => Promise<unknown>, rollback: () => Promise<unknown>, req: FastApplyRequest): Promise<{ text: string; cause?: unknown } | undefined> {
  const pieces = await req.statements();
  if (pieces.length === 1) return { text: pieces[0]!.text };
  try {
    await run('begin transaction');
  } catch {
    return undefined;
  }
  try {
    for (const p of pieces) {
      try {
        await run(p.text);
      } catch (cause) {
        return { text: p.text, cause };
      }
    }
    return undefined;
  } finally {
    await rollback();
  }
}
