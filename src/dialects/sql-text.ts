/** SQL text with runs of whitespace collapsed and a trailing semicolon dropped: the form definitions are compared in. */
export function collapseSql(s: string): string {
  return s.replace(/\s+/g, ' ').replace(/\s*;\s*$/, '').trim();
}

/**
 * SQL text as SQLite keeps it (exactly as written) in a form two spellings of the same statement
 * share: whitespace collapsed, lower case outside string literals, plain identifiers unquoted
 * (SQLite identifiers are case-insensitive), no space before `(` or after `(`/before `)`.
 */
export function canonicalSql(s: string): string {
  let out = '';
  for (const m of s.matchAll(/'(?:[^']|'')*'|"((?:[^"]|"")*)"|`([^`]*)`|\[([^\]]*)\]|[^'"`[]+|./g)) {
    const tok = m[0];
    if (tok.startsWith("'")) out += tok;
    else if (m[1] !== undefined || m[2] !== undefined || m[3] !== undefined) {
      const id = (m[1]?.replace(/""/g, '"') ?? m[2] ?? m[3])!;
      out += /^[A-Za-z_][A-Za-z0-9_]*$/.test(id) ? id.toLowerCase() : `"${id.replace(/"/g, '""')}"`;
    } else out += tok.toLowerCase();
  }
  return collapseSql(out).replace(/\s*\(\s*/g, '(').replace(/\s*\)/g, ')').replace(/\s*,\s*/g, ', ');
}
