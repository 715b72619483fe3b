import type { CheckDefinition } from '../types.js';
import { needConnection } from './need.js';

/**
 * Database vital signs, as the dialect reports them (`Connection.vitals`). A database with sessions
 * (PostgreSQL, PGlite): size, connections in use against max_connections, long-running queries,
 * idle-in-transaction sessions, pool size; with --deep never-scanned indexes. A file (SQLite,
 * DuckDB): file and WAL size; with --deep an integrity check.
 */
export const databaseCheck: CheckDefinition = {
  name: 'database',
  needsConnection: true,
  async run(ctx) {
    const conn = needConnection(ctx);
    const vitals = await conn.vitals({ deep: ctx.opts.deep });
    if (vitals.kind === 'sessions') return (await import('./database-postgres.js')).judgeSessionVitals(vitals, ctx);
    return (await import('./database-file.js')).judgeFileVitals(vitals, ctx);
  },
};
