import { withoutLeadingTrivia } from '../sql-syntax.js';

/**
 * Statements DuckDB's parser refuses among those PostgreSQL's grammar — the one eventdb reads DuckDB
 * with — cannot read either, so that the risk analysis does not take them for DuckDB-only syntax
 * (`not-analysed`). They are SQLite's forms, met when a SQLite history is run on DuckDB: every form of
 * `CREATE [TEMP] TRIGGER` and `DROP TRIGGER` (DuckDB has no triggers: "syntax error at or near
 * TRIGGER", "Cannot drop this type yet") and `CREATE VIRTUAL TABLE … USING fts4` (no virtual tables).
 * Lexical, no driver: DuckDB's own parser is asynchronous and the analysis is not. Each form is run on
 * a real DuckDB by test/risk/duckdb-sqlite-only-syntax.test.ts.
 */
const REFUSED: Array<[RegExp, string]> = [
  [/^create\s+virtual\s+table\b/i, "DuckDB has no virtual tables (SQLite's CREATE VIRTUAL TABLE … USING module)"],
  [/^create\s+(?:temp\s+|temporary\s+)?trigger\b/i, 'DuckDB has no triggers'],
  [/^drop\s+trigger\b/i, 'DuckDB has no triggers'],
];

/** Why DuckDB refuses this statement, when it is one of the forms above; undefined otherwise. */
export function duckdbRefusedSyntax(sql: string): string | undefined {
  const text = withoutLeadingTrivia(sql);
  return REFUSED.find(([re]) => re.test(text))?.[1];
}
