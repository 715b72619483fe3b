/**
 * Generated columns (issue 17) are the database's to compute: no engine accepts a value for one
 * (PostgreSQL: "cannot insert a non-DEFAULT value into column"; SQLite: "cannot INSERT into generated
 * column"; DuckDB: "Cannot insert into a generated column"). The seed leaves them out of what it loads,
 * whether the platform generator or a custom seed names them.
 */

/** The columns to load and, when some are generated, the rows without their values. */
export function withoutGenerated(
  columns: string[],
  rows: Iterable<unknown[]> | AsyncIterable<unknown[]>,
  generated: ReadonlySet<string>,
): { columns: string[]; rows: Iterable<unknown[]> | AsyncIterable<unknown[]>; dropped: string[] } {
  const dropped = columns.filter((c) => generated.has(c));
  if (!dropped.length) return { columns, rows, dropped };
  const keep = columns.map((c, i) => [c, i] as const).filter(([c]) => !generated.has(c));
  const idx = keep.map(([, i]) => i);
  const pick = (row: unknown[]) => idx.map((i) => row[i]);
  const out =
    Symbol.iterator in rows
      ? (function* () {
          for (const row of rows as Iterable<unknown[]>) yield pick(row);
        })()
      : (async function* () {
          for await (const row of rows as AsyncIterable<unknown[]>) yield pick(row);
        })();
  return { columns: keep.map(([c]) => c), rows: out, dropped };
}
