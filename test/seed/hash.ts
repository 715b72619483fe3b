import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Connection } from '../../src/dialects/types.js';

export const PLATFORM_TABLES = [
  'membership_tiers', 'event_categories', 'users', 'venues', 'events', 'registrations', 'waitlist', 'attendance', 'feedback',
  'loyalty_ledger', 'visitor_sessions', 'page_views', 'audit_log',
];

function canonJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonJson);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonJson((v as Record<string, unknown>)[k])]));
  return v;
}

/** One value, normalised by type family so that the three engines' representations compare equal. */
function norm(v: unknown, family: string): string {
  if (v === null || v === undefined) return '∅';
  switch (family) {
    case 'boolean':
      return String(v === true || v === 1 || v === 't' || v === 'true' || v === 1n);
    case 'integer':
    case 'decimal':
    case 'float':
      return String(Number(v));
    case 'timestamp':
    case 'timestamptz':
    case 'date': {
      if (v instanceof Date) return v.toISOString();
      const s = String(v);
      return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.replace(' ', 'T')}Z`).toISOString();
    }
    case 'json':
      return JSON.stringify(canonJson(typeof v === 'string' ? JSON.parse(v) : v));
    default:
      return typeof v === 'object' ? JSON.stringify(canonJson(v)) : String(v);
  }
}

/** sha256 of a table's rows in primary-key order, values normalised per type family. */
export async function tableHashes(conn: Connection): Promise<Record<string, { rows: number; sha256: string }>> {
  const snap = await conn.introspect();
  const out: Record<string, { rows: number; sha256: string }> = {};
  for (const name of PLATFORM_TABLES) {
    const t = snap.tables.find((x) => x.name === name);
    if (!t) continue;
    const cols = [...t.columns].sort((a, b) => a.name.localeCompare(b.name));
    const key = t.primaryKey.length ? t.primaryKey : [cols[0]!.name];
    const r = await sql<Record<string, unknown>>`select * from ${sql.table(name)} order by ${sql.join(key.map((k) => sql.ref(k)))}`.execute(conn.db);
    const h = createHash('sha256');
    for (const row of r.rows) h.update(`${cols.map((c) => norm(row[c.name], c.family)).join('\t')}\n`);
    out[name] = { rows: r.rows.length, sha256: h.digest('hex').slice(0, 16) };
  }
  return out;
}
