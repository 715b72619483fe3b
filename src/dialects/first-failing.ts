/**
 * Runs statements one at a time and returns the first that fails, with its error (undefined when all
 * run). It names the failing statement of a section an engine ran as one query and failed without an
 * error position: again from a savepoint (the rehearsal, migrations/execute.ts) or in a transaction that
 * is rolled back (PGlite, postgres/fast-apply.ts).
 */
export async function firstFailing<T extends { text: string }>(
  statements: Iterable<T>,
  run: (sql: string) => Promise<unknown>,
): Promise<{ statement: T; error: unknown } | undefined> {
  for (const statement of statements) {
    try {
      await run(statement.text);
    } catch (error) {
      return { statement, error };
    }
  }
  return undefined;
}
