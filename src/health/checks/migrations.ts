import { sql } from 'kysely';
import { existsSync } from 'node:fs';
import type { Connection } from '../../dialects/types.js';
import { messageOf } from '../../errors.js';
import { loadMigrations, type MigrationInfo } from '../optional.js';
import type { CheckDefinition, CheckOutcome } from '../types.js';
import { needConnection } from './need.js';

/**
 * Migrations: changed checksums fail; failed attempts in the log fail; pending migrations warn in
 * development and fail in production; applied migrations whose file is gone warn.
 */
export const migrationsCheck: CheckDefinition = {
  name: 'migrations',
  needsConnection: true,
  async run(ctx): Promise<CheckOutcome> {
    const conn = needConnection(ctx);
    if (!existsSync(ctx.config.migrationsDir)) {
      return { status: 'skipped', message: `no migrations folder at ${ctx.config.migrationsDir}`, details: { dir: ctx.config.migrationsDir } };
    }
    const mod = await loadMigrations();
    if (!mod) return { status: 'skipped', message: 'the migrations module is not part of this build', details: {} };
    const st = await mod.migrationStatus(conn, ctx.config);
    const by = (s: string) => st.migrations.filter((m) => m.state === s);
    const pending = by('pending');
    const changed = by('changed');
    const missing = by('missing');
    const applied = by('applied');
    const failed = st.failed ?? (await failedAttempts(conn, applied));
    const details = {
      applied: applied.length,
      pending: pending.map(id),
      changed: changed.map(id),
      missing: missing.map(id),
      failedAttempts: failed,
      total: st.migrations.length,
    };
    const problems: string[] = [];
    let status: CheckOutcome['status'] = 'ok';
    if (changed.length) {
      status = 'fail';
      problems.push(`${changed.length} applied migration${changed.length === 1 ? ' was' : 's were'} edited since (checksum changed): ${changed.map(id).join(', ')}`);
    }
    if (failed.length) {
      status = 'fail';
      problems.push(`${failed.length} failed attempt${failed.length === 1 ? '' : 's'} in the migration log`);
    }
    if (pending.length) {
      if (ctx.production) status = 'fail';
      else if (status === 'ok') status = 'warn';
      problems.push(`${pending.length} pending: ${pending.map(id).slice(0, 5).join(', ')}${pending.length > 5 ? ', …' : ''}`);
    }
    if (missing.length) {
      if (status === 'ok') status = 'warn';
      problems.push(`${missing.length} applied but missing from ${ctx.config.migrationsDir}: ${missing.map(id).join(', ')}`);
    }
    const message = problems.length ? problems.join('; ') : `${applied.length} applied, none pending`;
    return { status, message, details };
  },
};

function id(m: MigrationInfo): string {
  return m.id;
}

/**
 * Failed attempts in eventdb_migration_log that a later successful run has not superseded: the
 * newest logged outcome per migration id is a failure and the migration is not applied.
 */
async function failedAttempts(conn: Connection, applied: MigrationInfo[]): Promise<unknown[]> {
  const appliedIds = new Set(applied.map(id));
  let rows: Array<Record<string, unknown>>;
  try {
    rows = (await sql<Record<string, unknown>>`select * from eventdb_migration_log`.execute(conn.db)).rows;
  } catch (e) {
    if (/does not exist|no such table|not found/i.test(messageOf(e))) return [];
    throw e;
  }
  const latest = new Map<string, Record<string, unknown>>();
  for (const r of rows) {
    const mid = String(r.migration_id ?? r.id ?? r.migration ?? '');
    const at = String(r.finished_at ?? r.started_at ?? r.at ?? r.created_at ?? '');
    const prev = latest.get(mid);
    if (!prev || String(prev.__at) <= at) latest.set(mid, { ...r, __at: at });
  }
  const out: unknown[] = [];
  for (const [mid, r] of latest) {
    const outcome = String(r.outcome ?? r.status ?? r.result ?? '').toLowerCase();
    if (/fail|error/.test(outcome) && !appliedIds.has(mid)) {
      out.push({ id: mid, at: r.__at || null, error: r.error ?? r.message ?? null });
    }
  }
  return out;
}
