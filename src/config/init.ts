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
  const config = {
    url: o.url,
    store: o.store,
    migrationsDir: 'migrations',
    schemaDir: 'schema',
    environments: {
      test: { url: o.url.startsWith('postgres') ? o.url : o.url.startsWith('pglite') ? 'pglite::memory:' : 'sqlite::memory:' },
      production: {},
    },
  };
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  created.unshift(relative(o.cwd, configFile));
  return { created, kept, configFile };
}
