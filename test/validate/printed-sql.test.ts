/**
 * Every SQL statement validate and auto-fix print for a person to run runs as printed (issue 19,
 * item 7): names that need quoting — mixed case on PostgreSQL (`Account`, `userId`), spaces
 * (`Order Details`), keywords (`order`, `select`, `group`) — are quoted. The test reads the SQL from
 * the CLI's own text output and executes it against the real database, which then validates clean.
 */
import { join } from 'node:path';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import type { ExpectedSchema } from '../../src/schema/model.js';
import { runCli } from '../helpers/cli.js';
import { describeEngines } from '../helpers/engines.js';
import { exec, writeSchemaDir } from './fixture.js';

const id = { postgres: 'bigint', sqlite: 'integer', duckdb: 'bigint' };

function awkwardSchema(): ExpectedSchema {
  return {
    formatVersion: 1,
    tables: [
      {
        name: 'order',
        required: true,
        columns: [
          { name: 'id', family: 'integer', nullable: false, type: id },
          { name: 'select', family: 'text', nullable: true, type: 'text' },
        ],
        primaryKey: ['id'],
      },
      {
        name: 'Account',
        required: true,
        columns: [
          { name: 'id', family: 'integer', nullable: false, type: id },
          { name: 'userId', family: 'integer', nullable: true, type: id },
          { name: 'Email', family: 'text', nullable: false, type: 'text', collate: { postgres: 'C', sqlite: 'nocase' } },
          { name: 'displayName', family: 'text', nullable: true, type: 'text' },
        ],
        primaryKey: ['id'],
        indexes: [{ name: 'Account_userId_idx', columns: ['userId'] }],
        foreignKeys: [{ columns: ['userId'], references: { table: 'order', columns: ['id'] } }],
      },
      {
        name: 'Order Details',
        required: true,
        columns: [
          { name: 'Order ID', family: 'integer', nullable: false, type: id },
          { name: 'Product ID', family: 'integer', nullable: false, type: id },
          { name: 'group', family: 'text', nullable: true, type: 'text', default: "'none'" },
        ],
        primaryKey: ['Order ID', 'Product ID'],
        indexes: [{ name: 'Order Details_Product ID_idx', columns: ['Product ID'] }],
        foreignKeys: [{ columns: ['Order ID'], references: { table: 'order', columns: ['id'] }, onDelete: 'CASCADE' }],
      },
    ],
    rules: [],
  };
}

/** The SQL lines of the auto-fix plan as printed: the safe fixes and the migrations to review, not the refused alternatives; comments left out. */
function printedSql(stdout: string): string[] {
  const out: string[] = [];
  let take = false;
  for (const line of stdout.split('\n')) {
    if (/^ {2}\S/.test(line)) take = !/refused:/.test(line);
    else if (/^ {8}\S/.test(line) && take && !line.trim().startsWith('--') && line.trim() !== 'safe alternative:') out.push(line.trim().replace(/;$/, ''));
  }
  return out;
}

describeEngines(
  'validate and auto-fix print SQL that runs as printed',
  (fx) => {
    it('mixed case, spaces and keywords: the printed plan and migration SQL run, and the database then validates clean', async () => {
      const schemaDir = writeSchemaDir(join(fx.dir(), `p${Date.now()}`), awkwardSchema());
      const env = { EVENTDB_SCHEMA_DIR: schemaDir, EVENTDB_MIGRATIONS_DIR: join(fx.dir(), 'no-migrations'), EVENTDB_DATABASE_URL: fx.url() };
      const config = await fx.config();
      let conn = await openDatabase(config);
      try {
        await exec(conn, [`create table "order" (id ${id[fx.engine]} primary key, "select" text)`, `create table "Account" (id ${id[fx.engine]} primary key, "userId" ${id[fx.engine]}, "Email" text not null)`, `insert into "Account" (id, "Email") values (1, 'a@example.com')`]);
        if (fx.engine === 'sqlite') {
          // what makes a naive SQLite rebuild of "Account" fail or lose data: a child table with ON DELETE CASCADE and rows,
          // a trigger elsewhere and a view that name the table
          await exec(conn, [
            'create table sessions (id integer primary key, account_id integer references "Account" (id) on delete cascade)',
            'insert into sessions values (1, 1)',
            'create trigger sessions_touch after insert on sessions begin update "Account" set "Email" = "Email" where id = new.account_id; end',
            'create view "Account emails" as select "Email" from "Account"',
          ]);
        }
      } finally {
        await conn.close();
      }
      const before = await runCli(['validate', '--json', '--no-drift'], { env });
      expect(before.code).toBe(1);
      const kinds = before.json().findings.filter((f: any) => f.level === 'error').map((f: any) => `${f.kind}:${f.object}`).sort();
      expect(kinds).toEqual(
        [
          'missing-column:column Account.displayName',
          'missing-foreign-key:foreign key Account(userId) → order',
          'missing-index:index Account_userId_idx',
          'missing-table:table Order Details',
          ...(fx.engine === 'duckdb' ? [] : ['collation-mismatch:column Account.Email']),
        ].sort(),
      );

      const plan = await runCli(['auto-fix'], { env: { ...env, NO_COLOR: '1' } });
      expect(plan.code).toBe(0);
      const statements = printedSql(plan.stdout);
      expect(statements.some((s) => s.includes('"Order Details"') && s.includes('"Product ID"'))).toBe(true);
      expect(statements.some((s) => /create index "Account_userId_idx" on "Account" \("userId"\)/i.test(s))).toBe(true);
      conn = await openDatabase(config);
      try {
        for (const s of statements) await sql.raw(s).execute(conn.db);
      } finally {
        await conn.close();
      }
      if (fx.engine === 'sqlite') {
        conn = await openDatabase(config);
        try {
          expect((await sql<{ n: number }>`select count(*) as n from sessions`.execute(conn.db)).rows[0]!.n).toBe(1);
          expect((await sql<{ Email: string }>`select * from "Account emails"`.execute(conn.db)).rows).toEqual([{ Email: 'a@example.com' }]);
          expect((await sql`pragma foreign_keys`.execute(conn.db)).rows).toEqual([{ foreign_keys: 1 }]);
        } finally {
          await conn.close();
        }
      }
      const after = await runCli(['validate', '--json', '--no-drift'], { env });
      expect(after.json().findings.filter((f: any) => f.level === 'error' || f.level === 'warning')).toEqual([]);
      expect(after.code).toBe(0);
    });
  },
  ['postgres', 'sqlite', 'duckdb'],
);
