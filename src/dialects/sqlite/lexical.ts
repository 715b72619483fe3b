import type { SqlSyntax } from '../sql-syntax.js';

/**
 * SQLite's lexical rules for statement ends, as `sqlite3_complete()` applies them: flat comments,
 * `…` and […] identifiers, CREATE TRIGGER … BEGIN … END bodies.
 */
export const sqliteSyntax: SqlSyntax = {
  nestedComments: false,
  dollarQuotes: false,
  escapeStrings: false,
  backtickAndBracketIdentifiers: true,
  triggerBodies: true,
  atomicBodies: false,
};
