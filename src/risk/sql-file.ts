import { EventdbError } from '../errors.js';
import { parseSqlMigration, type RiskAcceptedLine, type SqlMigrationFile } from '../migrations/sql-file.js';
import { RULES } from './rules.js';
import type { MigrationInput } from './types.js';

const ACCEPT_ARGS = /^\s+([A-Za-z0-9_-]+)\s+"([^"]+)"\s*$/;

/**
 * Reads an eventdb SQL migration with the migrator's own parser (src/migrations/sql-file.ts,
 * lenient): `-- eventdb:up` / `-- eventdb:down` sections and `-- eventdb:no-transaction` as the
 * migrator reads them (a malformed file throws its BAD_MIGRATION error), and
 * `-- eventdb:risk-accepted RULE "reason"` lines. A bare SQL text (no section marker) is all `up`.
 */
export function readSqlMigration(id: string, text: string, file?: string): MigrationInput {
  return migrationInput(id, parseSqlMigration(text, file ?? id, { lenient: true }), file);
}

/** A parsed SQL migration (parseSqlMigration) as the analysis reads it: sections, lines, accepted rules. */
export function migrationInput(id: string, parsed: SqlMigrationFile, file?: string): MigrationInput {
  const accepted = acceptedFromLines(parsed.riskAccepted, file ?? id);
  return {
    id,
    file,
    up: parsed.up,
    upLine: parsed.up ? (parsed.upLine ?? 1) : 1,
    down: parsed.down,
    downLine: parsed.down === undefined ? undefined : parsed.down ? (parsed.downLine ?? 1) : 1,
    transactional: parsed.transaction,
    accepted,
    ...(parsed.dependsOn.length ? { dependsOn: parsed.dependsOn } : {}),
  };
}

/** `-- eventdb:risk-accepted RULE "reason"` lines → `{ RULE: reason }`; a malformed line or unknown rule is refused (exit 2). */
export function acceptedFromLines(lines: readonly RiskAcceptedLine[], file: string): Record<string, string> {
  const accepted: Record<string, string> = {};
  for (const l of lines) {
    const args = ACCEPT_ARGS.exec(l.args);
    const where = `${file}:${l.line}`;
    if (!args) {
      throw new EventdbError('RISK_ACCEPT_INVALID', `${where}: malformed risk-accepted line`, 'write it as: -- eventdb:risk-accepted RULE "why it is acceptable"');
    }
    if (!(args[1]! in RULES)) {
      throw new EventdbError('RISK_ACCEPT_INVALID', `${where}: unknown risk rule "${args[1]}"`, `use one of the rule codes listed by \`eventdb migrate lint --rules\` (README "Risk rules")`);
    }
    accepted[args[1]!] = args[2]!;
  }
  return accepted;
}

/** `meta.riskAccepted` of a TS migration: `{ RULE: 'reason' }` or `[{ rule, reason }]`. */
export function acceptedFromMeta(meta: unknown, where: string): Record<string, string> {
  const raw = (meta as { riskAccepted?: unknown } | undefined)?.riskAccepted;
  if (raw === undefined) return {};
  const pairs: Array<[string, unknown]> = Array.isArray(raw) ? raw.map((x: { rule?: string; reason?: unknown }) => [String(x?.rule), x?.reason]) : Object.entries(raw as Record<string, unknown>);
  const out: Record<string, string> = {};
  for (const [rule, reason] of pairs) {
    if (!(rule in RULES)) throw new EventdbError('RISK_ACCEPT_INVALID', `${where}: unknown risk rule "${rule}" in meta.riskAccepted`, 'use a rule code from README "Risk rules"');
    if (typeof reason !== 'string' || !reason.trim()) throw new EventdbError('RISK_ACCEPT_INVALID', `${where}: meta.riskAccepted.${rule} needs a reason`, "write it as riskAccepted: { 'rule-code': 'why it is acceptable' }");
    out[rule] = reason;
  }
  return out;
}
