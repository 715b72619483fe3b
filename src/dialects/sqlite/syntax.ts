import Database from 'better-sqlite3';

let probe: Database.Database | undefined;

/**
 * SQLite's own verdict on one statement's syntax, from preparing it on an empty in-memory database:
 * the error message when SQLite's grammar rejects it, undefined when it is valid SQLite (a missing
 * table, column, function or module is a schema matter, not syntax). Nothing is executed.
 */
export function sqliteSyntaxError(sql: string): string | undefined {
  probe ??= new Database(':memory:');
  try {
    probe.prepare(sql);
    return undefined;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return /syntax error|incomplete input|unrecognized token|more than one statement/i.test(msg) ? msg : undefined;
  }
}
