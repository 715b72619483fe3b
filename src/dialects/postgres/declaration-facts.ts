/** PostgreSQL (and PGlite) for `schema pull`: a column's type names its enum; CREATE INDEX says `USING <method>`. */
import type { DeclarationFacts } from '../declaration-facts.js';

export const postgresDeclarationFacts: DeclarationFacts = {
  enumOf: (type, enums) => enums.find((x) => x.name === type || `"${x.name}"` === type)?.name,
  indexMethod: (definition) => /\bUSING (\w+)/i.exec(definition)?.[1]?.toLowerCase(),
};
