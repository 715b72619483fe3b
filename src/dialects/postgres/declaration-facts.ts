/**
 * PostgreSQL (and PGlite) for the authoring API and `schema pull`: types as `format_type` spells them; a
 * column's type names its enum; sized types read `character varying(n)`, `character(n)`, `numeric(p,s)`;
 * CREATE INDEX says `USING <method>`.
 */
import type { DeclarationFacts } from '../declaration-facts.js';
import { quoteIdent } from '../quote.js';

export const postgresDeclarationFacts: DeclarationFacts = {
  authoring: {
    families: {
      text: 'text', integer: 'integer', bigint: 'bigint', smallint: 'smallint', real: 'real', double: 'double precision', boolean: 'boolean',
      timestamptz: 'timestamp with time zone', timestamp: 'timestamp without time zone', date: 'date', time: 'time without time zone',
      interval: 'interval', json: 'json', jsonb: 'jsonb', uuid: 'uuid', bytes: 'bytea',
    },
    varchar: (length) => `character varying(${length})`,
    char: (length) => `character(${length})`,
    numeric: (precision, scale = 0) => (precision === undefined ? 'numeric' : `numeric(${precision},${scale})`),
    enumColumn: (enumName) => enumName,
    now: 'now()',
  },
  // format_type quotes a name that needs it (`"Mood_2"`, inner quotes doubled)
  enumOf: (type, enums) => enums.find((x) => x.name === type || quoteIdent(x.name) === type)?.name,
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
