/**
 * CHECK constraints of a SQLite table, read from its CREATE TABLE text (SQLite keeps no other record
 * of them) — schema as code, issue 17. Column and table constraints alike; a constraint without a
 * name is called `<table>_check<n>` (n counts from 1 in the text's order).
 */
export function tableChecks(table: string, createSql: string): Array<{ table: string; name: string; expression: string }> {
  const out: Array<{ table: string; name: string; expression: string }> = [];
  const closeQuote: Record<string, string> = { "'": "'", '"': '"', '`': '`', '[': ']' };
  // blank quoted text so that keywords and parentheses inside strings and names are not seen
  let blanked = '';
  let quote = '';
  for (const ch of createSql) {
    if (quote) {
      blanked += ch === quote ? ch : '_';
      if (ch === quote) quote = '';
    } else {
      if (ch in closeQuote) quote = closeQuote[ch]!;
      blanked += ch;
    }
  }
  const re = /\bcheck\s*\(/gi;
  let unnamed = 0;
  for (let m = re.exec(blanked); m; m = re.exec(blanked)) {
    const open = m.index + m[0].length - 1;
    let depth = 0;
    let close = -1;
    for (let i = open; i < blanked.length; i++) {
      if (blanked[i] === '(') depth++;
      else if (blanked[i] === ')' && --depth === 0) {
        close = i;
        break;
      }
    }
    if (close < 0) break;
    const before = createSql.slice(0, m.index);
    const named = /\bconstraint\s+("(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|[A-Za-z_][A-Za-z0-9_$]*)\s*$/i.exec(before);
    const name = named ? unquote(named[1]!) : `${table}_check${++unnamed}`;
    out.push({ table, name, expression: createSql.slice(open + 1, close).trim() });
    re.lastIndex = close + 1;
  }
  return out;
}

function unquote(s: string): string {
  if (/^".*"$/.test(s)) return s.slice(1, -1).replace(/""/g, '"');
  if (/^`.*`$|^\[.*\]$/.test(s)) return s.slice(1, -1);
  return s;
}
