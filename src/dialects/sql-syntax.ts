/**
 * An engine's lexical rules, as far as finding where one SQL statement ends and the next begins
 * needs them (src/migrations/lex-split.ts reads them). Each engine's folder holds its own
 * (`<engine>/lexical.ts`, no driver imported) and the registry hands it out (registry.ts `syntax`).
 */
export interface SqlSyntax {
  /** `/* … *\/` comments nest (PostgreSQL, DuckDB); SQLite ends a comment at the first `*\/`. */
  readonly nestedComments: boolean;
  /** `$tag$ … $tag$` string bodies (PostgreSQL, DuckDB). */
  readonly dollarQuotes: boolean;
  /** `E'…'` strings escape with a backslash (PostgreSQL, DuckDB). */
  readonly escapeStrings: boolean;
  /** `` `…` `` and `[…]` quote identifiers (SQLite, after MySQL and SQL Server). */
  readonly backtickAndBracketIdentifiers: boolean;
  /** `CREATE TRIGGER … BEGIN … END` bodies hold `;` (SQLite). */
  readonly triggerBodies: boolean;
  /**
   * `BEGIN ATOMIC … END` bodies hold `;` (PostgreSQL's SQL-standard function bodies): a lexical
   * splitter cannot find their end and leaves such a script to the grammar.
   */
  readonly atomicBodies: boolean;
}

/** White space and `--` / `/* *\/` comments at the start of a statement (one comment syntax every engine shares). */
const LEADING_TRIVIA = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;

/** A statement without its leading white space and comments: what its first keyword is read from. */
export const withoutLeadingTrivia = (sql: string): string => sql.replace(LEADING_TRIVIA, '');
