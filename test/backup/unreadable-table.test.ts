import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackup } from '../../src/backup/index.js';
import { resolveConfig } from '../../src/config/index.js';
import { EventdbError } from '../../src/errors.js';
import { createPgDatabase } from '../helpers/engines.js';

/**
 * A role that cannot read one table (found while sweeping third-party schemas): the backup fails with
 * PostgreSQL's reason — not "cannot write <store path> … check the store folder" (the own dump's error
 * taken for the store's), nor pg_dump's "could not import the requested snapshot" (the row count's
 * failure had aborted the exporting transaction) — and stores nothing.
 */
const work = mkdtempSync(join(tmpdir(), 'eventdb-unreadable-'));
const role = `eventdb_reader_${process.pid}`;
let db: Awaited<ReturnType<typeof createPgDatabase>>;
let asRole: string;

async function admin(url: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  db = await createPgDatabase('eventdb_unreadable');
  await admin(db.url, `create table open_rows (id int); insert into open_rows values (1); create table secret (id int); insert into secret values (1);
    create role "${role}" login; grant select on open_rows to "${role}"`);
  const u = new URL(db.url);
  u.username = role;
  u.password = '';
  asRole = u.toString();
});

afterAll(async () => {
  await db?.drop();
  await admin(db.url.replace(/\/[^/]*$/, '/postgres'), `drop role if exists "${role}"`);
  rmSync(work, { recursive: true, force: true });
});

const files = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name) : []);

describe('backup of a database with a table the role cannot read', () => {
  for (const [mode, env, message] of [
    ['own dump', { EVENTDB_PG_DUMP: 'never' }, /^eventdb's dump failed reading table "public"\."secret": permission denied for table secret$/],
    // which of eventdb's count and pg_dump meets the table first is a race: either says why
    ['pg_dump', {}, /^(cannot start the PostgreSQL dump: permission denied for table secret|pg_dump exited with 1: ERROR: {2}permission denied for table secret \(running: LOCK TABLE public\.secret IN ACCESS SHARE MODE\))$/],
  ] as const) {
    it(`${mode}: BACKUP_FAILED with PostgreSQL's reason; nothing stored`, async () => {
      const config = await resolveConfig({ flags: { url: asRole }, env: {}, cwd: work });
      const dir = join(work, `store-${mode.replace(' ', '-')}`);
      const e = await createBackup(config, { store: `file:${dir}`, env: { ...env } }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(EventdbError);
      expect((e as EventdbError).code).toBe('BACKUP_FAILED');
      expect((e as EventdbError).message).toMatch(message);
      expect(files(dir)).toEqual([]);
    }, 30_000);
  }
});
