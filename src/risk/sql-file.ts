import { EventdbError } from '../errors.js';
import { normalizeText } from '../migrations/checksum.js';
import { parseSqlMigration } from '../migrations/sql-file.js';
import { RULES } from './rules.js';
import type { MigrationInput } from './types.js';

const ACCEPT = /^\s*--\s*eventdb:risk-accepted\b(.*)$/;
const ACCEPT_ARGS = /^\s+([A-Za-z0-9_-]+)\s+"([^"]+)"\s*$/;

/**
 * Reads an eventdb SQL migration: `-- eventdb:up` / `-- eventdb:down` sections and
 * `-- eventdb:no-transaction` as the migrator reads them (src/migrations/sql-file.ts: a malformed
 * file throws its BAD_MIGRATION error), and `-- eventdb:risk-accepted RULE "reason"` lines. A bare
 * SQL file (no section marker) is all `up`.
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
          throw new EventdbError('RISK_ACCEPT_INVALID', `${where}: malformed risk-accepted line`, 'write it as: -- eventdb:risk-accepted RULE "why it is acceptable"');
        }
        if (!(args[1]! in RULES)) {
          throw new EventdbError('RISK_ACCEPT_INVALID', `${where}: unknown risk rule "${args[1]}"`, `use one of the rule codes listed by \`eventdb migrate lint --rules\` (README "Risk rules")`);
        }
        accepted[args[1]!] = args[2]!;
      }
    }
  }
  if (upStart < 0 && downStart < 0 && !MARKER.test(src)) return { id, file, up: src, upLine: 1, transactional, accepted };
  // A migration file: read by the migrator's own parser, so that lint refuses what `migrate up`
  // refuses (SQL before `-- eventdb:up` …) and analyses exactly the sections it runs.
  const parsed = parseSqlMigration(text, file ?? id);
  const norm = normalizeText(text);
  const lineOf = (section: string, after: number): number => {
    const at = section ? norm.indexOf(section, after) : -1;
    return at < 0 ? 1 : lineCount(norm, at);
  };
  const upAt = markerOffset(norm, 'up');
  const downAt = markerOffset(norm, 'down');
  return {
    id,
    file,
    up: parsed.up,
    upLine: lineOf(parsed.up, upAt),
    down: parsed.down,
    downLine: parsed.down === undefined ? undefined : lineOf(parsed.down, downAt),
    transactional: parsed.transaction,
    accepted,
  };
}

const MARKER = /^\s*--\s*eventdb:(up|down)\b/im;

function markerOffset(text: string, name: 'up' | 'down'): number {
  const m = new RegExp(`^\\s*--\\s*eventdb:${name}\\b.*$`, 'im').exec(text);
  return m ? m.index + m[0].length : 0;
}

function lineCount(text: string, offset: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
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
