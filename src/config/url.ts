import { basename, extname, resolve } from 'node:path';
import { EventdbError } from '../errors.js';
import { redactUrl, registerUrlSecret } from './redact.js';

/** The dialect family. PGlite is the postgres dialect over an embedded driver. */
export type Engine = 'postgres' | 'sqlite' | 'duckdb';
export type PostgresDriver = 'server' | 'pglite';
export const ENGINES: readonly Engine[] = ['postgres', 'sqlite', 'duckdb'];

export interface PostgresParams {
  host: string;
  port: number;
  user?: string;
  password?: string;
  database: string;
  sslmode?: string;
  /** Other query parameters, passed through (application_name, options …). */
  params: Record<string, string>;
}

export interface DatabaseTarget {
  engine: Engine;
  /** postgres only: a server (pg) or an embedded PGlite data directory. */
  driver?: PostgresDriver;
  /** The URL as given/normalised. May hold a password: never print it; use `display`. */
  url: string;
  /** The URL with credentials redacted. */
  display: string;
  /** sqlite, duckdb, pglite: absolute file/dir path, or ':memory:'. */
  path?: string;
  memory: boolean;
  postgres?: PostgresParams;
  /** A short name for the database: PG database name or the file's base name. */
  name: string;
}

export const PROVIDERS = ['sqlite', 'postgres', 'postgresql', 'supabase', 'duckdb', 'pglite'] as const;
export type Provider = (typeof PROVIDERS)[number];

const SUFFIX_ENGINE: Record<string, 'sqlite' | 'duckdb'> = {
  '.sqlite': 'sqlite',
  '.sqlite3': 'sqlite',
  '.db': 'sqlite',
  '.duckdb': 'duckdb',
  '.ddb': 'duckdb',
};

export interface ParseUrlOptions {
  provider?: string;
  cwd?: string;
}

export function parseProvider(value: string): Provider {
  const v = value.trim().toLowerCase();
  if (!(PROVIDERS as readonly string[]).includes(v)) {
    throw new EventdbError(
      'CONFIG',
      `unknown DATABASE_PROVIDER "${value}"`,
      `use one of: ${PROVIDERS.join(', ')}`,
    );
  }
  return v as Provider;
}

function providerEngine(p: Provider): { engine: Engine; driver?: PostgresDriver } {
  if (p === 'postgres' || p === 'postgresql' || p === 'supabase') return { engine: 'postgres', driver: 'server' };
  if (p === 'pglite') return { engine: 'postgres', driver: 'pglite' };
  return { engine: p };
}

/** Parses any supported database URL or bare path. Throws BAD_URL / UNKNOWN_ENGINE with a hint. */
export function parseDatabaseUrl(input: string, opts: ParseUrlOptions = {}): DatabaseTarget {
  registerUrlSecret(input); // before anything can fail: an unparsable URL's password is still a secret
  const raw = input.trim();
  const cwd = opts.cwd ?? process.cwd();
  const provider = opts.provider ? parseProvider(opts.provider) : undefined;
  if (raw === '') throw new EventdbError('BAD_URL', 'the database URL is empty', 'set --url, EVENTDB_DATABASE_URL or DATABASE_URL');

  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(raw)?.[1]?.toLowerCase();
  let target: DatabaseTarget;
  if (scheme === 'postgres' || scheme === 'postgresql') {
    target = parsePostgres(raw, provider === 'supabase');
  } else if (scheme === 'sqlite' || scheme === 'duckdb' || scheme === 'pglite') {
    target = parseFileUrl(scheme, raw.slice(scheme.length + 1), cwd);
  } else if (scheme === 'file') {
    target = parseBarePath(raw.replace(/^file:(\/\/)?/i, ''), provider, cwd);
  } else if (scheme && scheme.length > 1 && raw.includes('://')) {
    throw new EventdbError(
      'UNKNOWN_ENGINE',
      `unsupported database URL scheme "${scheme}:"`,
      'eventdb supports postgres://, postgresql://, sqlite:, duckdb:, pglite: or a path ending in .sqlite, .sqlite3, .db or .duckdb',
    );
  } else {
    target = parseBarePath(raw, provider, cwd);
  }

  if (provider) {
    const want = providerEngine(provider);
    if (want.engine !== target.engine || (want.driver && target.driver && want.driver !== target.driver)) {
      throw new EventdbError(
        'CONFIG',
        `DATABASE_PROVIDER=${provider} does not match the database URL ${target.display} (${target.driver === 'pglite' ? 'pglite' : target.engine})`,
        'make DATABASE_PROVIDER and DATABASE_URL agree, or unset DATABASE_PROVIDER',
      );
    }
  }
  return target;
}

function parsePostgres(raw: string, supabase: boolean): DatabaseTarget {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new EventdbError('BAD_URL', `malformed PostgreSQL URL ${redactUrl(raw)}`, `expected postgres://user:password@host:5432/database; ${ENCODE_HINT}`);
  }
  if (!u.hostname) {
    throw new EventdbError('BAD_URL', `PostgreSQL URL ${redactUrl(raw)} has no host`, 'expected postgres://user:password@host:5432/database');
  }
  let port = 5432;
  if (u.port !== '') {
    port = Number(u.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new EventdbError('BAD_URL', `PostgreSQL URL ${redactUrl(raw)} has an invalid port "${u.port}"`, 'the port must be a number from 1 to 65535');
    }
  }
  const path = decodeUrlPart(u.pathname.replace(/^\//, ''), 'database name', raw);
  if (path.includes('/')) {
    throw new EventdbError('BAD_URL', `PostgreSQL URL ${redactUrl(raw)} has an invalid database name "${path}"`, 'the path must be a single database name: postgres://host/database');
  }
  const params: Record<string, string> = {};
  for (const [k, v] of u.searchParams) params[k] = v;
  let sslmode = params.sslmode;
  delete params.sslmode;
  const password = u.password ? decodeUrlPart(u.password, 'password', raw) : params.password;
  delete params.password;
  const user = u.username ? decodeUrlPart(u.username, 'user name', raw) : params.user;
  delete params.user;
  if (sslmode && !['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'].includes(sslmode)) {
    throw new EventdbError('BAD_URL', `PostgreSQL URL ${redactUrl(raw)} has an unknown sslmode "${sslmode}"`, 'use sslmode=disable, prefer, require, verify-ca or verify-full');
  }
  if (!sslmode && supabase) sslmode = 'require';
  const database = path || user || 'postgres';
  return {
    engine: 'postgres',
    driver: 'server',
    url: raw,
    display: redactUrl(raw),
    memory: false,
    postgres: { host: u.hostname.replace(/^\[|\]$/g, ''), port, user, password, database, sslmode, params },
    name: database,
  };
}

const ENCODE_HINT = 'percent-encode special characters in the user name and password (% → %25, @ → %40, : → %3A, / → %2F, ? → %3F, # → %23, space → %20)';

/** Percent-decodes one part of a URL; bad encoding (`%zz`, a lone `%`) is a usage error, not a crash. */
function decodeUrlPart(part: string, what: string, raw: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new EventdbError('BAD_URL', `PostgreSQL URL ${redactUrl(raw)} has bad percent-encoding in its ${what}`, ENCODE_HINT);
  }
}

function parseFileUrl(scheme: 'sqlite' | 'duckdb' | 'pglite', rest: string, cwd: string): DatabaseTarget {
  let p = rest;
  if (p.startsWith('//')) p = p.slice(2); // sqlite:///abs/path → /abs/path, sqlite://rel → rel
  const [pathPart] = p.split('?');
  p = pathPart ?? '';
  const engine: Engine = scheme === 'pglite' ? 'postgres' : scheme;
  const driver: PostgresDriver | undefined = scheme === 'pglite' ? 'pglite' : undefined;
  if (p === ':memory:' || p === '') {
    if (p === '') {
      throw new EventdbError('BAD_URL', `the ${scheme}: URL has no path`, `use ${scheme}:./path or ${scheme}::memory:`);
    }
    return { engine, driver, url: `${scheme}::memory:`, display: `${scheme}::memory:`, memory: true, path: ':memory:', name: 'memory' };
  }
  const abs = resolve(cwd, p);
  return { engine, driver, url: `${scheme}:${p}`, display: `${scheme}:${p}`, memory: false, path: abs, name: stem(abs) };
}

function parseBarePath(p: string, provider: Provider | undefined, cwd: string): DatabaseTarget {
  const ext = extname(p).toLowerCase();
  const bySuffix = SUFFIX_ENGINE[ext];
  if (bySuffix) return parseFileUrl(bySuffix, p, cwd);
  if (provider) {
    const { engine, driver } = providerEngine(provider);
    if (driver === 'pglite') return parseFileUrl('pglite', p, cwd);
    if (engine === 'sqlite') return parseFileUrl('sqlite', p, cwd);
    if (engine === 'duckdb') return parseFileUrl('duckdb', p, cwd);
    throw new EventdbError('BAD_URL', `DATABASE_PROVIDER=${provider} needs a postgres:// URL, got "${p}"`, 'set DATABASE_URL=postgres://user:password@host:5432/database');
  }
  throw new EventdbError(
    'UNKNOWN_ENGINE',
    `cannot tell the engine of "${p}"${ext ? ` (unknown suffix "${ext}")` : ''}`,
    'use a URL with a scheme (sqlite:, duckdb:, pglite:, postgres://), a path ending in .sqlite, .sqlite3, .db or .duckdb, or set DATABASE_PROVIDER',
  );
}

function stem(p: string): string {
  const b = basename(p);
  const e = extname(b);
  return e ? b.slice(0, -e.length) : b;
}

/** The file the embedded default uses when nothing is configured. */
export const DEFAULT_DATABASE_URL = 'sqlite:./eventdb.sqlite';

export function defaultUrlForProvider(p: Provider): string | undefined {
  if (p === 'sqlite') return DEFAULT_DATABASE_URL;
  if (p === 'duckdb') return 'duckdb:./eventdb.duckdb';
  if (p === 'pglite') return 'pglite:./eventdb.pglite';
  return undefined;
}
