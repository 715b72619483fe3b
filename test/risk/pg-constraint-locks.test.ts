import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseMigration, loadParsers, readSqlMigration, SchemaMemory } from '../../src/risk/index.js';
import { createPgDatabase } from '../helpers/engines.js';

/*
 * Compared with eugene's examples (kaaveland/eugene, eugene/examples, MIT): E8 — `ADD CONSTRAINT …
 * EXCLUDE (name WITH =)` on an existing table builds an index and checks every row under ACCESS
 * EXCLUSIVE; lint said nothing. W14 — `ADD CONSTRAINT … PRIMARY KEY USING INDEX` on a nullable column
 * sets it NOT NULL, scanning the table under ACCESS EXCLUSIVE; lint said nothing (and after an explicit
 * SET NOT NULL, which makes that free, eventdb forgot the column was NOT NULL). E7 — ADD CONSTRAINT
 * UNIQUE takes ACCESS EXCLUSIVE (reads wait too), where lint said only writes were blocked. Real
 * PostgreSQL is the judge: the locks the statement holds (pg_locks) and the table scans it made
 * (pg_stat_get_xact_numscans).
 */
const SCHEMA = 'CREATE TABLE authors (id integer, name text);\nCREATE UNIQUE INDEX authors_name_key ON authors (name);';
interface Case {
  before?: string;
  sql: string;
  /** lint: rule and the start of its message, or none. */
  finding?: [rule: string, message: RegExp];
  /** PostgreSQL: the strongest lock on authors, whether the table was scanned. */
  lock: string;
  scans: boolean;
}
const CASES: Case[] = [
  { sql: 'ALTER TABLE authors ADD CONSTRAINT authors_name_excl EXCLUDE (name WITH =);', finding: ['lock-index-build', /^adding EXCLUDE constraint authors_name_excl builds its index and checks every row under an ACCESS EXCLUSIVE lock: reads and writes of "authors" wait/], lock: 'AccessExclusiveLock', scans: true },
  { sql: 'ALTER TABLE authors ADD CONSTRAINT authors_id_key UNIQUE (id);', finding: ['lock-index-build', /^adding a UNIQUE constraint builds its index under an ACCESS EXCLUSIVE lock: reads and writes of "authors" wait/], lock: 'AccessExclusiveLock', scans: true },
  { sql: 'ALTER TABLE authors ADD CONSTRAINT authors_pkey PRIMARY KEY USING INDEX authors_name_key;', finding: ['lock-set-not-null', /^PRIMARY KEY USING INDEX authors_name_key sets "authors"\."name" NOT NULL: it scans every row under an ACCESS EXCLUSIVE lock/], lock: 'AccessExclusiveLock', scans: true },
  { before: 'ALTER TABLE authors ALTER COLUMN name SET NOT NULL;', sql: 'ALTER TABLE authors ADD CONSTRAINT authors_pkey PRIMARY KEY USING INDEX authors_name_key;', lock: 'AccessExclusiveLock', scans: false },
  { before: 'ALTER TABLE authors ALTER COLUMN name SET NOT NULL;', sql: 'ALTER TABLE authors ALTER COLUMN name SET NOT NULL;', lock: 'AccessExclusiveLock', scans: false },
];

describe('risk [postgres]: ADD CONSTRAINT locks and scans as PostgreSQL does', () => {
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  let c: pg.Client;
  beforeAll(async () => {
    await loadParsers(['postgres']);
    db = await createPgDatabase('eventdb_constraint_locks');
    c = new pg.Client({ connectionString: db.url });
    await c.connect();
  });
  afterAll(async () => {
    await c?.end();
    await db?.drop();
  });

  for (const k of CASES) {
    it(`${k.before ? `after ${k.before} ` : ''}${k.sql}`, async () => {
      await c.query('BEGIN');
      try {
        await c.query(SCHEMA);
        await c.query("INSERT INTO authors SELECT g, 'n' || g FROM generate_series(1, 500) g");
        if (k.before) await c.query(k.before);
        const scans = async () => Number((await c.query<{ n: string }>("SELECT pg_stat_get_xact_numscans('authors'::regclass)::text AS n")).rows[0]!.n);
        const was = await scans();
        await c.query(k.sql);
        expect((await scans()) > was, 'PostgreSQL scanned the table').toBe(k.scans);
        const locks = (await c.query<{ mode: string }>("SELECT mode FROM pg_locks WHERE relation = 'authors'::regclass AND pid = pg_backend_pid()")).rows.map((r) => r.mode);
        expect(locks).toContain(k.lock);
      } finally {
        await c.query('ROLLBACK');
      }
      const memory = new SchemaMemory();
      analyseMigration(readSqlMigration('0001_schema', SCHEMA, 'schema.sql'), { engine: 'postgres' }, { memory });
      if (k.before) analyseMigration(readSqlMigration('0002_before', k.before, 'before.sql'), { engine: 'postgres' }, { memory });
      const findings = analyseMigration(readSqlMigration('0003_change', k.sql, 'change.sql'), { engine: 'postgres' }, { memory }).findings;
      if (!k.finding) {
        expect(findings).toEqual([]);
      } else {
        expect(findings.map((f) => [f.rule, f.level])).toEqual([[k.finding[0], 'high']]);
        expect(findings[0]!.message).toMatch(k.finding[1]);
      }
    });
  }
});
