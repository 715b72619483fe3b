import { baseDdl, compiler, refuse } from '../ddl-common.js';
import { quoteIdent } from '../quote.js';
import type { SchemaDdl } from '../types.js';

const LABEL = 'SQLite';
const db = compiler('sqlite');
const inPlace = (change: string) => refuse(LABEL, change, `${change} in place: rebuild the table`);

/**
 * A statement that fails when a foreign key is violated (SQLite's `PRAGMA foreign_key_check` only
 * lists the rows): the count of violations goes into a temporary table whose CHECK demands zero.
 */
export const FOREIGN_KEY_ASSERT = [
  'create temp table "eventdb_fk_check" ("violations" integer constraint "foreign_key_check found rows that violate a foreign key" check ("violations" = 0))',
  'insert into "eventdb_fk_check" select count(*) from pragma_foreign_key_check',
  'drop table "eventdb_fk_check"',
];

/**
 * SQLite: ALTER TABLE adds, drops and renames columns and renames tables; every other change is the
 * table rebuild its documentation prescribes (https://sqlite.org/lang_altertable.html#otheralter).
 */
export const sqliteDdl: SchemaDdl = baseDdl(
  'sqlite',
  {
    label: LABEL,
    alterTypeInPlace: false,
    collations: true,
    alterCollationInPlace: false,
    setNotNullInPlace: false,
    notNullBlockedByDependants: false,
    indexKeyOrder: true,
    forwardForeignKeys: true,
    indexIncludeAndNulls: false,
    setDefaultInPlace: false,
    alterConstraintsInPlace: false,
    alterPrimaryKeyInPlace: false,
    rebuild: true,
    addNotNullWithoutDefault: false,
    referentialActions: true,
    identity: false,
    concurrentIndex: false,
    notValid: false,
    transactionalDdl: true,
    indexesBlockAlter: false,
    constrainedColumnsFrozen: false,
    alterReferencedTable: true,
    renameReferencedTable: true,
    addColumnExpressionDefault: false,
    partialIndexes: true,
    dropColumnInPlace: true,
    generatedColumns: { create: ['stored', 'virtual'], add: ['virtual'] }, // a stored one: the rebuild
    enumTypes: false,
  },
  db,
  (base) => ({
    alterColumnType: (table, col) => inPlace(`alter type of ${table}.${col.name}`),
    addForeignKey: (table, fk) => inPlace(`add foreign key ${fk.name} on ${table}`),
    addCheck: (table, c) => inPlace(`add check ${c.name} on ${table}`),
    dropConstraint: (table, name) => inPlace(`drop constraint ${name} on ${table}`),
    addPrimaryKey: (table) => inPlace(`alter primary key of ${table}`),
    placeholder: (type) => (/bool/i.test(type) ? '0' : base.placeholder(type)),
    /**
     * Foreign keys off outside the transaction (else DROP TABLE deletes, and cascades to, the child
     * rows), the legacy rename (else a trigger or view elsewhere that names the table makes the rename
     * fail), and the foreign key check before the commit.
     */
    rebuildTable(t, copy, opts = {}) {
      const body = base.rebuildTable(t, copy, { ...opts, triggers: [] }) as string[];
      const triggers = opts.triggers ?? [`-- recreate the triggers on ${quoteIdent(t.name)}, if any, from the migrations that made them (DROP TABLE removed them)`];
      const check = opts.selfCheck ? FOREIGN_KEY_ASSERT : ['-- foreign_key_check must return no rows; else ROLLBACK', 'pragma foreign_key_check'];
      return ['pragma foreign_keys = off', 'pragma legacy_alter_table = on', 'begin', ...body, ...triggers, ...check, 'commit', 'pragma legacy_alter_table = off', 'pragma foreign_keys = on'];
    },
  }),
);

