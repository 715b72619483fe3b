/**
 * PostgreSQL (and PGlite) for `schema pull`: a column's type names its enum; sized types read
 * `character varying(n)`, `character(n)`, `numeric(p,s)`; CREATE INDEX says `USING <method>`.
 */
import type { DeclarationFacts } from '../declaration-facts.js';

export const postgresDeclarationFacts: DeclarationFacts = {
  enumOf: (type, enums) => enums.find((x) => x.name === type || `"${x.name}"` === type)?.name,
  indexMethod: (definition) => /\bUSING (\w+)/i.exec(definition)?.[1]?.toLowerCase(),
  sized: (family, type) => {
    let m: RegExpExecArray | null;
    if (family === 'text' && (m = /^character varying\((\d+)\)$/.exec(type))) return { helper: 'varchar', args: [m[1]!] };
    if (family === 'text' && (m = /^character\((\d+)\)$/.exec(type))) return { helper: 'char', args: [m[1]!] };
    if (family === 'decimal' && (m = /^numeric\((\d+),(\d+)\)$/.exec(type))) return { helper: 'numeric', args: [m[1]!, m[2]!] };
    if (family === 'decimal' && type === 'numeric') return { helper: 'numeric', args: [] };
    return undefined;
  },
};
