import { existsSync } from 'node:fs';
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
    const { migrationStatus } = await import('../../migrations/status.js');
    const st = await migrationStatus(conn, ctx.config);
    const by = (s: string) => st.migrations.filter((m) => m.state === s);
    const pending = by('pending');
    const changed = by('changed');
    const missing = by('missing');
    const applied = by('applied');
    const failed = st.failedAttempts;
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

function id(m: { id: string }): string {
  return m.id;
}
