import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EventdbError, messageOf } from '../errors.js';
import { importTs } from '../ts-import.js';
import { validateConfigData } from './file-schema.js';

export const CONFIG_FILE_NAMES = ['eventdb.config.json', 'eventdb.config.ts', 'eventdb.config.mjs', 'eventdb.config.js'];

/** Settings a config file (or one of its environment sections) may hold. */
export interface FileSettings {
  url?: string;
  provider?: string;
  environment?: string;
  pool?: { min?: number; max?: number; idleTimeout?: number; acquireTimeout?: number };
  connectTimeout?: number;
  statementTimeout?: number;
  /** The longest a TypeScript migration's up() or down() may run (seconds, or a duration). */
  migrationTimeout?: number;
  migrationsDir?: string;
  schemaDir?: string;
  seedsDir?: string;
  store?: string;
  autoMigrate?: boolean;
}

export interface ConfigFile {
  path: string;
  settings: FileSettings;
  environments: Record<string, FileSettings>;
}

/** Walks up from `cwd` to the filesystem root and returns the first config file found. */
export function findConfigFile(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const p = join(dir, name);
      if (existsSync(p)) return p;
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

const MAX_CONFIG_BYTES = 1024 * 1024;

export async function loadConfigFile(path: string): Promise<ConfigFile> {
  if (!existsSync(path)) {
    throw new EventdbError('CONFIG', `config file ${path} does not exist`, 'check --config, or run `eventdb init` to write one');
  }
  const st = statSync(path);
  if (st.isDirectory()) {
    throw new EventdbError('CONFIG', `config file ${path} is a directory`, 'point --config at eventdb.config.json');
  }
  // Read only a regular file of sensible size (a link to /dev/zero ran the process out of memory).
  if (!st.isFile() || st.size > MAX_CONFIG_BYTES) {
    throw new EventdbError('CONFIG', `config file ${path} is ${st.isFile() ? `${st.size} bytes; a config file is at most 1 MiB` : 'not a regular file'}`, 'point --config at eventdb.config.json');
  }
  let data: unknown;
  if (path.endsWith('.json')) {
    data = parseJson(path, readFileSync(path, 'utf8'));
  } else {
    data = await importModule(path);
  }
  let checked;
  try {
    checked = validateConfigData(path, data);
  } catch (e) {
    // A config module's getter or proxy that throws while its keys are read
    if (e instanceof EventdbError) throw e;
    throw new EventdbError('CONFIG', `config file ${path}: reading it failed: ${messageOf(e)}`, 'fix the config file so that it exports plain values');
  }
  const { settings, environments } = checked;
  return { path, settings: settings as FileSettings, environments: environments as Record<string, FileSettings> };
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    const pos = /position (\d+)/.exec(messageOf(e))?.[1];
    let where = '';
    if (pos !== undefined) {
      const before = text.slice(0, Number(pos));
      const line = before.split('\n').length;
      const col = Number(pos) - before.lastIndexOf('\n');
      where = `:${line}:${col}`;
    }
    // Node quotes the text around the error ("… "store": s3://k:zzs"... is not valid JSON): a secret may be in it.
    const reason = messageOf(e).replace(/ in JSON at position \d+.*$/, '').replace(/,\s*(?:\.\.\.)?"[\s\S]*$/, '');
    throw new EventdbError('CONFIG_SYNTAX', `config file ${path}${where}: ${reason}`, 'fix the JSON syntax at that line (trailing commas and comments are not allowed)');
  }
}

async function importModule(path: string): Promise<unknown> {
  try {
    let mod: { default?: unknown };
    if (path.endsWith('.ts')) {
      mod = (await importTs(path)) as { default?: unknown };
    } else {
      mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
    }
    const value = mod.default ?? mod;
    return typeof value === 'function' ? await (value as () => unknown)() : value;
  } catch (e) {
    if (e instanceof EventdbError) throw e;
    const loc = /:(\d+):(\d+)/.exec(String((e as Error)?.stack ?? ''));
    throw new EventdbError('CONFIG_SYNTAX', `config file ${path}${loc ? `:${loc[1]}` : ''}: ${messageOf(e)}`, 'fix the config file so that it loads');
  }
}
