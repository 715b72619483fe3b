/**
 * SQLite for the authoring API and `schema pull`: declared type names as written (64-bit `integer`,
 * instants as ISO-8601 text in a `timestamptz` column); no enumerated types or index methods; sized types
 * read `varchar(n)`, `char(n)`, `numeric(p,s)`.
 */
import type { DeclarationFacts } from '../declaration-facts.js';

export const sqliteDeclarationFacts: DeclarationFacts = {
  authoring: {
    families: {
      text: 'text', integer: 'integer', bigint: 'integer', smallint: 'integer', real: 'real', double: 'real', boolean: 'boolean',
      timestamptz: 'timestamptz', timestamp: 'timestamp', date: 'date', time: 'time', interval: 'text', json: 'json', jsonb: 'json', uuid: 'text', bytes: 'blob',
    },
    varchar: (length) => `varchar(${length})`,
    char: (length) => `char(${length})`,
    numeric: (precision, scale = 0) => (precision === undefined ? 'numeric' : `numeric(${precision},${scale})`),
    enumColumn: () => 'text',
    now: "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
  },
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
