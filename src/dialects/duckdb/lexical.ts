import type { SqlSyntax } from '../sql-syntax.js';

/** DuckDB's lexical rules for statement ends: PostgreSQL's (its parser derives from PostgreSQL's). */
export const duckdbSyntax: SqlSyntax = {
  nestedComments: true,
  dollarQuotes: true,
  escapeStrings: true,
  backtickAndBracketIdentifiers: false,
  triggerBodies: false,
  atomicBodies: true,
};
