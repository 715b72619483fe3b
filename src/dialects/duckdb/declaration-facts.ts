/** DuckDB for `schema pull`: an enum column's type spells out the values (`enum('a', 'b')`); no index methods. */
import type { DeclarationFacts } from '../declaration-facts.js';

const spelled = (values: string[]) => `enum(${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')})`;

export const duckdbDeclarationFacts: DeclarationFacts = {
  enumOf: (type, enums) => (type.startsWith('enum(') ? enums.find((x) => type === spelled(x.values).toLowerCase() || type === spelled(x.values))?.name : undefined),
  indexMethod: () => undefined,
};
