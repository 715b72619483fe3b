import { EventdbError, EXIT } from '../errors.js';
import { RULES } from './rules.js';
import type { MigrationInput } from './types.js';

const ACCEPT = /^\s*--\s*eventdb:risk-accepted\b(.*)$/;
const ACCEPT_ARGS = /^\s+([A-Za-z0-9_-]+)\s+"([^"]+)"\s*$/;

/**
 * Reads an eventdb SQL migration: `-- eventdb:up` / `-- eventdb:down` sections (a file with neither
 * is all `up`), `-- eventdb:no-transaction`, and `-- eventdb:risk-accepted RULE "reason"` lines.
 */
export function readSqlMigration(id: string, text: string, file?: string): MigrationInput {
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  const lines = src.split('\n');
  const accepted: Record<string, string> = {};
  let transactional = true;
  let upStart = -1;
  let downStart = -1;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^\s*--\s*eventdb:up\s*$/.test(l)) upStart = i;
    else if (/^\s*--\s*eventdb:down\s*$/.test(l)) downStart = i;
    else if (/^\s*--\s*eventdb:no-transaction\s*$/.test(l)) transactional = false;
    else {
      const m = ACCEPT.exec(l);
      if (m) {
        const args = ACCEPT_ARGS.exec(m[1]!);
        const where = `${file ?? id}:${i + 1}`;
        if (!args) {
          throw new EventdbError('RISK_ACCEPT_INVALID', `${where}: malformed risk-accepted line`, 'write it as: -- eventdb:risk-accepted RULE "why it is acceptable"', { exitCode: EXIT.USAGE });
        }
        if (!(args[1]! in RULES)) {
          throw new EventdbError('RISK_ACCEPT_INVALID', `${where}: unknown risk rule "${args[1]}"`, `use one of the rule codes listed by \`eventdb migrate lint --rules\` (README "Risk rules")`, { exitCode: EXIT.USAGE });
        }
        accepted[args[1]!] = args[2]!;
      }
    }
  }
  const section = (from: number, to: number) => lines.slice(from + 1, to < 0 || to < from ? lines.length : to).join('\n');
  if (upStart < 0 && downStart < 0) return { id, file, up: src, upLine: 1, transactional, accepted };
  const up = upStart < 0 ? '' : section(upStart, downStart > upStart ? downStart : -1);
  const down = downStart < 0 ? undefined : section(downStart, upStart > downStart ? upStart : -1);
  return { id, file, up, upLine: upStart + 2, down, downLine: downStart + 2, transactional, accepted };
}

/** `meta.riskAccepted` of a TS migration: `{ RULE: 'reason' }` or `[{ rule, reason }]`. */
export function acceptedFromMeta(meta: unknown, where: string): Record<string, string> {
  const raw = (meta as { riskAccepted?: unknown } | undefined)?.riskAccepted;
  if (raw === undefined) return {};
  const pairs: Array<[string, unknown]> = Array.isArray(raw) ? raw.map((x: { rule?: string; reason?: unknown }) => [String(x?.rule), x?.reason]) : Object.entries(raw as Record<string, unknown>);
  const out: Record<string, string> = {};
  for (const [rule, reason] of pairs) {
    if (!(rule in RULES)) throw new EventdbError('RISK_ACCEPT_INVALID', `${where}: unknown risk rule "${rule}" in meta.riskAccepted`, 'use a rule code from README "Risk rules"', { exitCode: EXIT.USAGE });
    if (typeof reason !== 'string' || !reason.trim()) throw new EventdbError('RISK_ACCEPT_INVALID', `${where}: meta.riskAccepted.${rule} needs a reason`, "write it as riskAccepted: { 'rule-code': 'why it is acceptable' }", { exitCode: EXIT.USAGE });
    out[rule] = reason;
  }
  return out;
}
