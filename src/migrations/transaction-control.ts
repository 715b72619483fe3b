import { withEngineHint } from '../errors.js';
import type { ScriptPiece } from './lex-split.js';
import { stripComments } from './split.js';

/**
 * Transaction control written into a migration that eventdb already runs in a transaction. Histories
 * written for other tools carry it: Prisma's enum changes (`BEGIN; … COMMIT;` around part of a file),
 * golang-migrate files wrapped whole, `sqlite3 .dump` output. Sent as written it is wrong on every
 * engine: PostgreSQL ignores the BEGIN and the COMMIT then commits eventdb's transaction early — what
 * came before stays even when a later statement fails, and the history row is no longer atomic with
 * the schema; SQLite and DuckDB refuse the BEGIN. So inside eventdb's transaction BEGIN / START
 * TRANSACTION and COMMIT / END are not sent (the migration, history rows included, commits once, as
 * a whole), and a ROLLBACK (which would undo the migration while eventdb records it as applied) is
 * refused before the migration's first statement runs. Savepoints and two-phase commands are left
 * alone; a `no-transaction` migration is run as written.
 */
export type TransactionControl = 'begin' | 'commit' | 'rollback';

/** Whether a top-level statement opens, commits or rolls back the transaction (lexically: its first words). */
export function transactionControlOf(statement: string): TransactionControl | undefined {
  // Every migration statement passes here (applyFast): most start with a letter that none of these does.
  if (!/^\s*(?:[abcers]|--|\/\*)/i.test(statement)) return undefined;
  const s = stripComments(statement).trim().replace(/;$/, '').trim();
  if (/^(?:begin|start\s+transaction)\b/i.test(s)) return /^begin\s+atomic\b/i.test(s) ? undefined : 'begin';
  if (/^(?:commit|end)\b/i.test(s)) return /^commit\s+prepared\b/i.test(s) ? undefined : 'commit';
  if (/^(?:rollback|abort)\b/i.test(s)) {
    if (/^(?:rollback|abort)(?:\s+(?:work|transaction))?\s+to\b/i.test(s) || /^rollback\s+prepared\b/i.test(s)) return undefined;
    return 'rollback';
  }
  return undefined;
}

/**
 * The statements of a section that runs inside eventdb's transaction, without its BEGIN and COMMIT
 * (`dropped` counts them). A ROLLBACK throws the error a failed step throws (its statement, a hint),
 * before anything is sent.
 */
export function insideOwnTransaction<E>(pieces: ScriptPiece[], refuse: (statement: string, cause: Error) => E): { pieces: ScriptPiece[]; dropped: number } {
  const kept: ScriptPiece[] = [];
  for (const p of pieces) {
    const control = transactionControlOf(p.text);
    if (control === 'rollback') {
      const cause = withEngineHint(
        new Error('ROLLBACK inside the transaction eventdb runs this migration in would undo the migration while eventdb records it as applied; nothing of it was run'),
        'remove the ROLLBACK (eventdb rolls the whole migration back when a statement fails), or mark the migration `-- eventdb:no-transaction` to manage transactions yourself',
      );
      throw refuse(p.text, cause);
    }
    if (!control) kept.push(p);
  }
  return { pieces: kept, dropped: pieces.length - kept.length };
}
