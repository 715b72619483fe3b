import { isBinaryCoercibleWidening, isNarrowing, normaliseType, type Analysis, type PartialPredicate, type Stmt } from './analysis.js';
import { scaled } from './levels.js';
import { sqlName, sqlQualified } from './ident.js';
import { ABSENT_TABLE_ADVICE, absentTableMessage, neverNamed } from './history-words.js';
import { doBlockStatements } from './pg-do-block.js';
import { PG_NON_VOLATILE } from './pg-functions.js';
import type { Volatility } from './types.js';
import { isUtcZone } from './utc-zones.js';

/* The PostgreSQL parse tree (libpg-query JSON) is walked untyped: only the few fields the rules read. */
type Node = Record<string, any>;

const VOLATILE = new Set(['random', 'gen_random_uuid', 'uuid_generate_v1', 'uuid_generate_v1mc', 'uuid_generate_v4', 'clock_timestamp', 'timeofday', 'nextval', 'txid_current', 'uuidv4', 'uuidv7', 'setseed']);
const SERIAL = new Set(['serial', 'bigserial', 'smallserial', 'serial4', 'serial8', 'serial2']);

function str(n: Node | undefined): string {
  return n?.String?.sval ?? '';
}

/** The expression is a bare reference to column `col`. */
/**
 * The table an INSERT … SELECT copies from: its SELECT's first FROM table, seen through a CTE of the
 * statement (`WITH q AS (SELECT … FROM "StepRun") INSERT … SELECT … FROM q` copies from StepRun, not
 * from a table named q); a CTE with no table of its own (VALUES) gives none.
 */
function insertSource(n: Node): string | undefined {
  const select = n.selectStmt?.SelectStmt as Node | undefined;
  const ctes = new Map<string, Node>();
  for (const w of [n.withClause, select?.withClause]) for (const c of (w?.ctes ?? []) as Node[]) if (c.CommonTableExpr?.ctename) ctes.set(String(c.CommonTableExpr.ctename), c.CommonTableExpr.ctequery?.SelectStmt as Node);
  let from = select;
  for (let depth = 0; from && depth < 8; depth++) {
    const rel = ((from.fromClause ?? []) as Node[]).find((f) => f.RangeVar)?.RangeVar as Node | undefined;
    if (!rel) return undefined;
    const name = String(rel.relname);
    if (rel.schemaname || !ctes.has(name)) return name;
    from = ctes.get(name);
    ctes.delete(name); // a CTE naming itself (WITH RECURSIVE) ends here
  }
  return undefined;
}

function isColumn(n: Node | undefined, col: string): boolean {
  return n?.ColumnRef?.fields?.length === 1 && str(n.ColumnRef.fields[0]).toLowerCase() === col.toLowerCase();
}

/** A partial index's WHERE from libpg-query (see PartialPredicate): the columns of its `col IS NOT NULL` conjuncts, or null. */
function notNullColumns(w: Node): PartialPredicate {
  if (w.BoolExpr?.boolop === 'AND_EXPR') {
    const parts = (w.BoolExpr.args as Node[]).map(notNullColumns);
    return parts.some((p) => p === null) ? null : parts.flat() as string[];
  }
  const t = w.NullTest as Node | undefined;
  return t?.nulltesttype === 'IS_NOT_NULL' && t.arg?.ColumnRef?.fields?.length === 1 ? [str(t.arg.ColumnRef.fields[0])] : null;
}

/**
 * SET / RESET of the session's TimeZone: whether it now has a fixed offset of zero (false when unknown).
 * RESET and SET … TO DEFAULT go back to the session's own, which the gate reads when connected (`serverUtc`).
 */
function utcAfterSet(n: Node, serverUtc: boolean): boolean {
  if (n.kind === 'VAR_RESET' || n.kind === 'VAR_RESET_ALL' || n.kind === 'VAR_SET_DEFAULT') return serverUtc;
  if (n.kind !== 'VAR_SET_VALUE' || n.args?.length !== 1) return false;
  const c = n.args[0].A_Const as Node | undefined;
  if (!c) return false;
  if (c.sval) return isUtcZone(String(c.sval.sval ?? ''));
  if (c.ival) return (c.ival.ival ?? 0) === 0; // SET TIME ZONE 0: hours east of UTC
  if (c.fval) return Number(c.fval.fval) === 0;
  return false;
}

export function typeName(tn: Node | undefined): string {
  if (!tn) return '';
  const names: Node[] = tn.names ?? [];
  const base = str(names[names.length - 1]);
  const mods: number[] = (tn.typmods ?? []).map((m: Node) => m.A_Const?.ival?.ival ?? 0);
  const arr = tn.arrayBounds ? '[]' : '';
  return normaliseType(mods.length ? `${base}(${mods.join(',')})` : base) + arr;
}

/**
 * How a DEFAULT expression behaves when ADD COLUMN fills existing rows: 'volatile' (computed per row:
 * a rewrite), 'unknown' (calls a function eventdb cannot classify: possibly volatile), or 'once'.
 */
function defaultVolatility(a: Analysis, expr: Node | undefined): 'volatile' | 'unknown' | 'once' {
  let out: 'volatile' | 'unknown' | 'once' = 'once';
  const visit = (e: Node | undefined): void => {
    if (!e || typeof e !== 'object' || out === 'volatile') return;
    if (e.FuncCall) {
      const names: Node[] = e.FuncCall.funcname ?? [];
      const name = str(names[names.length - 1]).toLowerCase();
      const schema = names.length > 1 ? str(names[0]).toLowerCase() : undefined;
      const known: Volatility | undefined = a.memory.functions.get(name) ?? a.ctx.functionVolatility?.get(name);
      if (VOLATILE.has(name) || known === 'v') out = 'volatile';
      else if (!known && !((schema === undefined || schema === 'pg_catalog') && PG_NON_VOLATILE.has(name))) out = 'unknown';
    }
    for (const v of Object.values(e)) {
      if (Array.isArray(v)) v.forEach((x) => visit(x as Node));
      else if (v && typeof v === 'object') visit(v as Node);
    }
  };
  visit(expr);
  return out;
}

function notNullColumn(expr: Node | undefined): string | undefined {
  const nt = expr?.NullTest;
  if (nt?.nulltesttype !== 'IS_NOT_NULL') return undefined;
  const fields: Node[] = nt.arg?.ColumnRef?.fields ?? [];
  return fields.length === 1 ? str(fields[0]) : undefined;
}

function indexCols(params: Node[] | undefined): string[] {
  return (params ?? []).map((p) => p.IndexElem?.name ?? '(expr)');
}

function qualified(items: Node[]): string {
  return items.map(str).join('.');
}

/** libpg-query's foreign key actions DuckDB refuses (`a` no action and `r` restrict it runs). */
const FK_ACTIONS: Record<string, string> = { c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

export const DUCKDB_UNSUPPORTED_ADVICE = 'give DuckDB its own variant file (x.duckdb.sql) without it, or do the work in the application';

const DUCKDB_UNSUPPORTED: Record<string, string> = {
  CreateTrigStmt: 'DuckDB has no triggers',
  CreateExtensionStmt: 'DuckDB has no CREATE EXTENSION (use INSTALL/LOAD)',
  CreateFunctionStmt: 'DuckDB has no stored functions (use CREATE MACRO)',
  CreatePolicyStmt: 'DuckDB has no row-level security',
  CreateEventTrigStmt: 'DuckDB has no event triggers',
  CreateDomainStmt: 'DuckDB has no domains',
};

/** PostgreSQL rules (and DuckDB, whose grammar derives from PostgreSQL's) over one parsed statement. */
export function pgStatement(a: Analysis, node: Node, s: Stmt): void {
  const kind = Object.keys(node)[0]!;
  const n = node[kind] as Node;
  // Engine named here on purpose: a risk rule's engines are part of the rule (RULES in rules.ts lists them),
  // and DuckDB is read with PostgreSQL's grammar but runs few of its locking and DDL semantics.
  const duck = a.engine === 'duckdb';
  // DROP TRIGGER … ON t: DuckDB refuses it even with IF EXISTS ("Cannot drop this type yet").
  const duckCannot = duck ? (DUCKDB_UNSUPPORTED[kind] ?? (kind === 'DropStmt' && n.removeType === 'OBJECT_TRIGGER' ? 'DuckDB has no triggers' : undefined)) : undefined;
  if (duckCannot) {
    a.emit('unsupported-statement', 'critical', s, `${duckCannot}: the migration fails on DuckDB`, DUCKDB_UNSUPPORTED_ADVICE);
    return;
  }
  switch (kind) {
    case 'TransactionStmt': {
      const k = n.kind as string;
      if (k === 'TRANS_STMT_BEGIN' || k === 'TRANS_STMT_START') a.begin(s);
      else if (k === 'TRANS_STMT_COMMIT' || k === 'TRANS_STMT_ROLLBACK') a.commit(s, k === 'TRANS_STMT_COMMIT' ? 'COMMIT' : 'ROLLBACK');
      return;
    }
    case 'VariableSetStmt':
      // SET LOCAL outside a transaction does nothing (PostgreSQL warns); DuckDB's time zones work otherwise.
      if (duck || (n.is_local && !a.inTransaction)) return;
      if (n.kind === 'VAR_RESET_ALL' || String(n.name ?? '').toLowerCase() === 'timezone') {
        a.utcSession = utcAfterSet(n, a.ctx.serverUtc === true);
        a.utcLocal = !!n.is_local;
      }
      return;
    case 'DropdbStmt':
      a.emit('loss-drop-database', 'critical', s, `DROP DATABASE ${n.dbname} removes every table of the database and all their data`, 'drop a database by hand after a verified backup, never from a migration');
      forbiddenInTx(a, s, 'DROP DATABASE');
      return;
    case 'CreatedbStmt':
      forbiddenInTx(a, s, 'CREATE DATABASE');
      return;
    case 'AlterSystemStmt':
      forbiddenInTx(a, s, 'ALTER SYSTEM');
      return;
    case 'VacuumStmt': {
      if (!n.is_vacuumcmd) return;
      forbiddenInTx(a, s, 'VACUUM');
      const full = ((n.options ?? []) as Node[]).some((o) => o.DefElem?.defname === 'full' && o.DefElem?.arg?.Boolean?.boolval !== false && str(o.DefElem?.arg).toLowerCase() !== 'false');
      if (!full) return;
      const rels = ((n.rels ?? []) as Node[]).map((r) => r.VacuumRelation?.relation?.relname as string).filter(Boolean);
      rewriteTable(a, s, rels, 'VACUUM FULL');
      return;
    }
    case 'ClusterStmt':
      rewriteTable(a, s, n.relation?.relname ? [n.relation.relname as string] : [], 'CLUSTER');
      if (!n.relation && a.inTransaction) forbiddenInTx(a, s, 'CLUSTER without a table');
      return;
    case 'ReindexStmt': {
      const concurrent = ((n.params ?? []) as Node[]).some((o) => o.DefElem?.defname === 'concurrently');
      const kind = String(n.kind ?? '').replace('REINDEX_OBJECT_', '');
      if (kind === 'SCHEMA' || kind === 'DATABASE' || kind === 'SYSTEM') forbiddenInTx(a, s, `REINDEX ${kind}`);
      if (concurrent) {
        if (a.inTransaction && !duck) concurrentlyInTx(a, s, 'REINDEX CONCURRENTLY');
        return;
      }
      const table = kind === 'TABLE' ? (n.relation?.relname as string) : undefined;
      const level = table ? scaled(a.size(table), 'low', 'medium', 'high', null) : a.ctx.assumeSmall ? 'low' : kind === 'INDEX' ? 'medium' : 'high';
      a.emit('lock-reindex', level, s, `REINDEX ${kind}${n.relation?.relname ? ` ${n.relation.relname}` : n.name ? ` ${n.name}` : ''} blocks writes${kind === 'INDEX' ? ' to its table, and reads that use the index,' : ''} until the rebuild ends${table ? ` (${a.sizeNote(table)})` : ''}`, `use \`${s.text.replace(/^REINDEX\s+(\([^)]*\)\s*)?(TABLE|INDEX|SCHEMA|DATABASE|SYSTEM)\b/i, (m) => `${m} CONCURRENTLY`)}\` (PostgreSQL 12+) in a migration marked \`-- eventdb:no-transaction\``);
      return;
    }
    case 'LockStmt': {
      const mode = Number(n.mode ?? 8);
      const names = ((n.relations ?? []) as Node[]).map((r) => r.RangeVar?.relname as string).filter(Boolean);
      const lvl = mode >= 7 ? 'high' : mode >= 4 ? 'medium' : null;
      const modeName = ['', 'ACCESS SHARE', 'ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'][mode] ?? 'ACCESS EXCLUSIVE';
      const live = names.filter((t) => !a.isNew(t));
      if (!live.length) return;
      const level = live.map((t) => scaled(a.size(t), 'low', lvl, lvl, null)).find(Boolean) ?? null;
      a.emit('lock-table', level, s, `LOCK TABLE ${live.join(', ')} in ${modeName} mode holds the lock to the end of the transaction: ${mode >= 8 ? 'every read and write' : mode >= 4 ? 'every write' : 'conflicting statements'} on it wait${a.transactional ? 's for the whole migration' : 's'}`, 'drop the explicit lock: each statement takes the lock it needs; if it guards a data change, keep the migration short and set lock_timeout');
      return;
    }
    case 'AlterDomainStmt': {
      if (n.subtype !== 'C') return;
      const con = n.def?.Constraint ?? {};
      if (con.skip_validation) return;
      const dom = qualified((n.typeName ?? []) as Node[]);
      // A domain created in this migration (or earlier in the plan) is used only by new, empty tables.
      if (a.isNew(`domain ${str(n.typeName?.[n.typeName.length - 1])}`)) return;
      a.emit('lock-domain-constraint', a.ctx.assumeSmall ? 'low' : 'high', s, `ALTER DOMAIN ${dom} ADD CONSTRAINT checks every column of every table that uses the domain, holding locks that block writes to them`, con.conname ? `\`${s.text} NOT VALID\`, then in a later migration \`ALTER DOMAIN ${sqlQualified(((n.typeName ?? []) as Node[]).map(str))} VALIDATE CONSTRAINT ${sqlName(con.conname)}\`` : `ADD CONSTRAINT … NOT VALID, then ALTER DOMAIN ${dom} VALIDATE CONSTRAINT … in a later migration`);
      return;
    }
    case 'CreateStmt': {
      a.ddl();
      const table = n.relation.relname as string;
      if (duck) {
        // DuckDB: "FOREIGN KEY constraints cannot use CASCADE, SET NULL or SET DEFAULT" (ON DELETE or ON UPDATE).
        const cons = ((n.tableElts ?? []) as Node[]).flatMap((el) => (el.ColumnDef ? ((el.ColumnDef.constraints ?? []) as Node[]) : el.Constraint ? [el] : []).map((c) => c.Constraint as Node));
        const action = cons.find((c) => c?.contype === 'CONSTR_FOREIGN' && [c.fk_del_action, c.fk_upd_action].some((x) => FK_ACTIONS[x as string]));
        if (action) {
          const what = [action.fk_del_action, action.fk_upd_action].map((x, i) => (FK_ACTIONS[x as string] ? `ON ${i ? 'UPDATE' : 'DELETE'} ${FK_ACTIONS[x as string]}` : '')).filter(Boolean).join(' ');
          a.emit('unsupported-statement', 'critical', s, `DuckDB foreign keys take no referential action (${what}): the migration fails on DuckDB`, 'give DuckDB its own variant file (x.duckdb.sql) with a plain foreign key, and delete the child rows in the application');
        }
      }
      a.memory.dropTable(table);
      a.createRelation(table);
      for (const el of (n.tableElts ?? []) as Node[]) {
        if (el.ColumnDef) {
          const c = el.ColumnDef;
          a.memory.setColumn(table, c.colname, typeName(c.typeName));
          const unenforced = ((c.constraints ?? []) as Node[]).some((x) => x.Constraint?.contype === 'CONSTR_ATTR_NOT_ENFORCED');
          for (const con of (c.constraints ?? []) as Node[]) {
            const ct = con.Constraint?.contype;
            if (ct === 'CONSTR_GENERATED') a.memory.generated.set(`${table}.${c.colname}`.toLowerCase(), generatedKind(con.Constraint));
            if (ct === 'CONSTR_NOTNULL' || ct === 'CONSTR_PRIMARY') a.memory.notNullProven.add(`${table}.${c.colname}`.toLowerCase());
            if (ct === 'CONSTR_PRIMARY' || ct === 'CONSTR_UNIQUE') a.memory.addIndex(table, [c.colname], undefined, undefined, true);
            if (ct === 'CONSTR_FOREIGN' && !unenforced) a.fks.push({ table, cols: [c.colname], stmt: s });
          }
        } else if (el.Constraint) {
          const con = el.Constraint;
          if (con.contype === 'CONSTR_PRIMARY' || con.contype === 'CONSTR_UNIQUE') a.memory.addIndex(table, (con.keys ?? []).map(str), undefined, undefined, true);
          if (con.contype === 'CONSTR_PRIMARY') for (const k of (con.keys ?? []) as Node[]) a.memory.notNullProven.add(`${table}.${str(k)}`.toLowerCase());
          if (con.contype === 'CONSTR_FOREIGN' && enforcedFk(con)) a.fks.push({ table, cols: (con.fk_attrs ?? []).map(str), stmt: s });
        }
      }
      return;
    }
    case 'CreateDomainStmt': {
      a.ddl();
      const names = (n.domainname ?? []) as Node[];
      // Kept with the relations under a name no relation has (a space), so that it follows the plan too.
      a.created.add(`domain ${str(names[names.length - 1]).toLowerCase()}`);
      return;
    }
    case 'CreateTableAsStmt': // CREATE MATERIALIZED VIEW, CREATE TABLE … AS
    case 'ViewStmt':
    case 'CreateForeignTableStmt': {
      a.ddl();
      const rel = (kind === 'CreateTableAsStmt' ? n.into?.rel : kind === 'ViewStmt' ? n.view : n.base?.relation) as Node | undefined;
      if (rel?.relname) newRelation(a, rel.relname as string);
      return;
    }
    case 'SelectStmt':
      // SELECT … INTO t creates t.
      if (n.intoClause?.rel?.relname) {
        a.ddl();
        newRelation(a, n.intoClause.rel.relname as string);
      }
      return;
    case 'IndexStmt': {
      a.ddl();
      const table = n.relation.relname as string;
      const cols = indexCols(n.indexParams);
      if (duck && n.whereClause) {
        a.emit('unsupported-statement', 'critical', s, 'DuckDB has no partial indexes (CREATE INDEX … WHERE): the migration fails on DuckDB', 'give DuckDB its own variant file (x.duckdb.sql) with the index on all rows, or without it');
      }
      if (n.concurrent) {
        if (a.inTransaction && !duck) concurrentlyInTx(a, s, 'CREATE INDEX CONCURRENTLY');
      } else if (!duck) {
        const size = a.size(table);
        a.emit('lock-index-build', scaled(size, 'low', 'medium', 'high', null), s, `CREATE INDEX blocks writes to "${table}" for the whole build (${a.sizeNote(table)})`, `use \`${s.text.replace(/^CREATE\s+(UNIQUE\s+)?INDEX\b/i, (m) => `${m} CONCURRENTLY`)}\` in a migration marked \`-- eventdb:no-transaction\``);
      }
      a.memory.addIndex(table, cols, (n.idxname as string | undefined) ?? `${table}_${cols.join('_')}_idx`, n.whereClause ? notNullColumns(n.whereClause) : undefined, !!n.unique);
      return;
    }
    case 'DropStmt': {
      a.ddl();
      const type = n.removeType as string;
      if (n.concurrent && a.inTransaction && !duck) concurrentlyInTx(a, s, 'DROP INDEX CONCURRENTLY');
      if (type === 'OBJECT_INDEX' && !n.concurrent && !duck) {
        const objects = ((n.objects ?? []) as Node[]).map((o) => (o.List?.items ?? [o]) as Node[]);
        const names = objects.map(qualified);
        const advice = `use \`${s.text.replace(/^DROP\s+INDEX\b/i, 'DROP INDEX CONCURRENTLY')}\` in a migration marked \`-- eventdb:no-transaction\``;
        // IF EXISTS of indexes no statement before names (a lint of the whole history): nothing to drop, no lock.
        if (n.missing_ok && objects.every((items) => a.absentFromHistory(str(items[items.length - 1])))) {
          a.emit('lock-drop-index', 'low', s, `DROP INDEX IF EXISTS ${names.join(', ')}: ${neverNamed(names)}, so on a database they built this is a no-op and locks nothing (an index made outside them would be dropped under an ACCESS EXCLUSIVE lock on its table)`, `nothing to do if it never existed; else ${advice}`);
        } else {
          const level = a.ctx.assumeSmall || a.direction === 'down' ? 'low' : 'medium';
          a.emit('lock-drop-index', level, s, `DROP INDEX ${names.join(', ')} takes an ACCESS EXCLUSIVE lock on its table: it waits for every running query on it, and every new query waits behind it`, advice);
        }
      }
      for (const obj of (n.objects ?? []) as Node[]) {
        const items: Node[] = obj.List?.items ?? (obj.String ? [obj] : []);
        const name = str(items[items.length - 1]);
        if (type === 'OBJECT_INDEX') a.memory.dropIndex(name);
        else if (type === 'OBJECT_TABLE') dropTable(a, s, name, qualified(items), n.missing_ok === true);
        else if (type === 'OBJECT_MATVIEW' || type === 'OBJECT_VIEW' || type === 'OBJECT_FOREIGN_TABLE') a.dropRelation(name);
        else if (type === 'OBJECT_DOMAIN') a.dropRelation(`domain ${str((obj.TypeName?.names ?? items).at(-1))}`);
        else if (type === 'OBJECT_SCHEMA') {
          a.emit('loss-drop-schema', 'critical', s, `DROP SCHEMA ${name}${n.behavior === 'DROP_CASCADE' ? ' CASCADE' : ''} removes every table in it and their data`, 'drop the tables one by one after a verified backup (eventdb backup), or rename the schema first and drop it in a later release');
        }
      }
      return;
    }
    case 'TruncateStmt': {
      for (const r of (n.relations ?? []) as Node[]) {
        const table = r.RangeVar.relname as string;
        const size = a.size(table);
        a.emit('loss-truncate', scaled(size, 'critical', 'critical', 'critical', 'low'), s, `TRUNCATE ${table} removes every row (${a.sizeNote(table)})`, 'take a backup first (eventdb backup, or --backup-before), and accept the rule with `-- eventdb:risk-accepted loss-truncate "reason"` if intended');
      }
      a.ddl();
      return;
    }
    case 'DeleteStmt':
    case 'UpdateStmt': {
      const table = n.relation.relname as string;
      a.dml(table, s);
      if (!n.whereClause) {
        const size = a.size(table);
        const del = kind === 'DeleteStmt';
        a.emit(del ? 'loss-delete-without-where' : 'loss-update-without-where', scaled(size, 'high', 'high', 'high', 'low'), s, `${del ? 'DELETE' : 'UPDATE'} without WHERE ${del ? 'removes' : 'overwrites'} every row of "${table}" (${a.sizeNote(table)})`, del ? 'add a WHERE clause; to empty a table on purpose, accept the rule with a reason' : 'add a WHERE clause, and backfill large tables in batches (UPDATE … WHERE id BETWEEN …) outside the DDL transaction');
      }
      return;
    }
    case 'InsertStmt': {
      const src = insertSource(n);
      // Copying into a table this migration created locks nothing anyone uses.
      if (src && !a.isNew(n.relation.relname as string)) a.dml(src, s);
      return;
    }
    case 'RenameStmt': {
      a.ddl();
      const rt = n.renameType as string;
      const table = n.relation?.relname as string | undefined;
      if (!table) return;
      if (duck && a.memory.blocksDuckAlter(table) && !a.createdHere(table)) duckIndexed(a, s, table, 'RENAME');
      if (rt === 'OBJECT_TABLE' || rt === 'OBJECT_MATVIEW' || rt === 'OBJECT_VIEW' || rt === 'OBJECT_FOREIGN_TABLE') {
        a.renameRelation(s, table, String(n.newname), rt === 'OBJECT_TABLE');
      } else if (rt === 'OBJECT_COLUMN') {
        // A column this migration added is not used by the deployed application yet.
        if (!a.isNewColumn(table, n.subname)) {
          a.emit('compat-rename-column', 'high', s, `renaming "${table}"."${n.subname}" to "${n.newname}" breaks the running application, which still uses "${n.subname}"`, 'expand and contract: add the new column, write both, backfill, switch reads, then drop the old column in a later migration');
        } else a.added.add(`${table}.${n.newname}`.toLowerCase());
        a.memory.renameColumn(table, n.subname, n.newname);
      }
      return;
    }
    case 'AlterTableStmt': {
      if (n.objtype && n.objtype !== 'OBJECT_TABLE') return;
      a.ddl();
      const table = n.relation.relname as string;
      const cmds = (n.cmds ?? []) as Node[];
      for (const c of cmds) alterCmd(a, s, table, c.AlterTableCmd ?? {}, cmds.length === 1);
      return;
    }
    case 'CreateFunctionStmt': {
      a.ddl();
      const names: Node[] = n.funcname ?? [];
      const opt = ((n.options ?? []) as Node[]).find((o) => o.DefElem?.defname === 'volatility');
      const v = str(opt?.DefElem?.arg).toLowerCase();
      a.memory.functions.set(str(names[names.length - 1]).toLowerCase(), v === 'immutable' ? 'i' : v === 'stable' ? 's' : 'v');
      return;
    }
    case 'DoStmt': {
      // The block's static statements are what PostgreSQL runs (in the migration's transaction): each is
      // assessed as if written outside it, and its findings say where it stands.
      const from = a.findings.length;
      for (const inner of doBlockStatements(n, s)) pgStatement(a, inner.node, inner.stmt);
      for (const f of a.findings.slice(from)) {
        f.message += ` (inside the DO block at line ${s.line})`;
        if (/CONCURRENTLY|no-transaction/.test(f.advice)) f.advice = `move it out of the DO block (a DO block runs inside one transaction), then: ${f.advice}`;
      }
      return;
    }
    default:
      if (kind.startsWith('Create') || kind.startsWith('Alter') || kind.startsWith('Drop') || kind === 'CommentStmt' || kind === 'GrantStmt') a.ddl();
  }
}

function forbiddenInTx(a: Analysis, s: Stmt, what: string): void {
  if (!a.inTransaction || a.engine === 'duckdb') return; // the rule's engines (RULES): DuckDB runs these in transactions
  a.emit('txn-forbidden-statement', 'high', s, `${what} cannot run inside a transaction block: the migration fails${a.inBlock ? ' (explicit BEGIN)' : ' (eventdb runs each migration in a transaction)'}`, 'put it alone in a migration marked `-- eventdb:no-transaction`, without BEGIN/COMMIT (or run it by hand: it is maintenance, not schema)');
}

function rewriteTable(a: Analysis, s: Stmt, tables: string[], what: string): void {
  if (a.engine === 'duckdb') return; // the rule's engines (RULES): DuckDB has no such table rewrites
  const live = tables.filter((t) => !a.isNew(t));
  if (tables.length && !live.length) return;
  const level = live.length ? (live.map((t) => scaled(a.size(t), 'low', 'high', 'critical', null)).find(Boolean) ?? null) : a.ctx.assumeSmall ? 'low' : 'critical';
  a.emit('rewrite-table', level, s, `${what} rewrites ${live.length ? live.map((t) => `"${t}"`).join(', ') : 'every table it covers'} into a new file under an ACCESS EXCLUSIVE lock: no reads or writes until it ends${live.length === 1 ? ` (${a.sizeNote(live[0]!)})` : ''}`, 'rewrite online with pg_repack / pg_squeeze, or run it by hand in a maintenance window; plain VACUUM (not FULL) needs no exclusive lock');
}

function concurrentlyInTx(a: Analysis, s: Stmt, what: string): void {
  a.emit('concurrently-in-transaction', 'high', s, `${what} cannot run inside a transaction block: the migration fails${a.inBlock ? ' (explicit BEGIN)' : ' (eventdb runs each migration in a transaction)'}`, 'put it alone in a migration marked `-- eventdb:no-transaction`, without BEGIN/COMMIT');
}

function duckIndexed(a: Analysis, s: Stmt, table: string, what: string): void {
  a.emit('unsupported-statement', 'critical', s, `DuckDB refuses ${what} on "${table}" while an index depends on it ("Cannot alter entry … entries that depend on it")`, `drop the table's indexes first and recreate them after, in the same migration`);
}

/** DuckDB refuses to change the type of, or drop, a column of a PRIMARY KEY or UNIQUE constraint — in any table, a new one too. */
function duckKeyColumn(a: Analysis, s: Stmt, table: string, col: string, what: 'drop' | 'change the type of'): void {
  a.emit('unsupported-statement', 'critical', s, `DuckDB cannot ${what} "${table}"."${col}", a column of a PRIMARY KEY or UNIQUE constraint ("${what === 'drop' ? 'Cannot drop column … because … unique constraint' : 'Cannot change the type of a column that has a UNIQUE or PRIMARY KEY constraint specified'}"): the migration fails on DuckDB`, DUCK_REBUILD_ADVICE);
}

const DUCK_REBUILD_ADVICE = 'rebuild the table on DuckDB in its own variant file (x.duckdb.sql): CREATE TABLE with the new definition, INSERT … SELECT, DROP TABLE, ALTER TABLE … RENAME TO';


function dropTable(a: Analysis, s: Stmt, name: string, display: string, ifExists: boolean): void {
  if (ifExists && a.absentFromHistory(name)) {
    a.emit('loss-drop-table', 'low', s, absentTableMessage(display), ABSENT_TABLE_ADVICE);
  } else {
    const size = a.size(name);
    const createdByUp = a.direction === 'down' && a.createdByUp.has(name.toLowerCase());
    let level = scaled(size, 'critical', 'critical', 'critical', 'low');
    if (a.direction === 'down') level = size.source === 'assumed' ? (a.ctx.assumeSmall ? 'low' : createdByUp ? 'medium' : 'high') : size.cls === 'empty' ? 'low' : 'high';
    a.emit('loss-drop-table', level, s, `DROP TABLE ${display} deletes all its rows (${a.sizeNote(name)})`, a.direction === 'down' ? 'take a backup before rolling back (--backup-before), or make the down rename the table aside instead of dropping it' : 'take a verified backup first (--backup-before); to retire a table safely, stop using it in a release, then drop it in a later one');
  }
  if (a.expects(name)) {
    a.emit('compat-drop-expected', 'critical', s, `"${name}" is still declared in the expected schema (schema/): the application expects it`, 'remove it from schema/ and from the code in an earlier release, then drop it');
  }
  a.dropRelation(name);
}

/** A relation created without column definitions eventdb reads (materialized view, TABLE AS, SELECT INTO, view, foreign table). */
function newRelation(a: Analysis, name: string): void {
  a.memory.dropTable(name);
  a.createRelation(name);
}

/** The index-first path for a UNIQUE / PRIMARY KEY constraint, as statements that run as printed. */
function usingIndexAdvice(table: string, conname: string | undefined, keys: string[], kind: 'PRIMARY KEY' | 'UNIQUE'): string {
  const idx = conname ?? `${table}_${keys.join('_')}_${kind === 'UNIQUE' ? 'key' : 'pkey'}`;
  return `\`CREATE UNIQUE INDEX CONCURRENTLY ${sqlName(idx)} ON ${sqlName(table)} (${keys.map(sqlName).join(', ')})\` in a migration marked \`-- eventdb:no-transaction\`, then \`ALTER TABLE ${sqlName(table)} ADD CONSTRAINT ${sqlName(idx)} ${kind} USING INDEX ${sqlName(idx)}\``;
}

const GENERATED_ADVICE = 'add a plain column, fill it in batches and keep it current with a trigger (or, on PostgreSQL 18+, use a virtual generated column, which stores nothing), switch the application to it, then drop the old one';

/** Whether a foreign key is enforced (PostgreSQL 18's parse marks it; `NOT ENFORCED` leaves the mark off). */
function enforcedFk(con: Node): boolean {
  return con.is_enforced === true;
}

/** A generated column's kind: 's' stored, 'v' virtual (PostgreSQL 18's default when neither keyword is given). */
function generatedKind(con: Node): 's' | 'v' {
  return con.generated_kind === 'v' ? 'v' : 's';
}

/** `single`: the ALTER TABLE has this one command, so advice may quote the statement itself. */
function alterCmd(a: Analysis, s: Stmt, table: string, c: Node, single: boolean): void {
  const duck = a.engine === 'duckdb'; // per-rule engines, as in pgStatement
  const size = a.size(table);
  const note = a.sizeNote(table);
  const isNew = a.isNew(table);
  switch (c.subtype as string) {
    case 'AT_AddColumn': {
      const def = c.def?.ColumnDef ?? {};
      const col = def.colname as string;
      const type = typeName(def.typeName);
      const cons: Node[] = (def.constraints ?? []).map((x: Node) => x.Constraint).filter(Boolean);
      const has = (t: string) => cons.find((x) => x.contype === t);
      const dflt = has('CONSTR_DEFAULT');
      const gen = has('CONSTR_GENERATED');
      const duckCons = cons.filter((x) => x.contype !== 'CONSTR_DEFAULT');
      if (duck && duckCons.length) {
        a.emit('unsupported-statement', 'critical', s, `DuckDB cannot add a column with constraints (${duckCons.map((x) => String(x.contype).replace('CONSTR_', '').toLowerCase()).join(', ')}): "Adding columns with constraints not yet supported"`, 'add the column plain, UPDATE it, and enforce the rule in the application (or rebuild the table with CREATE TABLE … AS)');
      } else {
        // serial/bigserial/smallserial bring their own default (nextval): existing rows get numbers, nothing fails.
        const serial = SERIAL.has(str(def.typeName?.names?.[def.typeName.names.length - 1]).toLowerCase());
        if (has('CONSTR_NOTNULL') && !dflt && !serial && !has('CONSTR_IDENTITY') && !has('CONSTR_GENERATED') && !isNew) {
          a.emit('add-not-null-without-default', scaled(size, 'high', 'high', 'high', null), s, `adding NOT NULL column "${col}" without a default fails when "${table}" has rows (${note})`, 'add it nullable, backfill, add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL — or give it a constant DEFAULT');
        }
        const dv = dflt ? defaultVolatility(a, dflt.raw_expr) : 'once';
        // A stored generated column is computed for every row; a virtual one (PostgreSQL 18+: `VIRTUAL`, or
        // no keyword) stores nothing, so adding it rewrites nothing.
        const stored = gen !== undefined && generatedKind(gen) === 's';
        const volatile = dv === 'volatile' || SERIAL.has(type) || SERIAL.has(str(def.typeName?.names?.[def.typeName.names.length - 1])) || has('CONSTR_IDENTITY');
        if (stored && !isNew && !duck) {
          a.emit('rewrite-volatile-default', scaled(size, 'low', 'high', 'critical', null), s, `adding the stored generated column "${col}" computes it for every row: rewrites "${table}" under an ACCESS EXCLUSIVE lock (${note})`, GENERATED_ADVICE);
        } else if (volatile && !isNew && !duck) {
          a.emit('rewrite-volatile-default', scaled(size, 'low', 'high', 'critical', null), s, `adding "${col}" with a per-row value rewrites "${table}" under an ACCESS EXCLUSIVE lock (${note})`, 'add the column without a default (or with a constant one), backfill it in batches, then set the default for new rows');
        } else if (dv === 'unknown' && !isNew && !duck) {
          a.emit('rewrite-volatile-default', scaled(size, 'low', 'medium', 'medium', null), s, `adding "${col}" with a default that calls a function eventdb cannot classify: possibly volatile, and then "${table}" is rewritten under an ACCESS EXCLUSIVE lock (${note})`, 'declare the function IMMUTABLE or STABLE if it is, lint with a database connection (migrate up --dry-run reads pg_proc.provolatile), or add the column without a default and backfill');
        }
        if (!isNew && (has('CONSTR_PRIMARY') || has('CONSTR_UNIQUE')) && !duck) {
          a.emit('lock-index-build', scaled(size, 'low', 'medium', 'high', null), s, `adding a ${has('CONSTR_PRIMARY') ? 'PRIMARY KEY' : 'UNIQUE'} column builds an index under an ACCESS EXCLUSIVE lock: reads and writes of "${table}" wait for the build (${note})`, 'add the column, CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT … USING INDEX');
        }
        if (has('CONSTR_FOREIGN')) a.fks.push({ table, cols: [col], stmt: s });
      }
      if (has('CONSTR_PRIMARY') || has('CONSTR_UNIQUE')) a.memory.addIndex(table, [col], undefined, undefined, true);
      a.memory.setColumn(table, col, type);
      if (has('CONSTR_NOTNULL') || has('CONSTR_PRIMARY')) a.memory.notNullProven.add(`${table}.${col}`.toLowerCase());
      if (gen) a.memory.generated.set(`${table}.${col}`.toLowerCase(), generatedKind(gen));
      a.added.add(`${table}.${col}`.toLowerCase());
      return;
    }
    case 'AT_DropColumn': {
      const col = c.name as string;
      const keyAfter = duck ? a.memory.constraintKeyAfter(table, col) : undefined;
      if (duck && a.memory.isConstraintKey(table, col)) duckKeyColumn(a, s, table, col, 'drop');
      else if (keyAfter) a.emit('unsupported-statement', 'critical', s, `DuckDB cannot drop "${table}"."${col}" while a PRIMARY KEY or UNIQUE constraint covers a column after it ("${keyAfter}"; "Cannot drop this column: an index depends on a column after it!"): the migration fails on DuckDB`, DUCK_REBUILD_ADVICE);
      else if (duck && a.memory.blocksDuckAlter(table) && !a.createdHere(table)) duckIndexed(a, s, table, 'DROP COLUMN');
      let level = scaled(size, 'high', 'high', 'high', 'low');
      if (a.direction === 'down') level = size.source === 'assumed' ? (a.ctx.assumeSmall ? 'low' : a.createdByUp.has(`${table}.${col}`.toLowerCase()) ? 'medium' : 'high') : size.cls === 'empty' ? 'low' : 'high';
      a.emit('loss-drop-column', level, s, `dropping "${table}"."${col}" deletes its values (${note})`, a.direction === 'down' ? 'take a backup before rolling back (--backup-before), or keep the column in the down and drop it in a later migration' : 'stop reading and writing the column in a release first, take a backup (--backup-before), then drop it');
      if (a.expects(table, col)) {
        a.emit('compat-drop-expected', 'critical', s, `"${table}"."${col}" is still declared in the expected schema (schema/): the running application expects it`, 'remove the column from schema/ and from the code in an earlier release, then drop it');
      }
      a.memory.setColumn(table, col, undefined);
      return;
    }
    case 'AT_AlterColumnType': {
      const col = c.name as string;
      const to = typeName(c.def?.ColumnDef?.typeName);
      const from = a.memory.columnType(table, col);
      // To the type it already has (aliases normalised: int4/integer, timestamp/timestamp without time zone …),
      // with no conversion and no new collation: PostgreSQL neither rewrites nor scans.
      const using = c.def?.ColumnDef?.raw_default as Node | undefined;
      const plainUsing = !using || isColumn(using, col) || (using.TypeCast && isColumn(using.TypeCast.arg, col) && typeName(using.TypeCast.typeName) === to);
      // DuckDB refuses a key column's type change whatever the types (VARCHAR(36) to TEXT, the same type there).
      if (duck && a.memory.isConstraintKey(table, col)) return duckKeyColumn(a, s, table, col, 'change the type of');
      if (from === to && plainUsing && !c.def?.ColumnDef?.collClause) return;
      if (duck && a.memory.blocksDuckAlter(table) && !a.createdHere(table)) duckIndexed(a, s, table, 'ALTER COLUMN TYPE');
      if (from && isNarrowing(from, to)) {
        a.emit('loss-narrowing-type', scaled(size, 'high', 'high', 'high', 'low'), s, `changing "${table}"."${col}" from ${from} to ${to} narrows it: values that do not fit make the migration fail or are cut`, 'check the data first (SELECT … WHERE length(col) > n), add a new column of the new type, backfill with an explicit conversion, then swap');
      } else if (!from && /\(|^int[12]$|^int4$|^date$|^float4$/.test(to) && !isNew) {
        a.emit('loss-narrowing-type', scaled(size, 'medium', 'medium', 'medium', 'low'), s, `"${table}"."${col}" changes to ${to}; its current type is unknown here, so the change may narrow it and reject or cut values`, 'lint with the earlier migrations (or a database) so eventdb knows the current type; check the data fits before changing it');
      }
      // A USING expression other than the column itself (or its cast to the new type) computes every value
      // anew: PostgreSQL rewrites the table even where the plain conversion would not (varchar → text USING v || '').
      if (!isNew && !(from && plainUsing && isBinaryCoercibleWidening(from, to, a.utcSession))) {
        a.emit('rewrite-column-type', scaled(size, 'low', 'high', 'critical', null), s, `changing the type of "${table}"."${col}" rewrites ${duck ? 'every value of the column while the database is write-locked' : 'the table and its indexes under an ACCESS EXCLUSIVE lock'} (${note})`, 'add a new column of the new type, backfill it in batches, switch the application to it, then drop the old column');
      } else if (!isNew && !duck && c.def?.ColumnDef?.collClause && (a.memory.indexes.get(table.toLowerCase()) ?? []).some((cols) => cols.includes(col.toLowerCase()))) {
        // A new collation, no rewrite: the table keeps its file, but every index on the column is rebuilt
        // (its order depends on the collation), under the ALTER's ACCESS EXCLUSIVE lock.
        a.emit('lock-index-build', scaled(size, 'low', 'medium', 'high', null), s, `changing the collation of "${table}"."${col}" rebuilds every index on it under an ACCESS EXCLUSIVE lock: reads and writes wait for the builds (${note})`, 'add a new column with the collation, build its indexes CONCURRENTLY (migrations marked `-- eventdb:no-transaction`), backfill it in batches, switch the application to it, then drop the old column');
      }
      a.memory.setColumn(table, col, to);
      return;
    }
    case 'AT_AddConstraint': {
      const con = c.def?.Constraint ?? {};
      const ct = con.contype as string;
      if (duck) {
        a.emit('unsupported-statement', 'critical', s, `DuckDB cannot ADD CONSTRAINT to an existing table ("No support for that ALTER TABLE option yet")`, 'declare the constraint in CREATE TABLE (rebuild the table with CREATE TABLE … AS and swap it), or enforce it in the application');
        return;
      }
      const validated = !con.skip_validation;
      // A foreign key NOT ENFORCED (PostgreSQL 18) has no triggers and is never validated: no scan, now or on a parent's delete.
      const enforced = ct !== 'CONSTR_FOREIGN' || enforcedFk(con);
      // NOT VALID only helps once committed: ADD CONSTRAINT's lock is held to the end of the transaction.
      if (!validated && enforced && a.inTransaction && con.conname && !isNew && (ct === 'CONSTR_FOREIGN' || ct === 'CONSTR_CHECK' || ct === 'CONSTR_NOTNULL')) {
        a.unitNotValid.set(String(con.conname).toLowerCase(), { kind: ct === 'CONSTR_FOREIGN' ? 'fk' : ct === 'CONSTR_CHECK' ? 'check' : 'notnull', table });
      }
      if (ct === 'CONSTR_FOREIGN') {
        if (enforced) a.fks.push({ table, cols: (con.fk_attrs ?? []).map(str), stmt: s });
        if (validated && !isNew) {
          a.emit('lock-foreign-key-validation', scaled(size, 'low', 'medium', 'high', null), s, `adding foreign key ${con.conname ?? ''} validates every row of "${table}" while writes to it and its parent are blocked (${note})`.replace('key  ', 'key '), single && con.conname ? `\`${s.text} NOT VALID\`, then in a separate migration \`ALTER TABLE ${sqlName(table)} VALIDATE CONSTRAINT ${sqlName(con.conname)}\` (it takes a weaker lock)` : `ADD CONSTRAINT … NOT VALID, then ALTER TABLE ${sqlName(table)} VALIDATE CONSTRAINT … in a separate migration (it takes a weaker lock)`);
        }
      } else if (ct === 'CONSTR_CHECK') {
        const col = notNullColumn(con.raw_expr);
        if (col && con.conname) a.memory.checks.set(String(con.conname).toLowerCase(), { table, col });
        if (col && validated) a.memory.notNullProven.add(`${table}.${col}`.toLowerCase());
        if (validated && !isNew) {
          a.emit('lock-check-validation', scaled(size, 'low', 'medium', 'high', null), s, `adding CHECK ${con.conname ?? ''} scans every row of "${table}" under an ACCESS EXCLUSIVE lock (${note})`.replace('CHECK  ', 'CHECK '), single && con.conname ? `\`${s.text} NOT VALID\`, then in a separate migration \`ALTER TABLE ${sqlName(table)} VALIDATE CONSTRAINT ${sqlName(con.conname)}\`` : `ADD CONSTRAINT … CHECK (…) NOT VALID, then ALTER TABLE ${sqlName(table)} VALIDATE CONSTRAINT … in a separate migration`);
        }
      } else if (ct === 'CONSTR_NOTNULL') {
        // PostgreSQL 18: a named NOT NULL constraint. Validated, it scans every row as SET NOT NULL does;
        // NOT VALID, it does not, and a later VALIDATE (SHARE UPDATE EXCLUSIVE) lets SET NOT NULL skip its scan.
        const col = str(((con.keys ?? []) as Node[])[0]);
        if (col && con.conname) a.memory.checks.set(String(con.conname).toLowerCase(), { table, col });
        if (col && validated) {
          if (!isNew && !a.memory.notNullProven.has(`${table}.${col}`.toLowerCase())) {
            const name = sqlName(con.conname ?? `${col}_not_null`);
            a.emit('lock-set-not-null', scaled(size, 'low', 'medium', 'high', null), s, `ADD CONSTRAINT … NOT NULL on "${table}"."${col}" scans every row under an ACCESS EXCLUSIVE lock (${note})`, `\`ALTER TABLE ${sqlName(table)} ADD CONSTRAINT ${name} NOT NULL ${sqlName(col)} NOT VALID\`, then in a later migration \`ALTER TABLE ${sqlName(table)} VALIDATE CONSTRAINT ${name}\` (a weaker lock: writes go on)`);
          }
          a.memory.notNullProven.add(`${table}.${col}`.toLowerCase());
        }
      } else if ((ct === 'CONSTR_PRIMARY' || ct === 'CONSTR_UNIQUE') && !con.indexname) {
        // ALTER TABLE … ADD CONSTRAINT takes ACCESS EXCLUSIVE (CREATE INDEX only SHARE): reads wait too.
        if (!isNew) {
          a.emit('lock-index-build', scaled(size, 'low', 'medium', 'high', null), s, `adding a ${ct === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE constraint'} builds its index under an ACCESS EXCLUSIVE lock: reads and writes of "${table}" wait for the build (${note})`, usingIndexAdvice(table, con.conname as string | undefined, ((con.keys ?? []) as Node[]).map(str), ct === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE'));
        }
        a.memory.addIndex(table, (con.keys ?? []).map(str), undefined, undefined, true);
        if (ct === 'CONSTR_PRIMARY') for (const k of (con.keys ?? []) as Node[]) a.memory.notNullProven.add(`${table}.${str(k)}`.toLowerCase());
      } else if (ct === 'CONSTR_PRIMARY' && con.indexname) {
        // PRIMARY KEY USING INDEX: no build, but every key column not already NOT NULL is set NOT NULL,
        // which scans the table under the ALTER's ACCESS EXCLUSIVE lock (eugene's W14).
        const cols = a.memory.indexColumns.get(String(con.indexname).toLowerCase()) ?? [];
        for (const col of cols) {
          const key = `${table}.${col}`.toLowerCase();
          if (!isNew && col !== '(expr)' && !a.memory.notNullProven.has(key)) {
            a.emit('lock-set-not-null', scaled(size, 'low', 'medium', 'high', null), s, `PRIMARY KEY USING INDEX ${con.indexname} sets "${table}"."${col}" NOT NULL: it scans every row under an ACCESS EXCLUSIVE lock (${note})`, `first \`ALTER TABLE ${sqlName(table)} ADD CONSTRAINT ${sqlName(`${col}_not_null`)} CHECK (${sqlName(col)} IS NOT NULL) NOT VALID\`, in a later migration \`ALTER TABLE ${sqlName(table)} VALIDATE CONSTRAINT ${sqlName(`${col}_not_null`)}\` and \`ALTER TABLE ${sqlName(table)} ALTER COLUMN ${sqlName(col)} SET NOT NULL\` (PostgreSQL 12+ skips the scan), then add the primary key`);
          }
          a.memory.notNullProven.add(key);
        }
      } else if (ct === 'CONSTR_EXCLUSION') {
        if (!isNew) {
          a.emit('lock-index-build', scaled(size, 'low', 'medium', 'high', null), s, `adding EXCLUDE constraint ${con.conname ?? ''} builds its index and checks every row under an ACCESS EXCLUSIVE lock: reads and writes of "${table}" wait for it (${note})`.replace('constraint  ', 'constraint '), 'an exclusion constraint cannot be built CONCURRENTLY or added USING INDEX: add it while the table is new or small, or when readers and writers can wait (set lock_timeout)');
        }
      }
      return;
    }
    case 'AT_ValidateConstraint': {
      const chk = a.memory.checks.get(String(c.name).toLowerCase());
      if (chk) a.memory.notNullProven.add(`${chk.table}.${chk.col}`.toLowerCase());
      const same = a.unitNotValid.get(String(c.name).toLowerCase());
      if (same) {
        const fk = same.kind === 'fk';
        a.emit(fk ? 'lock-foreign-key-validation' : same.kind === 'notnull' ? 'lock-set-not-null' : 'lock-check-validation', scaled(size, 'low', 'medium', 'high', null), s, `${c.name} is validated in the transaction that added it NOT VALID: ADD CONSTRAINT's ${fk ? 'SHARE ROW EXCLUSIVE' : 'ACCESS EXCLUSIVE'} lock is still held while every row of "${table}" is scanned (${note})`, `commit the NOT VALID constraint first: \`ALTER TABLE ${sqlName(table)} VALIDATE CONSTRAINT ${sqlName(c.name)}\` in a later migration (or mark this one \`-- eventdb:no-transaction\`)`);
      }
      return;
    }
    case 'AT_SetNotNull': {
      const col = c.name as string;
      if (duck) {
        if (a.memory.blocksDuckAlter(table) && !a.createdHere(table)) duckIndexed(a, s, table, 'SET NOT NULL');
        return;
      }
      const proven = a.memory.notNullProven.has(`${table}.${col}`.toLowerCase());
      a.memory.notNullProven.add(`${table}.${col}`.toLowerCase()); // NOT NULL from here on: a later SET NOT NULL or PRIMARY KEY USING INDEX does not scan
      if (isNew || proven) return;
      a.emit('lock-set-not-null', scaled(size, 'low', 'medium', 'high', null), s, `SET NOT NULL on "${table}"."${col}" scans every row under an ACCESS EXCLUSIVE lock (${note})`, `first \`ALTER TABLE ${sqlName(table)} ADD CONSTRAINT ${sqlName(`${col}_not_null`)} CHECK (${sqlName(col)} IS NOT NULL) NOT VALID\`, in a later migration \`ALTER TABLE ${sqlName(table)} VALIDATE CONSTRAINT ${sqlName(`${col}_not_null`)}\`, then \`ALTER TABLE ${sqlName(table)} ALTER COLUMN ${sqlName(col)} SET NOT NULL\` (PostgreSQL 12+ skips the scan), and drop the check`);
      return;
    }
    case 'AT_DropNotNull':
      if (!a.isNewColumn(table, c.name) && !duck && a.direction === 'up') {
        a.emit('compat-drop-not-null', 'low', s, `"${table}"."${c.name}" may hold NULL from now on: code that assumes it never does breaks on the first NULL written`, 'make sure every reader handles NULL (deploy that first), then drop the constraint');
      }
      a.memory.notNullProven.delete(`${table}.${c.name}`.toLowerCase());
      return;
    case 'AT_SetLogged':
    case 'AT_SetUnLogged':
      if (!isNew && !duck) a.emit('rewrite-table', scaled(size, 'low', 'high', 'critical', null), s, `SET ${c.subtype === 'AT_SetLogged' ? 'LOGGED' : 'UNLOGGED'} rewrites "${table}" under an ACCESS EXCLUSIVE lock (${note})`, 'schedule it in a maintenance window, or copy into a new table and swap');
      return;
    case 'AT_AlterConstraint': {
      // PostgreSQL 18: ENFORCED on an unenforced foreign key validates every row, writes to both tables blocked.
      const ac = c.def?.ATAlterConstraint ?? {};
      if (ac.alterEnforceability && ac.is_enforced && !isNew && !duck) {
        const name = sqlName(ac.conname ?? 'the constraint');
        a.emit('lock-foreign-key-validation', scaled(size, 'low', 'medium', 'high', null), s, `ALTER CONSTRAINT ${ac.conname ?? ''} ENFORCED validates every row of "${table}" while writes to it and its parent are blocked (${note})`.replace('CONSTRAINT  ', 'CONSTRAINT '), `drop the unenforced constraint and add it again \`NOT VALID\` (new rows are checked at once), then in a later migration \`ALTER TABLE ${sqlName(table)} VALIDATE CONSTRAINT ${name}\` (a weaker lock: writes go on)`);
      }
      return;
    }
    case 'AT_SetExpression': {
      // PostgreSQL 17+: a stored generated column is recomputed for every row (a new relfilenode); a
      // virtual one (18+) only changes its definition.
      const col = c.name as string;
      const kind = a.memory.generated.get(`${table}.${col}`.toLowerCase());
      if (kind !== 'v' && !isNew && !duck) {
        a.emit('rewrite-table', scaled(size, 'low', 'high', 'critical', null), s, `SET EXPRESSION recomputes ${kind === 's' ? 'the stored generated column' : 'a stored generated column'} "${col}" for every row: rewrites "${table}" and its indexes under an ACCESS EXCLUSIVE lock${kind === 's' ? '' : ' (a virtual one, PostgreSQL 18+, would not be)'} (${note})`, GENERATED_ADVICE);
      }
      return;
    }
    case 'AT_SetTableSpace':
      if (!isNew && !duck) a.emit('rewrite-set-tablespace', scaled(size, 'low', 'high', 'critical', null), s, `SET TABLESPACE ${c.name ?? ''} copies every block of "${table}" under an ACCESS EXCLUSIVE lock (${note})`.replace('TABLESPACE  ', 'TABLESPACE '), 'move it online with pg_repack --tablespace, or in a maintenance window; new tables can be created in the tablespace directly');
      return;
    case 'AT_DetachPartition': {
      const part = c.def?.PartitionCmd ?? {};
      if (part.concurrent) {
        if (a.inTransaction && !duck) concurrentlyInTx(a, s, 'DETACH PARTITION CONCURRENTLY');
        return;
      }
      if (!isNew && !duck) a.emit('lock-detach-partition', scaled(size, 'low', 'high', 'high', null), s, `DETACH PARTITION ${part.name?.relname ?? ''} takes an ACCESS EXCLUSIVE lock on "${table}": every query on the partitioned table waits (${note})`.replace('PARTITION  ', 'PARTITION '), single ? `use \`${s.text} CONCURRENTLY\` (PostgreSQL 14+) in a migration marked \`-- eventdb:no-transaction\`` : 'use DETACH PARTITION … CONCURRENTLY (PostgreSQL 14+) in a migration marked `-- eventdb:no-transaction`');
      return;
    }
    default:
      if (duck && c.subtype === 'AT_EnableRowSecurity') {
        a.emit('unsupported-statement', 'critical', s, 'DuckDB has no row-level security', 'give DuckDB its own variant file (x.duckdb.sql) without it');
      }
  }
}
