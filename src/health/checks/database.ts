import type { CheckDefinition } from '../types.js';
import { needConnection } from './need.js';

/**
 * Database vital signs. PostgreSQL: size, connections in use against max_connections, long-running
 * queries, idle-in-transaction sessions, pool size; with --deep never-scanned indexes. SQLite and
 * DuckDB: file and WAL size; with --deep an integrity check.
 */
export const databaseCheck: CheckDefinition = {
  name: 'database',
  needsConnection: true,
  async run(ctx) {
    const conn = needConnection(ctx);
    if (conn.engine === 'postgres') return (await import('./database-postgres.js')).postgresVitals(conn, ctx);
    return (await import('./database-file.js')).fileVitals(conn, ctx);
  },
};
