/** A word of SQL text: an identifier's letters, digits, `_` and `$` (quotes and brackets fall away). */
const WORD = /[\p{L}\p{N}_$]+/gu;

/**
 * The words of every statement a lint run has read so far, when the run reads a whole history from its
 * first migration (a migrations folder, in the order the migrations run): a name none of them holds
 * was never made by these migrations — not by a CREATE the rules follow, nor by dynamic SQL, a function
 * or a DO block, whose text would name it too. `DROP TABLE IF EXISTS t` of such a name is a no-op on
 * a database the history built. Statements are kept as given and split into words only when a name is
 * looked up (most histories never ask).
 */
export class HistoryWords {
  private readonly pending: string[] = [];
  private readonly words = new Set<string>();
  /** Cleared when the run cannot be sure its order is the order the migrations run in. */
  trusted = true;

  /** A statement was read (after its own analysis: a statement does not make its own names known). */
  add(text: string): void {
    this.pending.push(text);
  }

  /**
   * Whether the history may hold `name` (a table or index): an earlier statement has every word of it,
   * or the order of the run is not trusted. A name without words is taken to be known.
   */
  mayHold(name: string): boolean {
    if (!this.trusted) return true;
    for (const text of this.pending.splice(0)) for (const m of text.toLowerCase().matchAll(WORD)) this.words.add(m[0]);
    const parts = name.toLowerCase().match(WORD);
    return !parts || parts.every((p) => this.words.has(p));
  }
}

/** A finding's words for names no earlier statement holds (Analysis.absentFromHistory). */
export function neverNamed(names: readonly string[]): string {
  return `no statement of the migrations before it names ${names.map((x) => `"${x}"`).join(', ')}`;
}

/** `DROP TABLE IF EXISTS` of a table no earlier statement names: what it does (loss-drop-table, low). */
export function absentTableMessage(table: string): string {
  return `DROP TABLE IF EXISTS ${table}: ${neverNamed([table])}, so on a database they built it does not exist and this is a no-op (a table of that name made outside them would lose all its rows)`;
}

export const ABSENT_TABLE_ADVICE = 'nothing to do if it never existed; if the database has it from elsewhere, take a verified backup first (--backup-before)';
