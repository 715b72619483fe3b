import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { EventdbError } from '../errors.js';
import { parseDatabaseUrl } from './url.js';

export interface InitOptions {
  cwd: string;
  url: string;
  store: string;
  force?: boolean;
}

export interface InitResult {
  created: string[];
  kept: string[];
  configFile: string;
  /** Settings whose password was left out of the file (it is meant to be committed): `url`, `store`. */
  passwordsRemoved: string[];
}

/**
 * The URL with its password removed (user info after the first `:` up to the last `@`, and
 * `?password=`); the user name stays. Config files are committed and world-readable: passwords go in
 * DATABASE_URL (or the store's credentials in the environment), never in eventdb.config.json.
 */
export function withoutPassword(url: string): string {
  let out = url;
  const m = /^[a-z][a-z0-9+.-]*:\/\//i.exec(out);
  if (m) {
    const rest = out.slice(m[0].length);
    const at = rest.lastIndexOf('@');
    const info = at >= 0 ? rest.slice(0, at) : '';
    const colon = info.indexOf(':');
    if (colon >= 0) out = `${m[0]}${info.slice(0, colon)}${rest.slice(at)}`;
  }
  const q = out.indexOf('?');
  if (q < 0) return out;
  const params = out.slice(q + 1).split('&').filter((p) => !/^password=/i.test(p));
  return params.length ? `${out.slice(0, q)}?${params.join('&')}` : out.slice(0, q);
}

/** Writes eventdb.config.json and the migrations/ and schema/ folders. Never overwrites without force. */
export function initProject(o: InitOptions): InitResult {
  parseDatabaseUrl(o.url, { cwd: o.cwd }); // validate before writing anything
  const configFile = join(o.cwd, 'eventdb.config.json');
  if (existsSync(configFile) && !o.force) {
    throw new EventdbError('CONFIG', `${configFile} already exists`, 'pass --force to overwrite it');
  }
  const created: string[] = [];
  const kept: string[] = [];
  for (const dir of ['migrations', 'schema']) {
    const p = join(o.cwd, dir);
    if (existsSync(p)) kept.push(`${dir}/`);
    else {
      mkdirSync(p, { recursive: true });
      created.push(`${dir}/`);
    }
  }
  const url = withoutPassword(o.url);
  const store = withoutPassword(o.store);
  const passwordsRemoved = [...(url !== o.url ? ['url'] : []), ...(store !== o.store ? ['store'] : [])];
  const config = {
    url,
    store,
    migrationsDir: 'migrations',
    schemaDir: 'schema',
    environments: {
      test: { url: url.startsWith('postgres') ? url : url.startsWith('pglite') ? 'pglite::memory:' : 'sqlite::memory:' },
      production: {},
    },
  };
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  created.unshift(relative(o.cwd, configFile));
  return { created, kept, configFile, passwordsRemoved };
}
