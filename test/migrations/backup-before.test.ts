import { existsSync, readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import { describeEngines } from '../helpers/engines.js';
import { runCli } from '../helpers/cli.js';
import { historyIds, sqlMig, userTables, writeMigrations } from './helpers.js';

/** Every manifest.json under a file store, parsed. */
function manifests(store: string): Array<{ path: string; json: any }> {
  if (!existsSync(store)) return [];
  const out: Array<{ path: string; json: any }> = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n === 'manifest.json') out.push({ path: p, json: JSON.parse(readFileSync(p, 'utf8')) });
    }
  };
  walk(store);
  return out;
}

async function dbState(url: string, engine: string) {
  const conn = await openDatabase({ flags: { url }, env: {} });
  try {
    const rows = (await userTables(conn.db, engine)).includes('guests') ? Number((await sql<{ n: number }>`select count(*) as n from guests`.execute(conn.db)).rows[0]!.n) : null;
    return { tables: await userTables(conn.db, engine), history: await historyIds(conn.db), guests: rows };
  } finally {
    await conn.close();
  }
}

const FILES = {
  '0001_guests.sql': sqlMig("create table guests (id integer primary key, name text);\ninsert into guests values (1, 'ada'), (2, 'bo');", 'drop table guests;'),
  '0002_notes.sql': sqlMig('create table notes (id integer primary key);', 'drop table notes;'),
};
const RISKY = { '0003_drop_guests.sql': sqlMig('drop table guests;') };

describeEngines(
  'migrate up --backup-before',
  (fx) => {
    const cli = (args: string[], dir: string, store: string) => runCli(['migrate', 'up', '--url', fx.url(), '--migrations', dir, '--backup-before', '--store', store.includes(':') ? store : `file:${store}`, ...args], { cwd: fx.dir() });

    it('takes a snapshot (manifest written) before a high-risk plan, then applies it', async () => {
      const dir = writeMigrations(fx.dir(), FILES);
      const store = join(dir, '..', `store-${Date.now()}`);
      // A plan with nothing high or critical: no snapshot.
      const first = await cli(['--json'], dir, store);
      expect(first.code, first.stderr).toBe(0);
      const j1 = first.json();
      expect(Object.keys(j1)[0]).toBe('ok');
      expect(j1.backup).toMatchObject({ taken: false, risky: [] });
      expect(j1.applied.map((s: { id: string }) => s.id)).toEqual(['0001_guests', '0002_notes']);
      expect(manifests(store)).toHaveLength(0);

      writeFileSync(join(dir, '0003_drop_guests.sql'), RISKY['0003_drop_guests.sql']);
      const r = await cli(['--json'], dir, store);
      expect(r.code, r.stderr).toBe(0);
      const j = r.json();
      expect(j.backup).toMatchObject({ taken: true, risky: ['0003_drop_guests'] });
      expect(j.applied.map((s: { id: string }) => s.id)).toEqual(['0003_drop_guests']);
      const ms = manifests(store);
      expect(ms).toHaveLength(1);
      const m = ms[0]!.json;
      expect(m.id).toBe(j.backup.snapshot.id);
      expect(m.tag).toBe('before-migrate');
      expect(m.database.engine).toBe(fx.engine);
      // The snapshot is of the database before the risky migration: its head is 0002 and the table it drops is in it, with its rows.
      expect(m.migrations.head).toBe('0002_notes');
      expect(m.tables.guests ?? m.tables['public.guests']).toBe(2);
      for (const o of m.objects) expect(existsSync(join(ms[0]!.path, '..', o.name))).toBe(true);
      // …and the migration ran after it.
      const after = await dbState(fx.url(), fx.engine);
      expect(after.tables).toEqual(['notes']);
      expect(after.history).toEqual(['0001_guests', '0002_notes', '0003_drop_guests']);
      expect(new Date(m.completedAt).getTime()).toBeLessThanOrEqual(Date.now());
    });

    it('a failed snapshot fails the whole up: exit non-zero, one-line error, nothing applied', async () => {
      const dir = writeMigrations(fx.dir(), { ...FILES, ...RISKY });
      // SQLite, DuckDB: the store is a regular file, so the snapshot cannot be written under it.
      // PostgreSQL: a store URL the backup refuses before it starts — a store write failing mid-dump
      // currently crashes the process from inside the backup module (an unhandled stream error; reported).
      const store = join(dir, '..', `not-a-folder-${Date.now()}`);
      writeFileSync(store, 'x');
      const storeUrl = fx.engine === 'postgres' ? 'ftp://nowhere/backups' : `file:${store}`;
      const up = await runCli(['migrate', 'up', '--url', fx.url(), '--migrations', dir, '--step', '2'], { cwd: fx.dir() });
      expect(up.code, up.stderr).toBe(0);
      const before = await dbState(fx.url(), fx.engine);
      const r = await cli([], dir, storeUrl);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/^error: the snapshot before migrating failed, so nothing was applied: .+$/m);
      expect(r.stderr).toMatch(/^hint: /m);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      const j = (await cli(['--json'], dir, storeUrl)).json();
      expect(j.ok).toBe(false);
      expect(j.error.code).toBe('BACKUP_BEFORE_FAILED');
      expect(await dbState(fx.url(), fx.engine)).toEqual(before);
      expect(before.guests).toBe(2);
    });

    it('--dry-run says a snapshot would be taken and takes none', async () => {
      const dir = writeMigrations(fx.dir(), { ...FILES, ...RISKY });
      const store = join(dir, '..', `store-dry-${Date.now()}`);
      // Applied first: dropping a table the same plan creates is not risky, dropping one with rows is.
      expect((await runCli(['migrate', 'up', '--url', fx.url(), '--migrations', dir, '--step', '2'], { cwd: fx.dir() })).code).toBe(0);
      const r = await cli(['--dry-run', '--json'], dir, store);
      expect(r.code, r.stderr).toBe(0);
      const j = r.json();
      expect(j.backup).toMatchObject({ taken: false, wouldTake: true, risky: ['0003_drop_guests'] });
      expect(manifests(store)).toHaveLength(0);
      expect((await dbState(fx.url(), fx.engine)).history).toEqual(['0001_guests', '0002_notes']);
    });
  },
  ['postgres', 'sqlite', 'duckdb'],
);
