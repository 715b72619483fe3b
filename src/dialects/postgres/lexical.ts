import type { SqlSyntax } from '../sql-syntax.js';

/** PostgreSQL's lexical rules for statement ends (also PGlite's): nested comments, $tag$ bodies, E'…', BEGIN ATOMIC. */
export const postgresSyntax: SqlSyntax = {
  nestedComments: true,
  dollarQuotes: true,
  escapeStrings: true,
  backtickAndBracketIdentifiers: false,
  triggerBodies: false,
  atomicBodies: true,
};
