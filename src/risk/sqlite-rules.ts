import type { Analysis, PartialPredicate, Stmt } from './analysis.js';
import { ABSENT_TABLE_ADVICE, absentTableMessage } from './history-words.js';
import { scaled } from './levels.js';
import { WRITABLE_SCHEMA_ADVICE, WRITABLE_SCHEMA_REFUSED } from '../dialects/sqlite/errors.js';

/* The sql-parser-cst tree is walked untyped: only the fields the rules read. */
type Node = Record<string, any>;

function nameOf(n: Node | undefined): string {
  if (!n) return '';
  if (n.type === 'identifier') return n.name as string;
  if (n.type === 'member_expr') return nameOf(n.property);
  if (n.type === 'alias') return nameOf(n.expr);
  if (n.type === 'paren_expr') return nameOf(n.expr);
  return '';
}

function items(n: Node | undefined): Node[] {
  if (!n) return [];
  if (n.type === 'paren_expr') return items(n.expr);
  if (n.type === 'list_expr') return n.items as Node[];
  return [n];
}

function unwrap(c: Node): Node {
  return c.type === 'constraint' ? c.constraint : c;
}

function clause(stmt: Node, type: string): Node | undefined {
  return (stmt.clauses as Node[] | undefined)?.find((c) => c.type === type);
}

function dataType(col: Node): string {
  const dt = col.dataType;
  if (!dt) return '';
  const base = Array.isArray(dt.name) ? dt.name.map((k: Node) => k.name).join(' ') : (dt.name?.name ?? '');
  return String(base).toLowerCase();
}

function fromTable(select: Node | undefined): string | undefined {
  const from = select ? clause(select, 'from_clause') : undefined;
  if (!from) return undefined;
  let e = from.expr;
  while (e && e.type === 'join_expr') e = e.left;
  return nameOf(e) || undefined;
}

/** A default SQLite's ADD COLUMN accepts: a literal, a signed number, NULL, or a parenthesised constant. */
function constantDefault(e: Node | undefined): boolean {
  if (!e) return true;
  if (e.type === 'paren_expr') return constantDefault(e.expr);
  if (e.type === 'prefix_op_expr') return constantDefault(e.expr);
  // `DEFAULT 'x' NOT NULL`: SQLite's DEFAULT takes a literal, a signed number or a parenthesised expression,
  // so the NOT NULL is the column's constraint; sql-parser-cst reads `'x' NOT NULL` as one postfix expression.
  if (e.type === 'postfix_op_expr' && /^not ?null$|^notnull$/i.test(([] as Node[]).concat(e.operator as Node).map((k) => String(k.text)).join(' '))) return constantDefault(e.expr);
  // `DEFAULT ""`, `DEFAULT foo`, `DEFAULT [x]`: SQLite's grammar takes a bare identifier after DEFAULT as
  // that text, a constant string (`DEFAULT ""` is the empty string), whatever the double-quote setting.
  if (e.type === 'identifier') return true;
  return /_literal$/.test(String(e.type));
}

/** A partial index's WHERE from sql-parser-cst (see PartialPredicate): the columns of its `col IS NOT NULL` / `col NOTNULL` conjuncts, or null. */
function notNullColumns(w: Node): PartialPredicate {
  const op = (x: unknown) => (Array.isArray(x) ? x.map((k: Node) => String(k.name)).join(' ') : String((x as Node | undefined)?.name ?? x ?? ''));
  if (w.type === 'binary_expr' && op(w.operator) === 'AND') {
    const l = notNullColumns(w.left as Node);
    const r = notNullColumns(w.right as Node);
    return l && r ? [...l, ...r] : null;
  }
  const notNull = (w.type === 'binary_expr' && op(w.operator) === 'IS NOT' && (w.right as Node)?.type === 'null_literal') || (w.type === 'postfix_op_expr' && op(w.operator) === 'NOTNULL');
  const col = (w.type === 'binary_expr' ? w.left : w.expr) as Node | undefined;
  return notNull && col?.type === 'identifier' ? [nameOf(col)] : null;
}

/** A PRAGMA assignment's value as written: `ON`, `1`, `'reset'`. */
function pragmaValue(v: unknown): string {
  const n = v as Node | undefined;
  if (!n || typeof n !== 'object') return String(v ?? '');
  return String(n.text ?? n.value ?? n.name ?? '').replace(/^['"]|['"]$/g, '');
}

/** Tables copied into another (INSERT INTO new SELECT … FROM old), per analysis: the rebuild pattern. */
const copies = new WeakMap<Analysis, Map<string, string[]>>();

/** Analyses in which an earlier statement set `PRAGMA legacy_alter_table = ON` (eventdb turns it off after each migration). */
const legacyAlter = new WeakSet<Analysis>();

/** Names tables were renamed to while legacy_alter_table was on (lower case), per analysis: other tables' foreign keys kept their target. */
const renamedLegacy = new WeakMap<Analysis, Set<string>>();

/**
 * The rename-first rebuild's trap: since SQLite 3.26 (legacy_alter_table off, as eventdb runs it) renaming
 * a table rewrites the foreign keys of other tables to the new name, so they point at the copy that is
 * then dropped (test/risk/sqlite-rename-first-rebuild.test.ts).
 */
function renameFirstAdvice(origin: string, aside: string): string {
  return `renaming "${origin}" to "${aside}" first makes SQLite (3.26+, with legacy_alter_table off, as eventdb runs it) point other tables' foreign keys at "${aside}", left dangling when it is dropped (writes to them then fail: no such table): create the new table under another name, copy, drop the old one, then rename the new one to "${origin}" (SQLite's documented order), or put \`PRAGMA legacy_alter_table = ON\` before the rename (eventdb turns it off again after the migration)`;
}

/** SQLite rules over one statement from sql-parser-cst. */
export function sqliteStatement(a: Analysis, n: Node, s: Stmt): void {
  switch (n.type as string) {
    case 'start_transaction_stmt':
      a.begin(s);
      return;
    case 'commit_transaction_stmt':
    case 'rollback_transaction_stmt':
      a.commit(s, n.type === 'commit_transaction_stmt' ? 'COMMIT' : 'ROLLBACK');
      return;
    case 'vacuum_stmt':
      if (a.inTransaction) a.emit('txn-forbidden-statement', 'high', s, `VACUUM cannot run inside a transaction ("cannot VACUUM from within a transaction"): the migration fails${a.inBlock ? ' (explicit BEGIN)' : ' (eventdb runs each migration in a transaction)'}`, 'put it alone in a migration marked `-- eventdb:no-transaction`, or run it by hand: it is maintenance, not schema');
      return;
    case 'pragma_stmt': {
      const name = nameOf(n.pragma?.type === 'pragma_assignment' ? n.pragma.name : n.pragma?.name ?? n.pragma).toLowerCase();
      if (name === 'writable_schema' && n.pragma?.type === 'pragma_assignment' && !/^(off|false|no|0|reset)$/i.test(pragmaValue(n.pragma.value))) {
        a.emit('unsupported-statement', 'critical', s, `${WRITABLE_SCHEMA_REFUSED}: the migration fails on SQLite`, WRITABLE_SCHEMA_ADVICE);
      }
      if (name === 'legacy_alter_table' && n.pragma?.type === 'pragma_assignment') {
        if (/^(on|true|yes|1)$/i.test(pragmaValue(n.pragma.value))) legacyAlter.add(a);
        else legacyAlter.delete(a);
      }
      if (name === 'foreign_keys' && n.pragma?.type === 'pragma_assignment' && a.inTransaction) {
        a.emit('txn-pragma-no-effect', 'high', s, 'PRAGMA foreign_keys is ignored inside a transaction: foreign keys stay as they were (with a table rebuild, ON DELETE CASCADE then empties child tables)', 'set it in a migration marked `-- eventdb:no-transaction`, outside BEGIN … COMMIT, and run PRAGMA foreign_key_check before committing the rebuild');
      }
      return;
    }
    case 'create_table_stmt': {
      a.ddl();
      const table = nameOf(n.name);
      a.memory.dropTable(table);
      a.createRelation(table);
      const as = clause(n, 'as_clause');
      if (as) {
        const src = fromTable(as.expr);
        if (src) a.dml(src, s);
      }
      for (const el of items(n.columns)) {
        if (el.type === 'column_definition') {
          const col = nameOf(el.name);
          a.memory.setColumn(table, col, dataType(el));
          for (const c0 of (el.constraints ?? []) as Node[]) {
            const c = unwrap(c0);
            if (c.type === 'constraint_primary_key' || c.type === 'constraint_unique') a.memory.addIndex(table, [col], undefined, undefined, true);
            if (c.type === 'references_specification') a.fks.push({ table, cols: [col], stmt: s });
          }
        } else {
          const c = unwrap(el);
          if (c.type === 'constraint_primary_key' || c.type === 'constraint_unique') a.memory.addIndex(table, items(c.columns).map((x) => nameOf(x.type === 'index_specification' ? x.expr : x)), undefined, undefined, true);
          if (c.type === 'constraint_foreign_key') a.fks.push({ table, cols: items(c.columns).map(nameOf), stmt: s });
        }
      }
      return;
    }
    case 'create_index_stmt': {
      a.ddl();
      const table = nameOf(n.table);
      const cols = items(n.columns).map((x) => nameOf(x.type === 'index_specification' ? x.expr : x) || '(expr)');
      const size = a.size(table);
      a.emit('lock-index-build', scaled(size, 'low', 'medium', 'high', null), s, `CREATE INDEX holds SQLite's write lock: every write to the database waits for the build (${a.sizeNote(table)})`, 'SQLite has no online index build: run it when writers can wait (or with a generous busy_timeout), and keep the migration to the index alone');
      const where = clause(n, 'where_clause')?.expr as Node | undefined;
      a.memory.addIndex(table, cols, undefined, where ? notNullColumns(where) : undefined, n.indexTypeKw?.name === 'UNIQUE');
      return;
    }
    case 'drop_table_stmt': {
      a.ddl();
      for (const t of items(n.tables)) dropTable(a, s, nameOf(t), !!n.ifExistsKw);
      return;
    }
    case 'delete_stmt':
    case 'update_stmt': {
      const del = n.type === 'delete_stmt';
      const head = clause(n, del ? 'delete_clause' : 'update_clause');
      const table = nameOf(items(head?.tables)[0]);
      if (!table) return;
      a.dml(table, s);
      if (!clause(n, 'where_clause')) {
        const size = a.size(table);
        a.emit(del ? 'loss-delete-without-where' : 'loss-update-without-where', scaled(size, 'high', 'high', 'high', 'low'), s, `${del ? 'DELETE' : 'UPDATE'} without WHERE ${del ? 'removes' : 'overwrites'} every row of "${table}" (${a.sizeNote(table)})`, del ? 'add a WHERE clause; to empty a table on purpose, accept the rule with a reason' : 'add a WHERE clause, and backfill large tables in batches outside the DDL transaction');
      }
      return;
    }
    case 'insert_stmt': {
      const target = nameOf(clause(n, 'insert_clause')?.table);
      const src = fromTable(clause(n, 'select_stmt') ?? (n.clauses as Node[]).find((c) => c.type === 'select_stmt' || c.type === 'compound_select_stmt'));
      if (src) {
        if (!a.isNew(target)) a.dml(src, s);
        const m = copies.get(a) ?? new Map<string, string[]>();
        m.set(src.toLowerCase(), [...(m.get(src.toLowerCase()) ?? []), target.toLowerCase()]);
        copies.set(a, m);
      }
      return;
    }
    case 'alter_table_stmt': {
      a.ddl();
      const table = nameOf(n.table);
      for (const act of items(n.actions)) alterAction(a, s, table, act);
      return;
    }
    case 'create_view_stmt':
      a.ddl();
      if (nameOf(n.name)) {
        a.memory.dropTable(nameOf(n.name));
        a.createRelation(nameOf(n.name));
      }
      return;
    case 'drop_view_stmt':
      a.ddl();
      for (const v of items(n.views)) a.dropRelation(nameOf(v));
      return;
    default:
      if (/^(create|drop|alter)_/.test(String(n.type))) a.ddl();
  }
}

function dropTable(a: Analysis, s: Stmt, table: string, ifExists: boolean): void {
  const size = a.size(table);
  const targets = copies.get(a)?.get(table.toLowerCase());
  if (ifExists && a.absentFromHistory(table)) {
    a.emit('loss-drop-table', 'low', s, absentTableMessage(table), ABSENT_TABLE_ADVICE);
    if (a.expects(table)) a.emit('compat-drop-expected', 'critical', s, `"${table}" is still declared in the expected schema (schema/): the application expects it`, 'remove it from schema/ and from the code in an earlier release, then drop it');
  } else if (targets && a.direction === 'up') {
    // The 12-step rebuild: the rows live on in the copy; the cost is the rewrite. Either the copy is renamed
    // back afterwards, or (the older order) the table was renamed aside first and copied into a new one under
    // its old name: then that is the table rebuilt, as big as "table" is.
    const origin = a.memory.liveName(table);
    const renamedFirst = origin !== table.toLowerCase() && targets.includes(origin);
    const how = renamedFirst
      ? `"${origin}" is rebuilt (renamed to "${table}", copied into a new "${origin}", dropped)`
      : `"${table}" is rebuilt (copied into "${targets[0]}", dropped, renamed back)`;
    const advice = 'keep the rebuild alone in its migration with foreign keys checked (PRAGMA foreign_key_check) before commit, and run it when writers can wait; on a large table copy in batches';
    const trap = renamedFirst && !renamedLegacy.get(a)?.has(table.toLowerCase());
    a.emit('rewrite-sqlite-rebuild', scaled(size, 'low', 'medium', 'high', null), s, `${how}: every row is rewritten while the database is write-locked (${a.sizeNote(table)})`, trap ? `${advice}; ${renameFirstAdvice(origin, table)}` : advice);
  } else {
    let level = scaled(size, 'critical', 'critical', 'critical', 'low');
    const createdByUp = a.createdByUp.has(table.toLowerCase());
    if (a.direction === 'down') level = size.source === 'assumed' ? (a.ctx.assumeSmall ? 'low' : createdByUp ? 'medium' : 'high') : size.cls === 'empty' ? 'low' : 'high';
    a.emit('loss-drop-table', level, s, `DROP TABLE ${table} deletes all its rows (${a.sizeNote(table)})`, a.direction === 'down' ? 'take a backup before rolling back (--backup-before), or rename the table aside instead of dropping it' : 'take a verified backup first (--backup-before); to retire a table, stop using it in a release, then drop it in a later one');
    if (a.expects(table)) a.emit('compat-drop-expected', 'critical', s, `"${table}" is still declared in the expected schema (schema/): the application expects it`, 'remove it from schema/ and from the code in an earlier release, then drop it');
  }
  a.dropRelation(table);
}

function alterAction(a: Analysis, s: Stmt, table: string, act: Node): void {
  const size = a.size(table);
  const note = a.sizeNote(table);
  const isNew = a.isNew(table);
  switch (act.type as string) {
    case 'alter_action_add_column': {
      const col = act.column as Node;
      const name = nameOf(col.name);
      const cons = ((col.constraints ?? []) as Node[]).map(unwrap);
      const dflt = cons.find((c) => c.type === 'constraint_default');
      const references = cons.some((c) => c.type === 'references_specification' || c.type === 'constraint_foreign_key');
      const bad: string[] = [];
      if (cons.some((c) => c.type === 'constraint_primary_key')) bad.push('a PRIMARY KEY');
      if (cons.some((c) => c.type === 'constraint_unique')) bad.push('a UNIQUE constraint');
      if (dflt && !constantDefault(dflt.expr)) bad.push('a non-constant default');
      if (cons.some((c) => c.type === 'constraint_generated' && /STORED/i.test(JSON.stringify(c.storageKw ?? '')))) bad.push('a STORED generated column');
      if (bad.length) {
        a.emit('unsupported-statement', 'critical', s, `SQLite cannot ADD COLUMN with ${bad.join(' or ')}: the migration fails`, `add the column plainly${bad.includes('a non-constant default') ? ' and backfill it with UPDATE' : ''}, or rebuild the table (CREATE new, INSERT … SELECT, DROP, RENAME)${bad.some((b) => b.includes('UNIQUE') || b.includes('PRIMARY')) ? '; for uniqueness add CREATE UNIQUE INDEX' : ''}`);
      } else if (!isNew) {
        // SQLite refuses these only when the table has rows (sqlite3ErrorIfNotEmpty): a table this plan
        // creates is empty; an empty live table lets it pass here, and it fails where the table has rows.
        const level = scaled(size, 'critical', 'critical', 'critical', 'low');
        const onlyHere = size.cls === 'empty' ? `; it passes here only because "${table}" is empty` : '';
        const nullDefault = !dflt || /null_literal/.test(String(dflt.expr?.type));
        if (cons.some((c) => c.type === 'constraint_not_null') && nullDefault) {
          a.emit('add-not-null-without-default', level, s, `SQLite rejects ADD COLUMN "${name}" NOT NULL without a non-null default on a table with rows ("Cannot add a NOT NULL column with default value NULL")${onlyHere}`, 'give it a constant DEFAULT, or add it nullable and rebuild the table later to make it NOT NULL');
        }
        if (references && !nullDefault) {
          a.emit('unsupported-statement', level, s, `SQLite rejects ADD COLUMN "${name}" with a REFERENCES clause and a non-NULL default on a table with rows while foreign keys are on, as eventdb runs them ("Cannot add a REFERENCES column with non-NULL default value")${onlyHere}`, 'add the column with its REFERENCES clause and no default, fill it with UPDATE, or rebuild the table (CREATE new, INSERT … SELECT, DROP, RENAME)');
        }
      }
      if (references) a.fks.push({ table, cols: [name], stmt: s });
      a.memory.setColumn(table, name, dataType(col));
      a.added.add(`${table}.${name}`.toLowerCase());
      return;
    }
    case 'alter_action_drop_column': {
      const col = nameOf(act.column);
      let level = scaled(size, 'high', 'high', 'high', 'low');
      if (a.direction === 'down') level = size.source === 'assumed' ? (a.ctx.assumeSmall ? 'low' : a.createdByUp.has(`${table}.${col}`.toLowerCase()) ? 'medium' : 'high') : size.cls === 'empty' ? 'low' : 'high';
      a.emit('loss-drop-column', level, s, `dropping "${table}"."${col}" deletes its values, and SQLite rewrites every row to do it (${note})`, a.direction === 'down' ? 'take a backup before rolling back (--backup-before), or keep the column in the down' : 'stop using the column in a release first, take a backup (--backup-before), then drop it; SQLite refuses if it is indexed, a key or in a foreign key');
      if (a.expects(table, col)) a.emit('compat-drop-expected', 'critical', s, `"${table}"."${col}" is still declared in the expected schema (schema/): the running application expects it`, 'remove the column from schema/ and from the code in an earlier release, then drop it');
      a.memory.setColumn(table, col, undefined);
      return;
    }
    case 'alter_action_rename_column': {
      const from = nameOf(act.oldName);
      const to = nameOf(act.newName);
      // A column this migration added is not used by the deployed application yet.
      const fresh = a.isNewColumn(table, from);
      if (!fresh) a.emit('compat-rename-column', 'high', s, `renaming "${table}"."${from}" to "${to}" breaks the running application, which still uses "${from}"`, 'expand and contract: add the new column, write both, backfill, switch reads, then drop the old column in a later migration');
      else a.added.add(`${table}.${to}`.toLowerCase());
      a.memory.renameColumn(table, from, to);
      return;
    }
    case 'alter_action_rename': {
      const to = nameOf(act.newName);
      // The last step of a rebuild (new table renamed to the old name) changes nothing for the app.
      const rebuild = isNew && [...(copies.get(a)?.entries() ?? [])].some(([src, dsts]) => dsts.includes(table.toLowerCase()) && src === to.toLowerCase());
      a.renameRelation(s, table, to, true);
      if (rebuild) a.created.delete(to.toLowerCase());
      if (legacyAlter.has(a)) renamedLegacy.set(a, (renamedLegacy.get(a) ?? new Set<string>()).add(to.toLowerCase()));
      return;
    }
  }
}
