/**
 * DuckDB for the authoring API and `schema pull`: text is `varchar` and keeps no length; an enum column's
 * type spells out the values (`enum('a', 'b')`); `decimal(p,s)` is sized, its default `decimal(18,3)` is
 * plain `numeric`; no index methods.
 */
import type { DeclarationFacts } from '../declaration-facts.js';

const spelled = (values: string[]) => `enum(${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')})`;

export const duckdbDeclarationFacts: DeclarationFacts = {
  authoring: {
    families: {
      text: 'varchar', integer: 'integer', bigint: 'bigint', smallint: 'smallint', real: 'float', double: 'double', boolean: 'boolean',
      timestamptz: 'timestamp with time zone', timestamp: 'timestamp', date: 'date', time: 'time', interval: 'interval', json: 'json', jsonb: 'json', uuid: 'uuid', bytes: 'blob',
    },
    varchar: () => 'varchar',
    char: () => 'varchar',
    numeric: (precision, scale = 0) => (precision === undefined ? 'decimal(18,3)' : `decimal(${precision},${scale})`),
    enumColumn: (enumName) => enumName,
    now: 'current_timestamp',
  },
  enumOf: (type, enums) => (type.startsWith('enum(') ? enums.find((x) => type === spelled(x.values).toLowerCase() || type === spelled(x.values))?.name : undefined),
  indexMethod: () => undefined,
  sized: (family, type) => {
    const m = family === 'decimal' ? /^decimal\((\d+),(\d+)\)$/.exec(type) : null;
    if (!m) return undefined;
    return m[1] === '18' && m[2] === '3' ? { helper: 'numeric', args: [] } : { helper: 'numeric', args: [m[1]!, m[2]!] };
  },
};
