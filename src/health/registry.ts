import { EventdbError } from '../errors.js';
import { backupCheck } from './checks/backup.js';
import { connectionCheck } from './checks/connection.js';
import { databaseCheck } from './checks/database.js';
import { lockCheck } from './checks/lock.js';
import { migrationsCheck } from './checks/migrations.js';
import { schemaCheck } from './checks/schema.js';
import { storageCheck } from './checks/storage.js';
import { CHECK_NAMES, type CheckDefinition, type CheckName } from './types.js';

export const CHECKS: Record<CheckName, CheckDefinition> = {
  connection: connectionCheck,
  migrations: migrationsCheck,
  schema: schemaCheck,
  lock: lockCheck,
  backup: backupCheck,
  storage: storageCheck,
  database: databaseCheck,
};

/** `--check a,b`: names in any case, comma or space separated; an unknown one is a usage error listing the valid ones. */
export function parseCheckNames(input: string | string[]): CheckName[] {
  const parts = (Array.isArray(input) ? input : [input]).flatMap((s) => s.split(/[\s,]+/)).map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (parts.length === 0) throw new EventdbError('USAGE', '--check needs at least one check name', `valid checks: ${CHECK_NAMES.join(', ')}`);
  const unknown = parts.filter((p) => !(CHECK_NAMES as readonly string[]).includes(p));
  if (unknown.length) {
    throw new EventdbError('USAGE', `unknown check${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}`, `valid checks: ${CHECK_NAMES.join(', ')}`);
  }
  return CHECK_NAMES.filter((n) => parts.includes(n));
}
