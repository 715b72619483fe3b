import { EventdbError } from '../../src/errors.js';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Connection } from '../../src/dialects/types.js';
import { openDatabase } from '../../src/index.js';
import type { EngineFixture } from '../helpers/engines.js';

/** Writes a migrations folder under `root` from name → text; returns its path. */
export function writeMigrations(root: string, files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, 'mig-'));
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export const sqlMig = (up: string, down?: string, header = '') => `${header}-- eventdb:up\n${up}\n${down === undefined ? '' : `-- eventdb:down\n${down}\n`}`;

/** User tables (history tables excluded), sorted. */
export async function userTables(db: Kysely<any>, engine: string): Promise<string[]> {
  const q =
    engine === 'sqlite'
      ? sql<{ n: string }>`select name as n from sqlite_master where type = 'table' and name not like 'sqlite_%'`
      : sql<{ n: string }>`select table_name as n from information_schema.tables where table_schema = ${engine === 'postgres' ? 'public' : 'main'}`;
  return (await q.execute(db)).rows.map((r) => String(r.n)).filter((n) => !n.startsWith('eventdb_')).sort();
}

export async function historyIds(db: Kysely<any>): Promise<string[]> {
  try {
    return (await db.selectFrom('eventdb_migrations').select('id').orderBy('id').execute()).map((r) => String(r.id));
  } catch {
    return [];
  }
}

/** The EventdbError a promise rejects with (anything else fails the test). */
export async function fail(p: Promise<unknown>): Promise<EventdbError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof EventdbError) return e;
    throw e;
  }
  throw new Error('expected an EventdbError');
}

/**
 * Opens the fixture's current database with `files` written as its migrations folder; the connection
 * is pushed on `open` for the test file's afterEach to close.
 */
export async function openWithMigrations(fx: Pick<EngineFixture, 'dir' | 'config'>, files: Record<string, string>, open: Connection[]) {
  const dir = writeMigrations(fx.dir(), files);
  const config = { ...(await fx.config()), migrationsDir: dir };
  const conn = await openDatabase(config);
  open.push(conn);
  return { conn, config, dir };
}
