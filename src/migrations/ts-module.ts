import type { Kysely } from 'kysely';
import { EventdbError, messageOf } from '../errors.js';
import { importTs } from '../ts-import.js';
import type { LoadedTsMigration, MigrationMeta, ScriptContext } from './types.js';

export interface TsModuleInfo {
  migration: LoadedTsMigration;
  meta: MigrationMeta;
  hasDown: boolean;
}

type Fn = (...args: unknown[]) => Promise<void> | void;
const isFn = (v: unknown): v is Fn => typeof v === 'function';
const isClass = (v: unknown): v is new () => Record<string, unknown> =>
  typeof v === 'function' && /^class\b/.test(Function.prototype.toString.call(v)) || (typeof v === 'function' && isFn((v as { prototype?: { up?: unknown } }).prototype?.up));

/**
 * Imports a TS/JS migration. Accepted shapes: named `up(db)` / `down(db)` / `meta`; a default-exported
 * object of the same; or a default-exported class (the BaseMigration shape: `async up()`,
 * `async down()`, `this.executeSQL(sql)`, fields `id`, `name`, `description`, `dependsOn`…).
 */
export function loadTsMigration(file: string): Promise<TsModuleInfo> {
  let p = cache.get(file);
  if (!p) {
    p = importTsMigration(file);
    cache.set(file, p);
    p.catch(() => cache.delete(file));
  }
  return p;
}

const cache = new Map<string, Promise<TsModuleInfo>>();

async function importTsMigration(file: string): Promise<TsModuleInfo> {
  let mod: Record<string, unknown>;
  try {
    mod = await importTs(file);
  } catch (e) {
    throw new EventdbError('MIGRATION_IMPORT', `cannot load ${file}: ${messageOf(e)}`, 'fix the error in the migration file (it is loaded with jiti; TypeScript needs no build step)', { cause: e });
  }
  const def = mod.default as unknown;
  if (isClass(def)) return fromClass(def, file);
  const src = (isFn(mod.up) ? mod : def && typeof def === 'object' && isFn((def as Record<string, unknown>).up) ? (def as Record<string, unknown>) : undefined);
  if (!src) {
    throw new EventdbError('BAD_MIGRATION', `${file} exports no up() function`, 'export `async function up(db)` (and `down(db)`), or default-export a class with `async up()`');
  }
  const up = src.up as Fn;
  const down = isFn(src.down) ? (src.down as Fn) : undefined;
  const meta = (src.meta && typeof src.meta === 'object' ? src.meta : {}) as MigrationMeta;
  return {
    meta,
    hasDown: !!down,
    migration: {
      up: async (db, ctx) => void (await up(db, ctx)),
      down: down ? async (db, ctx) => void (await down(db, ctx)) : undefined,
    },
  };
}

function fromClass(Cls: new () => Record<string, unknown>, file: string): TsModuleInfo {
  let probe: Record<string, unknown>;
  try {
    probe = new Cls();
  } catch (e) {
    throw new EventdbError('MIGRATION_IMPORT', `cannot construct the migration class in ${file}: ${messageOf(e)}`, 'the default-exported class must be constructible without arguments');
  }
  if (!isFn(probe.up)) throw new EventdbError('BAD_MIGRATION', `${file}: the default-exported class has no up() method`, 'add `async up() { await this.executeSQL(`…`) }`');
  const meta: MigrationMeta = {
    dependsOn: Array.isArray(probe.dependsOn) ? (probe.dependsOn as string[]) : undefined,
    transaction: typeof probe.transaction === 'boolean' ? probe.transaction : undefined,
    description: typeof probe.description === 'string' ? probe.description : typeof probe.name === 'string' ? probe.name : undefined,
  };
  const run = (method: 'up' | 'down') => async (db: Kysely<any>, ctx: ScriptContext) => {
    const inst = new Cls();
    // The runner supplies the database and executeSQL, whatever base class the file extends.
    Object.defineProperty(inst, 'db', { value: db, writable: true, configurable: true, enumerable: false });
    Object.defineProperty(inst, 'executeSQL', { value: (text: string) => ctx.executeSQL(text), writable: true, configurable: true, enumerable: false });
    await (inst[method] as Fn).call(inst, db);
  };
  const hasDown = isFn(probe.down);
  return { meta, hasDown, migration: { up: run('up'), down: hasDown ? run('down') : undefined } };
}
