import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createPgDatabase } from '../helpers/engines.js';

/*
 * vaultwarden's sqlite migration 2018-04-27-155151_create_users_ciphers rebuilds "ciphers" in the older
 * order: `ALTER TABLE ciphers RENAME TO oldCiphers`, a new "ciphers", INSERT … SELECT, `DROP TABLE
 * oldCiphers`. With a database (the migrate up gate) the sizes were looked up under the new name, which
 * the statistics do not know: "oldCiphers" counted as empty, and the rebuild of a 20,000-row table got
 * no finding at all; the message named the wrong copy ("copied into folders_ciphers … renamed back").
 * On PostgreSQL `RENAME TO x_old; DROP TABLE x_old` lost every row at level low.
 */
const ROWS = 20_000; // above SMALL_ROWS: a medium table
let dir: string;
let pgDb: Awaited<ReturnType<typeof createPgDatabase>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eventdb-renamed-size-'));
  pgDb = await createPgDatabase('eventdb_renamed_size');
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await pgDb?.drop();
});

function migrations(name: string, files: Record<string, string>): string {
  const d = join(dir, name);
  mkdirSync(d);
  for (const [f, sql] of Object.entries(files)) writeFileSync(join(d, f), sql);
  return d;
}

const BASE = '-- eventdb:up\nCREATE TABLE ciphers (uuid TEXT NOT NULL PRIMARY KEY, folder_uuid TEXT, name TEXT NOT NULL);\n';

async function dryRun(url: string, migrationsDir: string) {
  const r = await runCli(['migrate', 'up', '--dry-run', '--json'], { env: { EVENTDB_DATABASE_URL: url, EVENTDB_MIGRATIONS_DIR: migrationsDir } });
  const out = r.json<{ plan: Array<{ id: string; findings: Array<{ rule: string; level: string; message: string }> }> }>();
  return { code: r.code, findings: out.plan.flatMap((p) => p.findings.map((f) => ({ rule: f.rule, level: f.level, message: f.message }))) };
}

describe('a renamed table keeps its size', () => {
  it('[sqlite] vaultwarden\'s rename-aside rebuild of a 20,000-row table is a medium rewrite-sqlite-rebuild naming "ciphers"', async () => {
    const file = join(dir, 'vw.sqlite');
    const m = migrations('sqlite', {
      '0001_base.sql': BASE,
      '0002_rebuild.sql': [
        '-- eventdb:up',
        'ALTER TABLE ciphers RENAME TO oldCiphers;',
        'CREATE TABLE ciphers (uuid TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL);',
        'CREATE TABLE folders_ciphers (cipher_uuid TEXT NOT NULL REFERENCES ciphers (uuid), folder_uuid TEXT NOT NULL, PRIMARY KEY (cipher_uuid, folder_uuid));',
        'INSERT INTO ciphers (uuid, name) SELECT uuid, name FROM oldCiphers;',
        'INSERT INTO folders_ciphers (cipher_uuid, folder_uuid) SELECT uuid, folder_uuid FROM oldCiphers WHERE folder_uuid IS NOT NULL;',
        'DROP TABLE oldCiphers;',
        '',
      ].join('\n'),
    });
    expect((await runCli(['migrate', 'up', '--to', '0001_base'], { env: { EVENTDB_DATABASE_URL: file, EVENTDB_MIGRATIONS_DIR: m } })).code).toBe(0);
    const db = new Database(file);
    db.prepare(`WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < ${ROWS}) INSERT INTO ciphers SELECT 'u' || i, 'f' || i, 'n' FROM g`).run();
    db.close();
    const r = await dryRun(file, m);
    expect(r.code).toBe(0);
    expect(r.findings.filter((f) => f.rule === 'rewrite-sqlite-rebuild')).toEqual([{ rule: 'rewrite-sqlite-rebuild', level: 'medium', message: `"ciphers" is rebuilt (renamed to "oldCiphers", copied into a new "ciphers", dropped): every row is rewritten while the database is write-locked ("oldCiphers" has ~${ROWS.toLocaleString('en-US')} rows)` }]);
    // A dry run changes nothing: the old table and its rows are still there.
    const after = new Database(file, { readonly: true });
    expect(after.prepare('SELECT count(*) AS n FROM ciphers').get()).toEqual({ n: ROWS });
    after.close();
  });

  it('[postgres] RENAME TO x_old then DROP TABLE x_old of a 20,000-row table is a critical loss-drop-table', async () => {
    const m = migrations('postgres', {
      '0001_base.sql': BASE,
      '0002_retire.sql': '-- eventdb:up\nALTER TABLE ciphers RENAME TO ciphers_old;\nDROP TABLE ciphers_old;\n',
    });
    expect((await runCli(['migrate', 'up', '--to', '0001_base'], { env: { EVENTDB_DATABASE_URL: pgDb.url, EVENTDB_MIGRATIONS_DIR: m } })).code).toBe(0);
    const c = new pg.Client({ connectionString: pgDb.url });
    await c.connect();
    try {
      await c.query(`INSERT INTO ciphers SELECT 'u' || g, 'f' || g, 'n' FROM generate_series(1, ${ROWS}) g`);
      await c.query('ANALYZE ciphers');
      const r = await dryRun(pgDb.url, m);
      expect(r.code).toBe(0);
      expect(r.findings.filter((f) => f.rule === 'loss-drop-table')).toEqual([{ rule: 'loss-drop-table', level: 'critical', message: expect.stringContaining(`"ciphers_old" has ~${ROWS.toLocaleString('en-US')} rows`) }]);
      expect((await c.query('SELECT count(*)::int AS n FROM ciphers')).rows[0]).toEqual({ n: ROWS });
    } finally {
      await c.end();
    }
  });
});
