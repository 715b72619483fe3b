import { baseDdl, compiler } from '../ddl-common.js';
import { enumDdl } from '../enum-ddl.js';
import type { SchemaDdl } from '../types.js';
import { createSequence, dropSequence, sequenceOf } from '../sequences.js';

const db = compiler('postgres');

/** PostgreSQL (server and PGlite): every change in place; constraints NOT VALID then VALIDATE; CONCURRENTLY index builds. */
export const postgresDdl: SchemaDdl = baseDdl(
  'postgres',
  {
    label: 'PostgreSQL',
    alterTypeInPlace: true,
    collations: true,
    alterCollationInPlace: true,
    setNotNullInPlace: true,
    notNullBlockedByDependants: false,
    indexKeyOrder: true,
    forwardForeignKeys: false,
    indexIncludeAndNulls: true,
    setDefaultInPlace: true,
    alterConstraintsInPlace: true,
    alterPrimaryKeyInPlace: true,
    namedPrimaryKeys: true,
    rebuild: false,
    addNotNullWithoutDefault: true,
    referentialActions: true,
    identity: true,
    concurrentIndex: true,
    notValid: true,
    transactionalDdl: true,
    indexesBlockAlter: false,
    constrainedColumnsFrozen: false,
    alterReferencedTable: true,
    renameReferencedTable: true,
    addColumnExpressionDefault: true,
    partialIndexes: true,
    dropColumnInPlace: true,
    generatedColumns: { create: ['stored'], add: ['stored'] }, // PostgreSQL 12–17: stored only
    enumTypes: true,
  },
  db,
  () => ({
    canonicalType: canonicalPgType,
    ...enumDdl(db),
    sequenceOf,
    createSequence,
    dropSequence,
    /** A DO block: one statement, atomic also outside a transaction (a no-transaction migration). */
    atomic: (statements) => [`do $$ begin ${statements.map((s) => `${s.trim().replace(/;\s*$/, '')};`).join(' ')} end $$`],
  }),
);

/** PostgreSQL's aliases, as `format_type` reports them. */
const PG_ALIASES: Record<string, string> = {
  int: 'integer', int4: 'integer', serial: 'integer', serial4: 'integer', int8: 'bigint', bigserial: 'bigint', serial8: 'bigint',
  int2: 'smallint', smallserial: 'smallint', serial2: 'smallint', bool: 'boolean', float8: 'double precision', float: 'double precision',
  float4: 'real', decimal: 'numeric', timestamptz: 'timestamp with time zone', timestamp: 'timestamp without time zone',
  timetz: 'time with time zone', time: 'time without time zone', varchar: 'character varying', char: 'character', bpchar: 'character',
  'character varying': 'character varying', 'double precision': 'double precision',
};

export function canonicalPgType(type: string): string {
  const t = type.trim().toLowerCase().replace(/\s+/g, ' ').replace(/\s*\(\s*/g, '(').replace(/\s*,\s*/g, ',').replace(/\s*\)/g, ')');
  const m = /^([a-z_ ]+?)(\(\d+(?:,\d+)?\))?( with(?:out)? time zone)?(\[\])?$/.exec(t);
  if (!m) return t;
  let name = m[1]!;
  const args = m[2] ?? '';
  let zone = m[3] ?? '';
  const arr = m[4] ?? '';
  if (name === 'timestamp' || name === 'time') zone = zone || ' without time zone';
  else name = PG_ALIASES[name] ?? name;
  if (name === 'timestamp with time zone' || name === 'timestamp without time zone' || name === 'time with time zone' || name === 'time without time zone') {
    const [head, ...rest] = name.split(' ');
    return `${head}${args} ${rest.join(' ')}${arr}`;
  }
  if (name === 'character' && !args) return `character(1)${arr}`;
  return `${name}${args}${zone}${arr}`;
}
