import { withoutLeadingTrivia } from '../sql-syntax.js';

/** `CREATE EXTENSION [IF NOT EXISTS] name` at a statement's start: the name plain or double-quoted. */
const CREATE_EXTENSION = /^create\s+extension\s+(?:if\s+not\s+exists\s+)?(?:"((?:[^"]|"")+)"|([a-z_][a-z0-9_$]*))/i;

/**
 * The extension one statement creates, as PostgreSQL names it (a plain name folded to lower case, a
 * quoted one as written), or undefined when it is not a `CREATE EXTENSION`.
 */
export function createdExtension(statement: string): string | undefined {
  const hit = CREATE_EXTENSION.exec(withoutLeadingTrivia(statement));
  if (!hit) return undefined;
  return hit[1] !== undefined ? hit[1].replace(/""/g, '"') : hit[2]!.toLowerCase();
}
