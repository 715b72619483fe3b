import { sql, type Kysely } from 'kysely';
import type { Engine } from '../../config/url.js';
import { ddlFor } from '../../dialects/ddl.js';
import { quoteIdent } from '../../dialects/quote.js';
import { SMALL_ROWS } from '../../risk/levels.js';
import type { DiffItem, FixAction } from '../findings.js';
import { addCheckPgSql, addColumnSql, addForeignKeyPgSql, addNullableColumnSql, createIndexSql, createTableSql, dropConstraintSql, insertRowsSql, setNotNullSql, validateConstraintSql } from './sql.js';

/**
 * Above this many rows a PostgreSQL index build without CONCURRENTLY blocks writes for more than
 * a moment: the risk rules' own bound between a small and a medium table (`lock-index-build`).
 */
export const LARGE_TABLE_ROWS = SMALL_ROWS;

export type FixStatus = 'planned' | 'refused' | 'needs-migration' | 'applied' | 'failed';

export interface PlannedFix {
  /** The finding's kind: missing-table, missing-column, … */
  kind: string;
  object: string;
  description: string;
  status: FixStatus;
  /** The SQL that runs (planned/applied/failed), or the SQL a person should review (needs-migration). */
  sql: string[];
  /** Refused: why, the risk rule, and the safe alternative. */
  reason?: string;
  rule?: string;
  alternative?: string[];
  error?: string;
  durationMs?: number;
}

/** What apply executes for a planned fix: transactions in order (PostgreSQL FKs: NOT VALID, then VALIDATE). */
export interface FixStep {
  fix: PlannedFix;
  transactions: string[][];
  /** Runs when the second transaction fails (PostgreSQL FK: drop the NOT VALID constraint it added). */
  undo?: string[];
}

export interface FixPlan {
  steps: FixStep[];
  fixes: PlannedFix[];
}

// enum types (issue 17) before the tables and columns that use them; checks after the foreign keys
const ORDER: Record<FixAction['type'], number> = { 'create-history-table': 0, 'create-enum': 0.5, 'add-enum-values': 0.6, 'create-table': 1, 'add-column': 2, 'insert-reference-rows': 3, 'create-index': 4, 'add-foreign-key': 5, 'validate-foreign-key': 6, 'add-check': 7, 'validate-check': 8 };

/** Bounded row count: how many rows, up to limit + 1 (cheap on a big table). */
export async function rowsUpTo(db: Kysely<any>, table: string, limit: number): Promise<number> {
  const r = await sql<{ n: number | bigint | string }>`select count(*) as n from (select 1 as x from ${sql.id(table)} limit ${sql.lit(limit + 1)}) as q`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

/**
 * Turns findings into a plan: safe fixes (with the SQL they run), fixes refused as risky on live
 * data (with the safe alternative), and findings that need a migration (with reviewable SQL).
 */
export async function planFixes(db: Kysely<any>, engine: Engine, items: DiffItem[], opts: { largeTableRows?: number } = {}): Promise<FixPlan> {
  const large = opts.largeTableRows ?? LARGE_TABLE_ROWS;
  const { facts } = ddlFor(engine);
  const steps: FixStep[] = [];
  const fixes: PlannedFix[] = [];
  const sizes = new Map<string, number>();
  const size = async (t: string) => {
    if (!sizes.has(t)) sizes.set(t, await rowsUpTo(db, t, large));
    return sizes.get(t)!;
  };
  const actionable = items.filter((i) => i.action).sort((a, b) => ORDER[a.action!.type] - ORDER[b.action!.type]);
  for (const { finding: f, action } of actionable) {
    const a = action!;
    const fix: PlannedFix = { kind: f.kind, object: f.object, description: f.fix?.description ?? f.message, status: 'planned', sql: [] };
    let step: FixStep | undefined;
    switch (a.type) {
      case 'create-history-table':
        fix.sql = ['-- the migrations module creates eventdb_migrations and eventdb_migration_log (ensureHistory)'];
        step = { fix, transactions: [] };
        break;
      case 'create-table':
        fix.sql = [...(a.sequences ?? []), ...createTableSql(db, a.table, engine, a.enumTypes)]; // the sequences in the same transaction
        step = { fix, transactions: [fix.sql] };
        break;
      case 'insert-reference-rows':
        fix.sql = insertRowsSql(db, a.table, a.rows);
        step = { fix, transactions: [fix.sql] };
        break;
      case 'add-column': {
        fix.sql = [...(a.sequences ?? []), ...addColumnSql(db, a.table, a.column, engine, a.enumTypes)];
        const notNullNoDefault = !a.column.nullable && a.column.default === undefined;
        const rows = notNullNoDefault ? await size(a.table) : 0;
        if (notNullNoDefault && (rows > 0 || !facts.addNotNullWithoutDefault)) {
          fix.status = 'refused';
          fix.rule = 'add-not-null-without-default';
          fix.reason = !facts.addNotNullWithoutDefault && rows === 0 ? `${facts.label} cannot add a NOT NULL column without a default` : `${a.table} has rows: a NOT NULL column without a default cannot be added to them`;
          fix.alternative = [
            ...(a.sequences ?? []),
            addNullableColumnSql(db, a.table, a.column, engine, a.enumTypes),
            `-- backfill: update ${quoteIdent(a.table)} set ${quoteIdent(a.column.name)} = <value> where ${quoteIdent(a.column.name)} is null`,
            ...(!facts.setNotNullInPlace ? ['-- then rebuild the table with the column NOT NULL in a migration'] : [setNotNullSql(db, a.table, a.column.name, true)]),
          ];
        } else step = { fix, transactions: [fix.sql] };
        break;
      }
      case 'create-index': {
        fix.sql = [createIndexSql(db, a.table, a.index, engine)];
        const rows = facts.concurrentIndex ? await size(a.table) : 0;
        if (rows > large) {
          fix.status = 'refused';
          fix.rule = 'lock-index-build';
          fix.reason = `${a.table} has more than ${large.toLocaleString('en-US')} rows: CREATE INDEX would block writes while it builds`;
          fix.alternative = [`${createIndexSql(db, a.table, a.index, engine, { concurrently: true })}  -- outside a transaction (a -- eventdb:no-transaction migration)`];
        } else step = { fix, transactions: [fix.sql] };
        break;
      }
      case 'add-foreign-key': {
        const s = addForeignKeyPgSql(db, a.table, a.fk, engine);
        // A key declared notValid is left NOT VALID: existing rows are not checked (a VALIDATE could fail on them).
        fix.sql = a.fk.notValid ? [s.add] : [s.add, s.validate];
        step = { fix, transactions: a.fk.notValid ? [[s.add]] : [[s.add], [s.validate]], undo: [dropConstraintSql(db, a.table, s.name)] };
        break;
      }
      case 'create-enum':
      case 'add-enum-values':
        // PostgreSQL: a value added in a transaction cannot be used in it; nothing in this fix uses it
        fix.sql = a.sql;
        step = { fix, transactions: [a.sql] };
        break;
      case 'add-check': {
        // NOT VALID (a short lock), then VALIDATE (existing rows, writes go on); a row that fails drops it again
        const s = addCheckPgSql(a.table, { name: a.check.name, expression: a.check.expression }, engine);
        fix.sql = [s.add, s.validate];
        step = { fix, transactions: [[s.add], [s.validate]], undo: [s.drop] };
        break;
      }
      case 'validate-foreign-key':
      case 'validate-check':
        // one statement: rows that fail make it fail, and the constraint stays NOT VALID
        fix.sql = [validateConstraintSql(db, a.table, a.name)];
        step = { fix, transactions: [fix.sql] };
        break;
    }
    fixes.push(fix);
    if (step) steps.push(step);
  }
  for (const { finding: f, action } of items) {
    if (action || f.fix?.kind !== 'migration') continue;
    fixes.push({ kind: f.kind, object: f.object, description: `${f.message} — ${f.fix.description}`, status: 'needs-migration', sql: f.fix.sql });
  }
  return { steps, fixes };
}
