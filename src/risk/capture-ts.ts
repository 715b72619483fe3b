import { DummyDriver, Kysely } from 'kysely';
import type { Engine } from '../config/url.js';
import { engineEntry } from '../dialects/registry.js';
import { EventdbError, messageOf } from '../errors.js';
import { importTs } from '../ts-import.js';

export interface CapturedTs {
  up: string[];
  down?: string[];
  meta?: unknown;
  transactional: boolean;
}

/**
 * Compiles a TS migration's up()/down() against a Kysely with no database (DummyDriver) and keeps
 * every SQL statement it would send: `migrate lint` analyses TS migrations without connecting.
 * SQL a migration builds from query results cannot be known this way; `--dry-run` captures it live.
 */
export async function captureTsMigration(file: string, engine: Engine): Promise<CapturedTs> {
  let mod: Record<string, any>;
  try {
    mod = await importTs(file); // the one TS loader: kysely and eventdb resolve wherever the file lives
  } catch (e) {
    throw new EventdbError('MIGRATION_IMPORT', `cannot load ${file}: ${messageOf(e)}`, 'fix the module so that it imports without error');
  }
  const src = typeof mod.up === 'function' ? mod : (mod.default ?? {});
  let up = src.up as ((db: Kysely<any>, ctx: unknown) => Promise<void>) | undefined;
  let down = src.down as typeof up;
  const meta = src.meta ?? mod.meta;
  if (typeof src === 'function') {
    // The BaseMigration class shape: async up()/down() running SQL through this.executeSQL(sql).
    const inst = new (src as new () => Record<string, any>)();
    const bind = (fn: unknown) => (typeof fn === 'function' ? (db: Kysely<any>) => { inst.db = db; inst.executeSQL = (text: string) => record(text); return (fn as () => Promise<void>).call(inst); } : undefined);
    up = bind(inst.up);
    down = bind(inst.down);
  }
  if (typeof up !== 'function') throw new EventdbError('BAD_MIGRATION', `${file} exports no up() function`, 'export `async function up(db)` (and `down(db)`)');
  let sink: string[] = [];
  const record = async (text: string) => {
    sink.push(text);
  };
  const compiler = await engineEntry(engine).loadCompiler(); // the engine's SQL, no driver
  const db = new Kysely<any>({
    dialect: {
      createAdapter: () => compiler.createAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => compiler.createIntrospector(k),
      createQueryCompiler: () => compiler.createQueryCompiler(),
    },
    log: (ev) => {
      if (ev.level === 'query') sink.push(inline(ev.query.sql, ev.query.parameters));
    },
  });
  const ctx = { executeSQL: record };
  const run = async (fn: (db: Kysely<any>, ctx: unknown) => Promise<void>) => {
    sink = [];
    try {
      await fn(db, ctx);
    } catch (e) {
      throw new EventdbError('MIGRATION_CAPTURE', `${file}: cannot compile without a database: ${messageOf(e)}`, 'lint it against a database (--url) or run `eventdb migrate up --dry-run`');
    }
    return sink;
  };
  const upSql = await run(up);
  const downSql = typeof down === 'function' ? await run(down) : undefined;
  return { up: upSql, down: downSql, meta, transactional: (meta as { transaction?: boolean } | undefined)?.transaction !== false };
}

/** Parameters inlined as literals so the parser sees complete statements. */
function inline(text: string, params: readonly unknown[]): string {
  if (!params.length) return text;
  const lit = (v: unknown) => (v === null || v === undefined ? 'NULL' : typeof v === 'number' || typeof v === 'bigint' ? String(v) : typeof v === 'boolean' ? (v ? 'TRUE' : 'FALSE') : `'${String(v).replace(/'/g, "''")}'`);
  let next = 0;
  return text.replace(/\$(\d+)|\?/g, (_m, n: string | undefined) => lit(n ? params[Number(n) - 1] : params[next++]));
}
