import { EventdbError } from '../errors.js';
import { ENVIRONMENTS } from './environment.js';

/**
 * What a config file may hold, checked before anything uses it: an unknown key (`"databaseUrl"`) or
 * a value of the wrong type (`"url": 42`) is a usage error naming the key and the file — never
 * silently ignored, which would quietly fall back to another database. A setting added to eventdb is
 * added here.
 */
type Kind = 'string' | 'number' | 'duration' | 'boolean' | 'pool';

const SETTINGS: Record<string, Kind> = {
  url: 'string',
  provider: 'string',
  environment: 'string',
  pool: 'pool',
  connectTimeout: 'duration',
  statementTimeout: 'duration',
  migrationTimeout: 'duration',
  migrationsDir: 'string',
  schemaDir: 'string',
  seedsDir: 'string',
  store: 'string',
  autoMigrate: 'boolean',
};
const POOL_KEYS = ['min', 'max', 'idleTimeout', 'acquireTimeout'];
/** Only at the top level: `environments` holds the sections; `$schema` is for editors. */
const TOP_ONLY = ['environments', '$schema'];

/** Names people write for a setting that are too far apart for an edit-distance guess. */
const ALIASES: Record<string, string> = {
  databaseurl: 'url',
  dburl: 'url',
  connectionstring: 'url',
  connection: 'url',
  database: 'url',
  migrations: 'migrationsDir',
  migrationsdirectory: 'migrationsDir',
  schema: 'schemaDir',
  seeds: 'seedsDir',
  backupstore: 'store',
  backup: 'store',
  env: 'environment',
  automigrate: 'autoMigrate',
};
const ENV_ALIASES: Record<string, string> = { dev: 'development', prod: 'production', stage: 'staging' };

export interface ValidatedConfig {
  settings: Record<string, unknown>;
  environments: Record<string, Record<string, unknown>>;
}

export function validateConfigData(path: string, data: unknown): ValidatedConfig {
  if (!isObject(data)) {
    throw new EventdbError('CONFIG', `config file ${path} must hold an object`, 'see the README section "Config file"');
  }
  const { environments, $schema: _schema, ...settings } = data;
  checkSection(path, '', settings);
  if (environments === undefined) return { settings, environments: {} };
  if (!isObject(environments)) {
    throw new EventdbError('CONFIG', `config file ${path}: "environments" must be an object of sections, got ${describe(environments)}`, 'e.g. {"environments": {"production": {"url": "postgres://…"}}}');
  }
  for (const [name, section] of Object.entries(environments)) {
    if (!(ENVIRONMENTS as readonly string[]).includes(name)) {
      const alias = name.toLowerCase();
      const guess = (Object.hasOwn(ENV_ALIASES, alias) ? ENV_ALIASES[alias] : undefined) ?? nearest(name, ENVIRONMENTS);
      throw new EventdbError('CONFIG', `config file ${path}: unknown environment "${name}" in "environments"`, `${guess ? `did you mean "${guess}"? ` : ''}sections are named ${ENVIRONMENTS.join(', ')}`);
    }
    if (!isObject(section)) {
      throw new EventdbError('CONFIG', `config file ${path}: "environments.${name}" must be an object of settings, got ${describe(section)}`, `e.g. {"environments": {"${name}": {"url": "…"}}}`);
    }
    checkSection(path, `environments.${name}.`, section);
  }
  return { settings, environments: environments as Record<string, Record<string, unknown>> };
}

function checkSection(path: string, prefix: string, section: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(section)) {
    // Own keys only: "__proto__" and "constructor" are keys of every object, not settings.
    const kind = Object.hasOwn(SETTINGS, key) ? SETTINGS[key] : undefined;
    if (!kind) {
      const nested = prefix !== '' && TOP_ONLY.includes(key);
      const guess = nested ? undefined : suggestKey(key);
      throw new EventdbError(
        'CONFIG',
        `config file ${path}: ${nested ? `"${key}" belongs at the top level, not in "${prefix.slice(0, -1)}"` : `unknown key "${prefix}${key}"`}`,
        `${guess ? `did you mean "${prefix}${guess}"? ` : ''}known keys: ${Object.keys(SETTINGS).join(', ')}${prefix === '' ? ', environments' : ''}`,
      );
    }
    if (value === undefined || value === null) continue; // unset
    checkValue(path, `${prefix}${key}`, kind, value);
  }
}

function checkValue(path: string, key: string, kind: Kind, value: unknown): void {
  const fail = (want: string, example: string): never => {
    throw new EventdbError('CONFIG', `config file ${path}: "${key}" must be ${want}, got ${describe(value)}`, `e.g. "${key.split('.').pop()}": ${example}`);
  };
  if (kind === 'string' && typeof value !== 'string') fail('a string', '"…"');
  if (kind === 'boolean' && typeof value !== 'boolean') fail('true or false', 'true');
  if ((kind === 'number' || kind === 'duration') && typeof value !== 'number' && typeof value !== 'string') fail('a number (or a duration like "5s")', '5');
  if (kind === 'pool') {
    if (!isObject(value)) fail('an object', '{"min": 0, "max": 10}');
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (!POOL_KEYS.includes(k)) {
        const guess = nearest(k, POOL_KEYS);
        throw new EventdbError('CONFIG', `config file ${path}: unknown key "${key}.${k}"`, `${guess ? `did you mean "${key}.${guess}"? ` : ''}"pool" takes ${POOL_KEYS.join(', ')}`);
      }
      if (v !== undefined && v !== null) checkValue(path, `${key}.${k}`, 'number', v);
    }
  }
}

function suggestKey(key: string): string | undefined {
  const norm = key.toLowerCase().replace(/[_-]/g, '');
  const known = [...Object.keys(SETTINGS), 'environments'];
  const stem = (k: string) => k.toLowerCase().replace(/[_-]/g, '').replace(/(directory|folder|dir|path)$/, '').replace(/s$/, '');
  return known.find((k) => k.toLowerCase() === norm) ?? (Object.hasOwn(ALIASES, norm) ? ALIASES[norm] : undefined) ?? known.find((k) => stem(k) === stem(key)) ?? nearest(key, known);
}

/** The closest candidate within an edit distance of a third of the word (at least 2), if any. */
function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'object') return 'an object';
  return `${typeof v === 'number' ? 'the number' : typeof v === 'boolean' ? 'the boolean' : typeof v} ${String(v)}`;
}
