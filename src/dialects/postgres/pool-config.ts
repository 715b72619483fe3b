import { hostname } from 'node:os';
import type { PoolConfig } from 'pg';
import type { ResolvedConfig } from '../../config/index.js';
import { EventdbError } from '../../errors.js';
import pg from './pg-driver.js';
import { serverValueParser } from './value-parsers.js';

/**
 * The pg settings of a configured PostgreSQL database, for the dialect's pool and for the backup's and
 * restore's own sessions (client.ts). Its own file so that a backup's session opens without loading
 * the dialect's Kysely modules first (#18 fixed cost).
 */

/** int8 (and int8[]) as JS numbers when they fit, numeric[] as text (value-parsers.ts); everything else as pg parses it. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    return (format !== 'binary' && serverValueParser(oid)) || pg.types.getTypeParser(oid, format as 'text');
  },
};

export function poolConfig(config: ResolvedConfig): PoolConfig {
  const p = config.database.postgres;
  if (!p) throw new EventdbError('CONFIG', 'not a PostgreSQL server URL', 'use postgres://user:password@host:5432/database');
  const ssl =
    p.sslmode === 'require' || p.sslmode === 'no-verify'
      ? { rejectUnauthorized: false }
      : p.sslmode === 'verify-ca' || p.sslmode === 'verify-full'
        ? { rejectUnauthorized: true }
        : false;
  return {
    host: p.host,
    port: p.port,
    user: p.user ?? process.env.PGUSER ?? 'postgres',
    password: p.password ?? process.env.PGPASSWORD,
    database: p.database,
    ssl,
    min: config.pool.min,
    max: config.pool.max,
    idleTimeoutMillis: config.pool.idleTimeoutMs,
    connectionTimeoutMillis: config.connectTimeoutMs,
    statement_timeout: config.statementTimeoutMs,
    application_name: p.params.application_name ?? `eventdb pid=${process.pid} host=${hostname()}`,
    options: p.params.options,
    types,
  };
}
