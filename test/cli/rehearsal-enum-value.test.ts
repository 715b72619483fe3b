import { expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import { describeEngines } from '../helpers/engines.js';
import { runCli } from '../helpers/cli.js';
import { historyIds, userTables, writeMigrations } from '../migrations/helpers.js';

/*
 * Prisma-style history: one migration adds an enum value (ALTER TYPE … ADD VALUE), a later one uses it.
 * `migrate up` commits each migration, so PostgreSQL accepts it; the dry-run rehearsal runs the whole
 * plan in one transaction, where PostgreSQL refuses the new value (55P04, "unsafe use of new value").
 * The dry run said "would fail" (exit 1) for a plan that applies (found in the input sweep).
 */
const up = (sql: string) => `-- eventdb:up\n${sql}\n`;
const HISTORY = {
  '001_init.sql': up(`CREATE TYPE "Role" AS ENUM ('USER');\nCREATE TABLE "User" (id integer PRIMARY KEY, role "Role" NOT NULL DEFAULT 'USER');\nINSERT INTO "User" (id) VALUES (1);`),
  '002_add_admin.sql': up(`ALTER TYPE "Role" ADD VALUE 'ADMIN';`),
  '003_use_admin.sql': up(`UPDATE "User" SET role = 'ADMIN' WHERE id = 1;\nALTER TABLE "User" ALTER COLUMN role SET DEFAULT 'ADMIN';`),
  '004_after.sql': up(`CREATE TABLE "Team" (id integer PRIMARY KEY);`),
};

async function state(url: string) {
  const conn = await openDatabase({ flags: { url }, env: {} });
  try {
    return { tables: await userTables(conn.db, 'postgres'), history: await historyIds(conn.db) };
  } finally {
    await conn.close();
  }
}

describeEngines(
  'migrate up --dry-run: an enum value added by an earlier migration of the plan',
  (fx) => {
    it('the rehearsal stops before the migration that uses it (exit 0, says why), and migrate up applies the plan', async () => {
      const dir = writeMigrations(fx.dir(), HISTORY);
      const args = ['--url', fx.url(), '--migrations', dir];
      const dry = await runCli(['migrate', 'up', '--dry-run', ...args, '--json']);
      expect(dry.code, dry.stderr).toBe(0);
      const r = dry.json().rehearsal;
      expect(r).toMatchObject({ ran: true, ok: true, rehearsed: ['001_init', '002_add_admin'], stoppedBefore: '003_use_admin' });
      expect(r.stopReason).toMatch(/^it uses the value "ADMIN" of enum type "Role" that an earlier migration of this plan adds/);
      expect(await state(fx.url())).toEqual({ tables: [], history: [] });
      const text = await runCli(['migrate', 'up', '--dry-run', ...args]);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/rehearsal: ran 2 migrations in a transaction and rolled back — they would succeed; stopped before 003_use_admin: it uses the value "ADMIN"/);
      const real = await runCli(['migrate', 'up', ...args, '--json']);
      expect(real.code, real.stderr).toBe(0);
      expect(real.json().applied.map((m: { id: string }) => m.id)).toEqual(['001_init', '002_add_admin', '003_use_admin', '004_after']);
    });

    it('a migration that adds the value and uses it itself fails in the rehearsal as it fails for real: exit 1, nothing changed', async () => {
      const dir = writeMigrations(fx.dir(), {
        '001_init.sql': HISTORY['001_init.sql'],
        '002_add_and_use.sql': up(`ALTER TYPE "Role" ADD VALUE 'ADMIN';\nUPDATE "User" SET role = 'ADMIN' WHERE id = 1;`),
      });
      const args = ['--url', fx.url(), '--migrations', dir];
      const dry = await runCli(['migrate', 'up', '--dry-run', ...args, '--json']);
      expect(dry.code).toBe(1);
      const r = dry.json().rehearsal;
      expect(r).toMatchObject({ ran: true, ok: false, rehearsed: ['001_init'] });
      expect(r.stoppedBefore).toBeUndefined();
      expect(r.error).toMatchObject({ id: '002_add_and_use', message: 'unsafe use of new value "ADMIN" of enum type "Role"' });
      expect(await state(fx.url())).toEqual({ tables: [], history: [] });
      const real = await runCli(['migrate', 'up', ...args, '--json']);
      expect(real.code).not.toBe(0);
      expect(real.json().error.message).toMatch(/unsafe use of new value "ADMIN" of enum type "Role"/);
      expect((await state(fx.url())).history).toEqual(['001_init']);
    });
  },
  // PGlite accepts a new enum value in the transaction that adds it: nothing to stop for there.
  ['postgres'],
);

/*
 * PostgreSQL quotes the type in that message only when it must: `of enum type vis` (lemmy's
 * `community_visibility`, found on its full history). The stop matched only `"Role"`, so the dry run of a
 * plan that applies said "would fail" (exit 1) — on PGlite too, for a value used in an index predicate.
 */
describeEngines(
  'migrate up --dry-run: an enum value added earlier, of a type named without quotes',
  (fx) => {
    it('the rehearsal stops before the migration that uses it; one that stops before the first says nothing was rehearsed', async () => {
      const files = {
        '001_a.sql': up(`CREATE TYPE vis AS ENUM ('Public');\nCREATE TABLE c (id int PRIMARY KEY, v vis NOT NULL DEFAULT 'Public');`),
        '002_b.sql': up(`ALTER TYPE vis ADD VALUE 'Private';`),
        '003_c.sql': up(`CREATE INDEX c_priv ON c (id) WHERE v = 'Private';\nINSERT INTO c VALUES (1, 'Private');`),
      };
      const dir = writeMigrations(fx.dir(), files);
      const dry = await runCli(['migrate', 'up', '--dry-run', '--url', fx.url(), '--migrations', dir, '--json']);
      expect(dry.code, dry.stdout + dry.stderr).toBe(0);
      const r = dry.json().rehearsal;
      expect(r).toMatchObject({ ran: true, ok: true, rehearsed: ['001_a', '002_b'], stoppedBefore: '003_c' });
      expect(r.stopReason).toMatch(/^it uses the value "Private" of enum type "vis" that an earlier migration of this plan adds/);
      expect(await state(fx.url())).toEqual({ tables: [], history: [] });

      // The same history with 002_b outside a transaction, 001_a applied: the plan starts with what cannot be rehearsed.
      const noTx = writeMigrations(fx.dir(), { ...files, '002_b.sql': `-- eventdb:no-transaction\n${files['002_b.sql']}` });
      const args = ['--url', fx.url(), '--migrations', noTx];
      expect((await runCli(['migrate', 'up', '--to', '001_a', ...args])).code).toBe(0);
      const first = await runCli(['migrate', 'up', '--dry-run', ...args]);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/\[info\] not rehearsed: stopped before the first migration, 002_b: /);
      expect(first.stdout).not.toMatch(/would succeed/);
      const real = await runCli(['migrate', 'up', ...args, '--json']);
      expect(real.code, real.stderr).toBe(0);
      expect(real.json().applied.map((m: { id: string }) => m.id)).toEqual(['002_b', '003_c']);
    });
  },
  ['postgres', 'pglite'],
);
