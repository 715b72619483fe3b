import { baseDdl, compiler, refuse } from '../ddl-common.js';
import { enumDdl } from '../enum-ddl.js';
import { createSequence, dropSequence, sequenceOf } from '../sequences.js';
import type { SchemaDdl } from '../types.js';

const LABEL = 'DuckDB';
const db = compiler('postgres');

/**
 * DuckDB: ALTER TABLE adds (without constraints), drops and renames columns, changes types and
 * defaults, sets NOT NULL (not on a table with indexes or referencing foreign keys); it cannot add or
 * drop a constraint on an existing table, and has no referential actions, identity or collations.
 */
export const duckdbDdl: SchemaDdl = baseDdl(
  'duckdb',
  {
    label: LABEL,
    alterTypeInPlace: true,
    collations: true,
    alterCollationInPlace: false,
    setNotNullInPlace: true,
    notNullBlockedByDependants: true,
    indexKeyOrder: false,
    forwardForeignKeys: false,
    indexIncludeAndNulls: false,
    setDefaultInPlace: true,
    alterConstraintsInPlace: false,
    alterPrimaryKeyInPlace: false,
    rebuild: false,
    addNotNullWithoutDefault: true,
    referentialActions: false,
    identity: false,
    concurrentIndex: false,
    notValid: false,
    transactionalDdl: true,
    indexesBlockAlter: true,
    foreignKeysNeedUniqueConstraints: true,
    constrainedColumnsFrozen: true,
    alterReferencedTable: false,
    renameReferencedTable: false,
    addColumnExpressionDefault: true,
    partialIndexes: false,
    dropColumnInPlace: true,
    generatedColumns: { create: ['virtual'], add: [] }, // "Adding generated columns after table creation is not supported yet"
    enumTypes: true,
  },
  db,
  (base) => ({
    /** CREATE / DROP TYPE … AS ENUM and ALTER COLUMN … TYPE; no ALTER TYPE (a value can't be added, nor a type renamed). */
    ...(({ createEnum, dropEnum, alterColumnToEnum }) => ({ createEnum, dropEnum, alterColumnToEnum }))(enumDdl(db)),
    canonicalType: canonicalDuckType,
    /** A `nextval('seq')` default's sequence is created before its table, as on PostgreSQL (a pulled DuckDB schema has them). */
    sequenceOf,
    createSequence,
    dropSequence,
    /** DuckDB reports a boolean default as `CAST('t' AS BOOLEAN)`. */
    canonicalDefault: (e) => base.canonicalDefault(e.replace(/\bCAST\('t' AS BOOLEAN\)/gi, 'true').replace(/\bCAST\('f' AS BOOLEAN\)/gi, 'false')),
    /** DuckDB cannot add a column with a constraint: NOT NULL follows as a second statement. */
    addColumn(table, col) {
      const out = [base.addNullableColumn(table, col)];
      if (!col.nullable) out.push(base.setNotNull(table, col.name));
      return out;
    },
    addForeignKey: (table, fk) => refuse(LABEL, `add foreign key ${fk.name} on ${table}`, 'add a foreign key to an existing table (ALTER TABLE has no ADD CONSTRAINT)'),
    addCheck: (table, c) => refuse(LABEL, `add check ${c.name} on ${table}`, 'add a check to an existing table (ALTER TABLE has no ADD CONSTRAINT)'),
    dropConstraint: (table, name) => refuse(LABEL, `drop constraint ${name} on ${table}`, 'drop a constraint of an existing table (ALTER TABLE has no DROP CONSTRAINT)'),
    addPrimaryKey: (table) => refuse(LABEL, `alter primary key of ${table}`, 'change the primary key of an existing table'),
  }),
);

/** DuckDB's aliases, as `duckdb_columns().data_type` reports them (lower-cased). */
const DUCK_ALIASES: Record<string, string> = {
  int: 'integer', int4: 'integer', int32: 'integer', signed: 'integer', serial: 'integer', int8: 'bigint', int64: 'bigint', long: 'bigint',
  int2: 'smallint', int16: 'smallint', short: 'smallint', int1: 'tinyint', bool: 'boolean', logical: 'boolean', float8: 'double',
  'double precision': 'double', float4: 'float', real: 'float', numeric: 'decimal', text: 'varchar', string: 'varchar', char: 'varchar',
  bpchar: 'varchar', character: 'varchar', 'character varying': 'varchar', nvarchar: 'varchar', timestamptz: 'timestamp with time zone',
  datetime: 'timestamp', 'timestamp without time zone': 'timestamp', bytea: 'blob', binary: 'blob', varbinary: 'blob', jsonb: 'json',
};

export function canonicalDuckType(type: string): string {
  const t = type.trim().toLowerCase().replace(/\s+/g, ' ').replace(/\s*\(\s*/g, '(').replace(/\s*,\s*/g, ',').replace(/\s*\)/g, ')');
  const m = /^([a-z_ 0-9]+?)(\(\d+(?:,\d+)?\))?(\[\])?$/.exec(t);
  if (!m) return t;
  const name = DUCK_ALIASES[m[1]!] ?? m[1]!;
  let args = m[2] ?? '';
  if (name === 'varchar' || name === 'blob') args = ''; // DuckDB ignores lengths
  if (name === 'decimal' && !args) args = '(18,3)';
  return `${name}${args}${m[3] ?? ''}`;
}
