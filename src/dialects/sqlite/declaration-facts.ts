/** SQLite for `schema pull`: no enumerated types or index methods; sized types read `varchar(n)`, `char(n)`, `numeric(p,s)`. */
import type { DeclarationFacts } from '../declaration-facts.js';

export const sqliteDeclarationFacts: DeclarationFacts = {
  enumOf: () => undefined,
  indexMethod: () => undefined,
  sized: (family, type) => {
    let m: RegExpExecArray | null;
    if (family === 'text' && (m = /^varchar\((\d+)\)$/.exec(type))) return { helper: 'varchar', args: [m[1]!] };
    if (family === 'text' && (m = /^char\((\d+)\)$/.exec(type))) return { helper: 'char', args: [m[1]!] };
    if (family === 'decimal' && (m = /^numeric\((\d+),(\d+)\)$/.exec(type))) return { helper: 'numeric', args: [m[1]!, m[2]!] };
    if (family === 'decimal' && type === 'numeric') return { helper: 'numeric', args: [] };
    return undefined;
  },
};
