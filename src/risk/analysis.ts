import type { Engine } from '../config/url.js';
import { sqlName } from './ident.js';
import type { HistoryWords } from './history-words.js';
import { describeSize, tableSize, type TableSize } from './levels.js';
import { RULES, type RuleCode } from './rules.js';
import type { Direction, Finding, Level, RiskContext, Volatility } from './types.js';

/**
 * A partial index's predicate as each grammar's reader sees it (postgres-rules.ts, sqlite-rules.ts, and
 * the live index's text here): the columns of its `col IS NOT NULL` conjuncts, or null when it says
 * anything else. SchemaMemory.addIndex alone decides what that means for lookups.
 */
export type PartialPredicate = string[] | null;

/** A live partial index's predicate text (pg_get_expr, SQLite's CREATE INDEX … WHERE): see PartialPredicate. */
function notNullColumnsOfText(where: string): PartialPredicate {
  const cols: string[] = [];
  for (const part of where.split(/\s+AND\s+/i)) {
    const m = /^\(*\s*"?([^"\s()]+)"?\s+IS\s+NOT\s+NULL\s*\)*$/i.exec(part.trim());
    if (!m) return null;
    cols.push(m[1]!);
  }
  return cols;
}

/** The first "column" of a partial index's entry in SchemaMemory.indexes: no lookup can start with it. */
const PARTIAL = '(partial)';

/** The advice for a BEGIN or COMMIT that eventdb leaves out of a transactional migration. */
const TXN_CONTROL_ADVICE = 'nothing to do; remove BEGIN/COMMIT to keep the file as it runs, or mark the migration `-- eventdb:no-transaction` to manage transactions yourself';

/** What earlier migrations of the same run taught about the schema (lint reads files in order). */
export class SchemaMemory {
  /** table → column → normalised type. */
  readonly columns = new Map<string, Map<string, string>>();
  /** table → index column lists (leading columns first). */
  readonly indexes = new Map<string, string[][]>();
  /** table → the column lists of its unique, non-partial indexes (PRIMARY KEY, UNIQUE, CREATE UNIQUE INDEX). */
  readonly uniqueKeys = new Map<string, string[][]>();
  /** table → columns of its PRIMARY KEY and UNIQUE constraints (not CREATE UNIQUE INDEX), lower case: DuckDB will not change their type or drop them. */
  readonly constraintKeyColumns = new Map<string, Set<string>>();
  /** Index name → table (lower case), for indexes of their own (CREATE INDEX, not a PRIMARY KEY or UNIQUE constraint). */
  readonly createdIndexes = new Map<string, string>();
  /** Index name → its key columns (lower case; `(expr)` for an expression), for ADD CONSTRAINT … USING INDEX. */
  readonly indexColumns = new Map<string, string[]>();
  /** CHECK (col IS NOT NULL) constraints by name (lower case). */
  readonly checks = new Map<string, { table: string; col: string }>();
  /** `table.col` proven NOT NULL by a validated check: SET NOT NULL needs no scan. */
  readonly notNullProven = new Set<string>();
  /** `table.col` (lower case) of generated columns made by earlier statements → 's' stored, 'v' virtual (PostgreSQL 18+). */
  readonly generated = new Map<string, 's' | 'v'>();
  /** Functions created by earlier statements (lower-case name → declared volatility). */
  readonly functions = new Map<string, Volatility>();
  /**
   * Relations (tables, materialized views, …) created by earlier migrations of the plan being run
   * (lower case): nothing deployed uses them yet and they start empty. Kept only where the migrations
   * read together run together (the `migrate up`/`rollback` gate); lint reads a history whose earlier
   * files are deployed, and leaves it undefined.
   */
  planCreated: Set<string> | undefined;
  /**
   * Tables renamed by earlier statements: current name → the name the live statistics know them by (lower
   * case). `ALTER TABLE ciphers RENAME TO oldCiphers` keeps the rows: "oldCiphers" is as big as "ciphers" was.
   */
  readonly liveNames = new Map<string, string>();
  /**
   * The words of the statements read before, when a lint run reads a whole history (HistoryWords): a
   * table or index none of them names does not exist on a database the history built. Undefined
   * elsewhere (files given one by one, the gate, which reads the live database instead).
   */
  history: HistoryWords | undefined;

  /** The name under which the live statistics (table sizes) know `table`. */
  liveName(table: string): string {
    const k = table.toLowerCase();
    return this.liveNames.get(k) ?? k;
  }

  static fromContext(ctx: RiskContext): SchemaMemory {
    const m = new SchemaMemory();
    if (ctx.live) {
      for (const t of ctx.live.tables) {
        const cols = new Map<string, string>();
        for (const c of t.columns) {
          cols.set(c.name.toLowerCase(), normaliseType(c.type));
          if (!c.nullable) m.notNullProven.add(`${t.name}.${c.name}`.toLowerCase());
        }
        m.columns.set(t.name.toLowerCase(), cols);
        if (t.primaryKey.length) m.addIndex(t.name, t.primaryKey, undefined, undefined, true);
      }
      for (const i of ctx.live.indexes) m.addIndex(i.table, i.columns, i.primary || i.constraint ? undefined : i.name, i.where ? notNullColumnsOfText(i.where) : undefined, i.unique);
    }
    return m;
  }

  /**
   * `created`: the index's name when CREATE INDEX made it (else a PRIMARY KEY or UNIQUE constraint's).
   * `where` (CREATE INDEX … WHERE, see PartialPredicate): in general the engine cannot use a partial index
   * for a foreign key's lookups (the lookup's parameter does not imply the predicate), so it covers no
   * columns — it is kept with a leading PARTIAL. Unless the predicate only says key columns are not NULL:
   * a lookup `col = ?` implies that (= is strict), so the index serves it as a full one would.
   * `unique`: a PRIMARY KEY, UNIQUE constraint or CREATE UNIQUE INDEX.
   */
  addIndex(table: string, cols: string[], created?: string, where?: PartialPredicate, unique = false): void {
    const keys = cols.map((c) => c.toLowerCase());
    const partial = where !== undefined && !(where !== null && where.every((c) => keys.includes(c.toLowerCase())));
    const k = table.toLowerCase();
    if (created) this.createdIndexes.set(created.toLowerCase(), k);
    if (created) this.indexColumns.set(created.toLowerCase(), keys);
    const list = this.indexes.get(k) ?? [];
    list.push([...(partial ? [PARTIAL] : []), ...keys]);
    this.indexes.set(k, list);
    if (unique && !partial && keys.length) this.uniqueKeys.set(k, [...(this.uniqueKeys.get(k) ?? []), keys]);
    if (unique && !created && where === undefined) this.constraintKeyColumns.set(k, new Set([...(this.constraintKeyColumns.get(k) ?? []), ...keys]));
  }

  /**
   * A column of a PRIMARY KEY or UNIQUE constraint that comes after `col` in `table` (DuckDB refuses to drop
   * `col` then: "an index depends on a column after it"), when the table's columns are known.
   */
  constraintKeyAfter(table: string, col: string): string | undefined {
    const k = table.toLowerCase();
    const order = [...(this.columns.get(k)?.keys() ?? [])];
    const at = order.indexOf(col.toLowerCase());
    if (at < 0) return undefined;
    return order.slice(at + 1).find((c) => this.constraintKeyColumns.get(k)?.has(c));
  }

  /** Whether `col` is a column of a PRIMARY KEY or UNIQUE constraint of `table`. */
  isConstraintKey(table: string, col: string): boolean {
    return this.constraintKeyColumns.get(table.toLowerCase())?.has(col.toLowerCase()) ?? false;
  }

  /**
   * Whether DuckDB refuses to ALTER the table ("Cannot alter entry … entries that depend on it"): it has
   * an index made by CREATE INDEX. A PRIMARY KEY or UNIQUE constraint does not block it (DuckDB 1.5).
   */
  blocksDuckAlter(table: string): boolean {
    const k = table.toLowerCase();
    return [...this.createdIndexes.values()].includes(k);
  }

  /** DROP INDEX: it no longer blocks an ALTER of its table. */
  dropIndex(name: string): void {
    this.createdIndexes.delete(name.toLowerCase());
    this.indexColumns.delete(name.toLowerCase());
  }

  /**
   * An index whose leading columns are exactly `cols` (in any order), or a unique one whose every column
   * is one of `cols`: a lookup by all of `cols` finds its (at most one) row through it — PostgreSQL's
   * foreign key check and SQLite's child lookup use it (test/risk/fk-unique-subset-index.test.ts).
   */
  covers(table: string, cols: string[]): boolean {
    const want = new Set(cols.map((c) => c.toLowerCase()));
    const k = table.toLowerCase();
    return (this.indexes.get(k) ?? []).some((idx) => idx.length >= want.size && idx.slice(0, want.size).every((c) => want.has(c)))
      || (this.uniqueKeys.get(k) ?? []).some((key) => key.every((c) => want.has(c)));
  }

  setColumn(table: string, col: string, type: string | undefined): void {
    const k = table.toLowerCase();
    const cols = this.columns.get(k) ?? new Map<string, string>();
    if (type) cols.set(col.toLowerCase(), type);
    else {
      cols.delete(col.toLowerCase());
      this.notNullProven.delete(`${k}.${col.toLowerCase()}`);
      this.generated.delete(`${k}.${col.toLowerCase()}`);
    }
    this.columns.set(k, cols);
  }

  columnType(table: string, col: string): string | undefined {
    return this.columns.get(table.toLowerCase())?.get(col.toLowerCase());
  }

  renameTable(from: string, to: string): void {
    const f = from.toLowerCase();
    const t = to.toLowerCase();
    if (this.planCreated?.delete(f)) this.planCreated.add(t);
    this.liveNames.set(t, this.liveName(f));
    this.liveNames.delete(f);
    for (const k of [...this.notNullProven]) {
      if (k.startsWith(`${f}.`)) {
        this.notNullProven.delete(k);
        this.notNullProven.add(t + k.slice(f.length));
      }
    }
    for (const [k, kind] of [...this.generated]) {
      if (k.startsWith(`${f}.`)) {
        this.generated.delete(k);
        this.generated.set(t + k.slice(f.length), kind);
      }
    }
    const cols = this.columns.get(f);
    if (cols) {
      this.columns.set(t, cols);
      this.columns.delete(f);
    }
    const idx = this.indexes.get(f);
    if (idx) {
      this.indexes.set(t, idx);
      this.indexes.delete(f);
    }
    const keys = this.uniqueKeys.get(f);
    if (keys) {
      this.uniqueKeys.set(t, keys);
      this.uniqueKeys.delete(f);
    }
    const keyCols = this.constraintKeyColumns.get(f);
    if (keyCols) {
      this.constraintKeyColumns.set(t, keyCols);
      this.constraintKeyColumns.delete(f);
    }
    for (const [name, table] of this.createdIndexes) if (table === f) this.createdIndexes.set(name, t);
  }

  /** Renames a column's type and NOT NULL knowledge with it; it keeps its place among the table's columns. */
  renameColumn(table: string, from: string, to: string): void {
    const nn = this.notNullProven.delete(`${table}.${from}`.toLowerCase());
    const gen = this.generated.get(`${table}.${from}`.toLowerCase());
    const k = table.toLowerCase();
    const cols = this.columns.get(k);
    this.columns.set(k, new Map([...(cols ?? [])].map(([c, type]) => [c === from.toLowerCase() ? to.toLowerCase() : c, type])));
    const keyCols = this.constraintKeyColumns.get(k);
    if (keyCols?.delete(from.toLowerCase())) keyCols.add(to.toLowerCase());
    if (nn) this.notNullProven.add(`${table}.${to}`.toLowerCase());
    if (gen) this.generated.set(`${table}.${to}`.toLowerCase(), gen);
  }

  dropTable(name: string): void {
    this.planCreated?.delete(name.toLowerCase());
    this.liveNames.delete(name.toLowerCase());
    const p = `${name.toLowerCase()}.`;
    for (const k of [...this.notNullProven]) if (k.startsWith(p)) this.notNullProven.delete(k);
    for (const k of [...this.generated.keys()]) if (k.startsWith(p)) this.generated.delete(k);
    this.columns.delete(name.toLowerCase());
    this.indexes.delete(name.toLowerCase());
    this.uniqueKeys.delete(name.toLowerCase());
    this.constraintKeyColumns.delete(name.toLowerCase());
    for (const [i, table] of this.createdIndexes) if (table === name.toLowerCase()) this.createdIndexes.delete(i);
  }
}

export interface Stmt {
  text: string;
  line: number;
}

interface PendingFk {
  table: string;
  cols: string[];
  stmt: Stmt;
}

interface Dml {
  table: string;
  stmt: Stmt;
}

/** The running state of one migration direction's analysis, shared by the engine rule sets. */
export class Analysis {
  readonly findings: Finding[] = [];
  /** Tables created by this migration (lower case). */
  readonly created = new Set<string>();
  /** Tables/columns the `up` of the same migration created (for `down` analysis). */
  readonly createdByUp: Set<string>;
  /** `table.column` added by this migration (lower case). */
  readonly added = new Set<string>();
  readonly fks: PendingFk[] = [];
  /** Explicit BEGIN … COMMIT block open. */
  inBlock = false;
  /** Current transaction unit: DDL seen, DML seen. */
  unitDdl = false;
  unitDml: Dml[] = [];
  /** Constraints added NOT VALID in the current transaction unit (lower-case name → kind and table). */
  unitNotValid = new Map<string, { kind: 'check' | 'fk' | 'notnull'; table: string }>();
  statements = 0;
  /**
   * PostgreSQL: the session's TimeZone is known to have a fixed UTC offset of zero — the session's own when
   * the gate read it (`ctx.serverUtc`), or set by this migration (`SET [LOCAL] timezone = 'UTC'`; eventdb
   * resets session state after each migration). Then timestamp ⇄ timestamptz changes a column's type
   * without a rewrite (PostgreSQL ≥ 12). Unknown (no database) → false.
   */
  utcSession: boolean;
  /** utcSession came from SET LOCAL: it ends with the transaction. */
  utcLocal = false;

  constructor(
    readonly ctx: RiskContext,
    readonly memory: SchemaMemory,
    readonly migration: string,
    readonly file: string | undefined,
    readonly direction: Direction,
    /** The migration runs in one transaction (eventdb's default). */
    readonly transactional: boolean,
    createdByUp: Set<string> = new Set(),
  ) {
    this.createdByUp = createdByUp;
    this.utcSession = ctx.serverUtc === true;
  }

  get engine(): Engine {
    return this.ctx.engine;
  }

  /** In a transaction right now (explicit block, or the migration's own). */
  get inTransaction(): boolean {
    return this.inBlock || this.transactional;
  }

  /** Created by this migration, or by an earlier migration of the plan being run (SchemaMemory.planCreated). */
  isNew(table: string): boolean {
    const t = table.toLowerCase();
    return this.created.has(t) || (this.memory.planCreated?.has(t) ?? false);
  }

  /** Created by this very migration (not by an earlier step of the plan): DuckDB's index rules differ. */
  createdHere(table: string): boolean {
    return this.created.has(table.toLowerCase());
  }

  /** compat-rename-table findings of this migration, by the old name (lower case) they warn about. */
  private readonly renamedAway = new Map<string, Finding>();

  /**
   * A relation is created (CREATE TABLE / MATERIALIZED VIEW / VIEW / TABLE AS, SELECT INTO …): it is
   * new and empty. A name this migration renamed away exists again: readers of it still find it (the
   * rebuild pattern: rename aside, create under the old name, copy, drop), so the rename breaks no one.
   */
  createRelation(name: string): void {
    this.created.add(name.toLowerCase());
    this.nameAppears(name);
  }

  /** A relation gets `name` (created, or renamed to it): a compat-rename-table on that name is void. */
  nameAppears(name: string): void {
    const f = this.renamedAway.get(name.toLowerCase());
    if (!f) return;
    this.renamedAway.delete(name.toLowerCase());
    const i = this.findings.indexOf(f);
    if (i >= 0) this.findings.splice(i, 1);
  }

  /** A relation is renamed: the new-relation knowledge follows it; a rename of a deployed one is a compat break (until the name reappears). */
  renameRelation(s: Stmt, from: string, to: string, warn: boolean): void {
    const f = from.toLowerCase();
    const fresh = this.isNew(from);
    if (!fresh && warn) {
      const finding = this.emit('compat-rename-table', 'high', s, `renaming "${from}" to "${to}" breaks the running application, which still uses "${from}"`, `expand and contract: create "${to}" (or a view named "${from}"), deploy code that uses the new name, then drop the old one in a later migration`);
      if (finding) this.renamedAway.set(f, finding);
    }
    this.memory.renameTable(from, to);
    if (this.created.delete(f) || fresh) this.created.add(to.toLowerCase());
    this.nameAppears(to);
  }

  /** A statement was analysed: its words join the history's (SchemaMemory.history). */
  seen(s: Stmt): void {
    this.memory.history?.add(s.text);
  }

  /**
   * `DROP … IF EXISTS name` is a no-op: no database is read, the run reads the whole history, and no
   * statement before this one names it (not this migration's CREATE, nor any earlier migration's).
   */
  absentFromHistory(name: string): boolean {
    return !this.ctx.tableSizes && !this.ctx.live && !this.isNew(name) && this.memory.history?.mayHold(name) === false;
  }

  /** A relation is dropped. */
  dropRelation(name: string): void {
    this.created.delete(name.toLowerCase());
    this.memory.dropTable(name);
  }

  /** The column was added (or its table created) by this migration: nothing deployed uses it yet. */
  isNewColumn(table: string, col: string): boolean {
    return this.isNew(table) || this.added.has(`${table}.${col}`.toLowerCase());
  }

  size(table: string): TableSize {
    return tableSize(this.ctx, this.memory.liveName(table), this.isNew(table));
  }

  sizeNote(table: string): string {
    const size = this.size(table);
    if (size.source === 'new' && !this.created.has(table.toLowerCase())) return `"${table}" is created earlier in this plan`;
    return describeSize(table, size);
  }

  emit(rule: RuleCode, level: Level | null, stmt: Stmt, message: string, advice: string): Finding | undefined {
    if (!level) return undefined;
    // Data lost on the way down is its own rule, whatever statement loses it.
    if (this.direction === 'down' && rule.startsWith('loss-') && rule !== 'loss-narrowing-type') rule = 'down-loses-data';
    const f: Finding = { rule, level, migration: this.migration, statement: stmt.text, line: stmt.line, message, advice, direction: this.direction, ...(this.file ? { file: this.file } : {}) };
    this.findings.push(f);
    return f;
  }

  /** Expected schema: whether it still declares this table (and column). */
  expects(table: string, column?: string): boolean {
    const t = this.ctx.expected?.tables.find((x) => x.name.toLowerCase() === table.toLowerCase() && (!x.engines || x.engines.includes(this.engine)));
    if (!t) return false;
    return column === undefined || t.columns.some((c) => c.name.toLowerCase() === column.toLowerCase());
  }

  /** The BEGIN of the explicit block still open. */
  private openedBy: Stmt | undefined;

  /** BEGIN / START TRANSACTION. */
  begin(s: Stmt): void {
    if (this.transactional) {
      // eventdb does not send it (src/migrations/transaction-control.ts): informational.
      this.emit('txn-control-in-migration', 'low', s, `${s.text.split(/\s/)[0]!.toUpperCase()} inside a migration eventdb runs in a transaction: eventdb does not send it, nor the COMMIT, so the whole migration and its history row commit together`, TXN_CONTROL_ADVICE);
    } else if (this.inBlock) {
      this.emit('txn-control-in-migration', 'high', s, 'BEGIN while a transaction is already open: it is ignored (PostgreSQL) or fails (SQLite, DuckDB), and the first COMMIT ends both', 'COMMIT the open transaction first, or drop the nested BEGIN');
    }
    if (this.transactional) return; // one transaction, one unit, whatever the file says
    this.closeUnit();
    this.inBlock = true;
    this.openedBy = s;
  }

  /** COMMIT / ROLLBACK / END. */
  commit(s: Stmt, what: 'COMMIT' | 'ROLLBACK'): void {
    if (this.transactional) {
      if (what === 'COMMIT') this.emit('txn-control-in-migration', 'low', s, 'COMMIT inside a migration eventdb runs in a transaction: eventdb does not send it, nor the BEGIN, so the whole migration and its history row commit together', TXN_CONTROL_ADVICE);
      else this.emit('txn-control-in-migration', 'high', s, 'ROLLBACK inside the transaction eventdb runs this migration in would undo the migration while eventdb records it as applied: eventdb refuses to run it', 'remove the ROLLBACK (eventdb rolls the whole migration back when a statement fails), or mark the migration `-- eventdb:no-transaction` to manage transactions yourself');
    } else if (!this.inBlock) {
      this.emit('txn-control-in-migration', 'low', s, `${what} with no transaction open: the engine warns or refuses`, `remove the ${what}, or add the BEGIN it closes`);
    }
    if (this.transactional) return;
    this.closeUnit();
    this.inBlock = false;
    this.openedBy = undefined;
    // SET LOCAL ends with the transaction; a ROLLBACK undoes a SET made in it too (kept simple: unknown).
    if (this.utcLocal || what === 'ROLLBACK') {
      this.utcSession = this.ctx.serverUtc === true;
      this.utcLocal = false;
    }
  }

  /** Outside any transaction each statement commits alone: nothing to hold together. */
  ddl(): void {
    if (this.inTransaction) this.unitDdl = true;
  }

  dml(table: string, stmt: Stmt): void {
    if (this.inTransaction) this.unitDml.push({ table, stmt });
  }

  /** Closes a transaction unit: DDL held while large DML runs. */
  closeUnit(): void {
    if (this.unitDdl) {
      for (const d of this.unitDml) {
        const size = this.size(d.table);
        const level = size.cls === 'large' ? 'high' : size.cls === 'medium' ? 'medium' : null;
        this.emit('txn-ddl-with-large-dml', level, d.stmt, `data change on "${d.table}" runs in the same transaction as DDL: the DDL locks are held until it ends (${this.sizeNote(d.table)})`, 'move the data change (backfill) to its own migration marked `-- eventdb:no-transaction`, in batches, after the DDL is committed');
      }
    }
    this.unitDdl = false;
    this.unitDml = [];
    this.unitNotValid.clear();
  }

  /** End of the text: close units, check foreign keys for a covering index. */
  finish(): void {
    if (this.inBlock && !this.transactional && this.openedBy) {
      this.emit('txn-control-in-migration', 'high', this.openedBy, 'this transaction is never committed: its changes are rolled back when the connection closes, or it stays open holding its locks', 'end the block with COMMIT in the same migration');
    }
    this.closeUnit();
    // What this migration created is, for the later migrations of the same plan, created earlier in it.
    if (this.memory.planCreated) for (const t of this.created) this.memory.planCreated.add(t);
    // DuckDB indexes a foreign key's columns itself (an ART index made with the constraint): the rule's
    // engines say where a key can lack one (test/risk/duckdb-fk-index.test.ts).
    const fksNeedIndexes = (RULES['fk-without-index'].engines as readonly string[]).includes(this.engine);
    for (const fk of fksNeedIndexes ? this.fks : []) {
      if (this.memory.covers(fk.table, fk.cols)) continue;
      const size = this.size(fk.table);
      // A table created here will grow: judge it as the table it becomes, not the empty one it is.
      const level: Level = size.source !== 'live' ? (this.ctx.assumeSmall ? 'low' : 'medium') : size.cls === 'medium' || size.cls === 'large' ? 'medium' : 'low';
      const idx = `${fk.table}_${fk.cols.join('_')}_idx`;
      const create = (conc: string) => `CREATE INDEX${conc} ${sqlName(idx)} ON ${sqlName(fk.table)} (${fk.cols.map(sqlName).join(', ')})`;
      // A table this plan creates is seen by no one else until it commits: a plain CREATE INDEX beside it
      // blocks nothing (CONCURRENTLY cannot even run in its transaction). Else the engine's online build.
      const advice = this.isNew(fk.table)
        ? `add \`${create('')}\` in this migration: the table is new, so building its index blocks no one`
        : this.engine === 'postgres'
          ? `add \`${create(' CONCURRENTLY')}\` in a migration marked \`-- eventdb:no-transaction\``
          : `add \`${create('')}\``;
      this.emit('fk-without-index', level, fk.stmt, `foreign key "${fk.table}"(${fk.cols.join(', ')}) has no index starting with its columns: deleting a parent row scans "${fk.table}"`, advice);
    }
  }
}

const TYPE_ALIAS = new Map<string, string>(Object.entries({
  integer: 'int4', int: 'int4', int4: 'int4', serial: 'int4', serial4: 'int4',
  bigint: 'int8', int8: 'int8', bigserial: 'int8', serial8: 'int8', hugeint: 'int16',
  smallint: 'int2', int2: 'int2', smallserial: 'int2', tinyint: 'int1',
  real: 'float4', float4: 'float4', float: 'float8', 'double precision': 'float8', double: 'float8', float8: 'float8',
  'character varying': 'varchar', varchar: 'varchar', character: 'bpchar', char: 'bpchar', bpchar: 'bpchar', text: 'text', string: 'text',
  decimal: 'numeric', numeric: 'numeric', boolean: 'bool', bool: 'bool',
  'timestamp with time zone': 'timestamptz', timestamptz: 'timestamptz', 'timestamp without time zone': 'timestamp', timestamp: 'timestamp', date: 'date',
}));

/** Normalised type names so that live introspection and parsed DDL compare (int4, int8, varchar(20), numeric(10,2) …). */
export function normaliseType(t: string): string {
  let s = t.trim().toLowerCase().replace(/\s+/g, ' ');
  s = s.replace(/^pg_catalog\./, '');
  const m = /^([a-z_ ]+?)\s*(\(([^)]*)\))?$/.exec(s);
  if (!m) return s;
  const base = TYPE_ALIAS.get(m[1]!) ?? m[1]!;
  if (base === 'varchar' && !m[3]) return 'text';
  return m[3] ? `${base}(${m[3].replace(/\s/g, '')})` : base;
}

const INT_WIDTH: Record<string, number> = { int1: 1, int2: 2, int4: 4, int8: 8, int16: 16 };

function parts(t: string): { base: string; args: number[] } {
  const m = /^([a-z0-9_ ]+)(?:\(([^)]*)\))?$/.exec(t);
  return { base: m?.[1] ?? t, args: m?.[2] ? m[2].split(',').map(Number) : [] };
}

/** Whether changing `from` to `to` can lose or reject values. Undefined when unknown. */
export function isNarrowing(from: string, to: string): boolean {
  const a = parts(from);
  const b = parts(to);
  const textual = (x: string) => x === 'text' || x === 'varchar' || x === 'bpchar';
  if (textual(a.base) && textual(b.base)) {
    const la = a.args[0] ?? Infinity;
    const lb = b.args[0] ?? Infinity;
    return lb < la;
  }
  if (textual(a.base)) return true; // text → number/date/…: values that do not convert fail
  if (a.base in INT_WIDTH && b.base in INT_WIDTH) return INT_WIDTH[b.base]! < INT_WIDTH[a.base]!;
  if ((a.base === 'numeric' || a.base.startsWith('float')) && b.base in INT_WIDTH) return true;
  if (a.base === 'numeric' && b.base === 'numeric') {
    if (!b.args.length) return false; // unconstrained numeric holds any value
    const [pa = Infinity, sa = 0] = a.args;
    const [pb = Infinity, sb = 0] = b.args;
    return pb - sb < pa - sa || sb < sa;
  }
  if (a.base === 'float8' && b.base === 'float4') return true;
  if ((a.base === 'timestamptz' || a.base === 'timestamp') && b.base === 'date') return true;
  return false;
}

/**
 * Whether PostgreSQL changes the type without rewriting (varchar widening, varchar → text; timestamp ⇄
 * timestamptz when the session's time zone is UTC, at the same or a wider precision).
 */
export function isBinaryCoercibleWidening(from: string, to: string, utcSession = false): boolean {
  const a = parts(from);
  const b = parts(to);
  const stamp = (x: string) => x === 'timestamp' || x === 'timestamptz';
  if (utcSession && stamp(a.base) && stamp(b.base) && a.base !== b.base) return (b.args[0] ?? 6) >= (a.args[0] ?? 6);
  const vary = (x: string) => x === 'text' || x === 'varchar';
  if (vary(a.base) && vary(b.base)) return (b.args[0] ?? Infinity) >= (a.args[0] ?? Infinity);
  // numeric(p,s) → numeric(p',s) with p' ≥ p, or → unconstrained numeric: no rewrite (PostgreSQL ≥ 9.2).
  if (a.base === 'numeric' && b.base === 'numeric') return b.args.length === 0 || ((b.args[1] ?? 0) === (a.args[1] ?? 0) && (b.args[0] ?? Infinity) >= (a.args[0] ?? Infinity));
  return false;
}
