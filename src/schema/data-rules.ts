import { sql, type Kysely } from 'kysely';
import type { Engine } from '../config/url.js';
import { messageOf } from '../errors.js';
import { finding, type ValidationFinding } from './findings.js';
import { appliesTo, forEngine, type DataRule, type ExpectedSchema } from './model.js';

export const EXAMPLE_KEYS = 5;

/**
 * The "data" check group: each rule's SQL returns one row per offending key (column `key`). The
 * rule is wrapped so that the database counts the rows and returns only the first few keys.
 */
export async function runDataRules(db: Kysely<any>, expected: ExpectedSchema, engine: Engine, liveTables: Set<string>, brokenTables: Set<string> = new Set()): Promise<ValidationFinding[]> {
  const out: ValidationFinding[] = [];
  for (const rule of expected.rules) {
    if (!appliesTo(rule, engine)) continue;
    out.push(await runRule(db, rule, engine, liveTables, brokenTables));
  }
  return out;
}

async function runRule(db: Kysely<any>, rule: DataRule, engine: Engine, liveTables: Set<string>, brokenTables: Set<string>): Promise<ValidationFinding> {
  const obj = `rule ${rule.name}`;
  const text = forEngine(rule.sql, engine);
  if (!text) return finding('data', 'info', 'data-rule-skipped', obj, `${rule.name}: no SQL for ${engine}; skipped`);
  if (!liveTables.has(rule.table)) return finding('data', 'info', 'data-rule-skipped', obj, `${rule.name}: table ${rule.table} is missing; skipped`);
  const inner = sql.raw(text.trim().replace(/;\s*$/, ''));
  try {
    const count = await sql<{ n: number | bigint | string }>`select count(*) as n from (${inner}) as eventdb_rule`.execute(db);
    const n = Number(count.rows[0]?.n ?? 0);
    if (n === 0) return finding('data', 'ok', 'data-rule', obj, `${rule.name}: ${rule.description}`);
    const ex = await sql<{ key: unknown }>`select eventdb_rule.key from (${inner}) as eventdb_rule limit ${sql.lit(EXAMPLE_KEYS)}`.execute(db);
    const examples = ex.rows.map((r) => String(r.key));
    return {
      ...finding('data', rule.level, 'data-rule', obj, `${rule.name}: ${n} ${rule.kind === 'custom' ? 'offending' : rule.kind} row${n === 1 ? '' : 's'} in ${rule.table} (${rule.description}); e.g. ${examples.join(', ')}`, {
        kind: 'manual',
        description: 'correct the data (the rule SQL lists every offending key)',
        sql: [text.trim()],
      }),
      count: n,
      examples,
    };
  } catch (e) {
    if (brokenTables.size) return finding('data', 'info', 'data-rule-skipped', obj, `${rule.name}: could not run while the schema has errors (${messageOf(e)}); skipped`);
    return finding('data', 'error', 'data-rule-failed', obj, `${rule.name}: the rule's SQL failed: ${messageOf(e)}`, { kind: 'manual', description: 'fix the rule in schema/', sql: [text.trim()] });
  }
}
