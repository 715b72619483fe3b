import { columnDefinitions, columnName, depthAt } from '../generated-columns.js';

/**
 * The collation of each column of a DuckDB CREATE TABLE text (`duckdb_tables().sql`, the only place
 * DuckDB keeps it: `email VARCHAR COLLATE NOCASE`, `name VARCHAR COLLATE noaccent.nocase`). Keys are
 * lower-cased column names; values lower case (DuckDB's collation names are case-insensitive), a
 * quoted name unquoted.
 */
export function duckdbCollations(createSql: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const { text, flat } of columnDefinitions(createSql)) {
    const re = /\bcollate\s+/gi;
    for (let m = re.exec(flat); m; m = re.exec(flat)) {
      if (depthAt(flat, m.index) !== 0) continue;
      const after = text.slice(m.index + m[0].length);
      const c = /^(?:"((?:[^"]|"")+)"|([\w.]+))/.exec(after);
      const name = columnName(text.trim());
      if (c && name) out.set(name.toLowerCase(), (c[1]?.replace(/""/g, '"') ?? c[2]!).toLowerCase());
      break;
    }
  }
  return out;
}
