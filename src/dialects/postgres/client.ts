import type { Client } from 'pg';
import pg from './pg-driver.js';
import type { ResolvedConfig } from '../../config/index.js';
import { connectError } from './errors.js';
import { poolConfig } from './pool-config.js';

/** One session for backup and restore (the dump's transaction, a restore's admin or load session), on `database` when given. */
export async function snapshotClient(config: ResolvedConfig, database?: string): Promise<Client> {
  const cfg = poolConfig(config);
  const c = new pg.Client({ ...cfg, database: database ?? cfg.database, application_name: 'eventdb backup' });
  // Listening before connecting: a session ended by the server right after it is ready (a restore's work
  // database dropped WITH (FORCE) by an interrupt's cleanup) reports that in the same read as its
  // ReadyForQuery, before code after `connect()` runs — unheard, an 'error' event ends the process.
  c.on('error', () => undefined);
  await c.connect().catch((e: unknown) => {
    throw connectError(e, { ...config.database.postgres!, database: database ?? config.database.postgres!.database }, config.connectTimeoutMs);
  });
  return c;
}
