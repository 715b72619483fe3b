import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { migrateDiff, openDatabase } from '../../src/index.js';
import { autoFix } from '../../src/schema/autofix/index.js';
import { loadExpectedSchemaFile } from '../../src/schema/loader.js';
import { pullSchema } from '../../src/schema/pull/index.js';
import { collectFindings } from '../../src/schema/validate.js';
import { describeEngines } from '../helpers/engines.js';

/**
 * A foreign key left NOT VALID on purpose (openstreetmap-website's structure.sql has five, Rails'
 * `validate: false`): `schema pull` declares it `notValid: true`, validate then reports nothing, and
 * auto-fix and migrate diff add such a key NOT VALID without a VALIDATE that its old rows would fail.
 * Declared without it, a NOT VALID key is still an error (a fix or migration stopped before VALIDATE).
 */
describeEngines(
  'foreign keys declared notValid',
  (fx) => {
    const setup = `create table nv_users (id int primary key);
create table nv_grants (id int primary key, user_id int);
insert into nv_users values (1);
insert into nv_grants values (1, 1), (2, 99);
alter table nv_grants add constraint nv_grants_user_id_fkey foreign key (user_id) references nv_users (id) not valid;`;

    it('pull declares it, validate is clean; without notValid it is an error', async () => {
      const conn = await openDatabase(await fx.config());
      try {
        for (const s of setup.split(';\n')) await sql.raw(s).execute(conn.db);
        const dir = join(fx.dir(), 'pulled-nv');
        await pullSchema(conn, { out: join(dir, 'index.ts') });
        const text = readFileSync(join(dir, 'index.ts'), 'utf8');
        expect(text).toContain("foreignKey('user_id', 'nv_users', 'id', { notValid: true })");
        const problems = async () => (await collectFindings(conn, await fx.config(), { expected: await loadExpectedSchemaFile(join(dir, 'index.ts')), migrations: false, drift: false })).items.map((i) => i.finding).filter((f) => f.level !== 'ok' && f.check === 'schema').map((f) => `${f.level} ${f.kind}`);
        expect(await problems()).toEqual([]);
        writeFileSync(join(dir, 'index.ts'), text.replace(', { notValid: true }', ''));
        expect(await problems()).toEqual(['error foreign-key-not-valid']);
      } finally {
        await sql.raw('drop table if exists nv_grants, nv_users').execute(conn.db);
        await conn.close();
      }
    });

    it('auto-fix adds a missing notValid key NOT VALID only (its orphan row stays); migrate diff writes no VALIDATE', async () => {
      const conn = await openDatabase(await fx.config());
      const dir = join(fx.dir(), 'declared-nv');
      mkdirSync(dir, { recursive: true });
      try {
        for (const s of setup.split(';\n')) await sql.raw(s).execute(conn.db);
        await pullSchema(conn, { out: join(dir, 'index.ts') });
        await sql`alter table nv_grants drop constraint nv_grants_user_id_fkey`.execute(conn.db);
        const config = { ...(await fx.config()), schemaDir: dir, migrationsDir: join(fx.dir(), 'no-migrations') };
        const plan = await autoFix(conn, config, { drift: false, migrations: false });
        const fix = plan.fixes.find((f) => f.kind === 'missing-foreign-key')!;
        expect(fix.sql).toEqual(['alter table "nv_grants" add constraint "nv_grants_user_id_fkey" foreign key ("user_id") references "nv_users" ("id") not valid']);
        const applied = await autoFix(conn, config, { drift: false, migrations: false, apply: true });
        expect(applied.counts).toMatchObject({ applied: 1, failed: 0 });
        const live = (await conn.introspect()).foreignKeys.find((f) => f.table === 'nv_grants');
        expect(live).toMatchObject({ name: 'nv_grants_user_id_fkey', validated: false });
        expect((await sql<{ n: string }>`select count(*)::text as n from nv_grants`.execute(conn.db)).rows[0]!.n).toBe('2');

        // The existing migrations make both tables without the key: the diff adds it.
        const migrations = join(fx.dir(), 'nv-migrations');
        mkdirSync(migrations, { recursive: true });
        writeFileSync(join(migrations, '0001_tables.sql'), '-- eventdb:up\ncreate table nv_users (id int primary key);\ncreate table nv_grants (id int primary key, user_id int);\n-- eventdb:down\ndrop table nv_grants;\ndrop table nv_users;\n');
        const diff = await migrateDiff({ ...config, migrationsDir: migrations }, { name: 'nv', check: true, engines: ['postgres'] });
        const up = diff.files.map((f) => f.up).join('\n');
        expect(up).toMatch(/add constraint "nv_grants_user_id_fkey" foreign key \("user_id"\) references "nv_users" \("id"\) not valid/i);
        expect(up).not.toMatch(/validate constraint/i);
      } finally {
        await sql.raw('drop table if exists nv_grants, nv_users').execute(conn.db);
        await conn.close();
      }
    });
  },
  ['postgres', 'pglite'],
);
