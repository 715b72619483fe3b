import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseMigration, loadParsers, readSqlMigration, SchemaMemory } from '../../src/risk/index.js';
import { createPgDatabase } from '../helpers/engines.js';

/*
 * lemmy's 2023-10-24-030352_change_primary_keys_and_remove_some_id_columns (down) adds
 * `id serial PRIMARY KEY CONSTRAINT … NOT NULL` to tables with rows. lint said add-not-null-without-default
 * ("fails when the table has rows"), but a serial column's default (nextval) numbers the existing rows.
 * Real PostgreSQL is the judge: does the ALTER succeed on a table with rows?
 */
const SCHEMA = 'CREATE TABLE person_ban (person_id integer NOT NULL);';
const CASES: Array<[sql: string, fails: boolean]> = [
  ['ALTER TABLE person_ban ADD COLUMN id serial PRIMARY KEY CONSTRAINT person_ban_id_not_null NOT NULL;', false],
  ['ALTER TABLE person_ban ADD COLUMN id bigserial NOT NULL;', false],
  ['ALTER TABLE person_ban ADD COLUMN id integer NOT NULL;', true],
];

describe('risk [postgres]: ADD COLUMN … NOT NULL without a default fails exactly when PostgreSQL refuses it', () => {
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  beforeAll(async () => {
    await loadParsers(['postgres']);
    db = await createPgDatabase('eventdb_add_serial');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('add-not-null-without-default only where the ALTER fails on a table with rows', async () => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      for (const [sql, fails] of CASES) {
        await c.query('BEGIN');
        let error: string | undefined;
        try {
          await c.query(SCHEMA);
          await c.query('INSERT INTO person_ban SELECT g FROM generate_series(1, 50) g');
          await c.query(sql).catch((e: Error) => (error = e.message));
        } finally {
          await c.query('ROLLBACK');
        }
        expect(error !== undefined, `PostgreSQL: ${sql} (${error})`).toBe(fails);
        if (fails) expect(error).toMatch(/contains null values/);
        const memory = new SchemaMemory();
        analyseMigration(readSqlMigration('0001_schema', SCHEMA, 'schema.sql'), { engine: 'postgres' }, { memory });
        const findings = analyseMigration(readSqlMigration('0002_add', sql, 'add.sql'), { engine: 'postgres' }, { memory }).findings;
        const found = findings.filter((f) => f.rule === 'add-not-null-without-default');
        expect(found.length, `lint: ${sql}`).toBe(fails ? 1 : 0);
        if (fails) expect(found[0]!.message).toMatch(/^adding NOT NULL column "id" without a default fails when "person_ban" has rows/);
      }
    } finally {
      await c.end();
    }
  });
});
