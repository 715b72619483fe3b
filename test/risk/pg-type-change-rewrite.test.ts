import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import { analyseStatements } from '../../src/risk/analyze.js';
import { readGateContext, type GateStep } from '../../src/risk/gate-context.js';
import { analyseMigration, loadParsers, readSqlMigration, SchemaMemory } from '../../src/risk/index.js';
import { createPgDatabase } from '../helpers/engines.js';

/*
 * lemmy's 2023-08-02-174444_fix-timezones migration runs `SET timezone = 'UTC'` and then changes ~60
 * columns from timestamp to timestamptz (`ALTER COLUMN published TYPE timestamptz USING published`),
 * relying on PostgreSQL 12+: in a session whose time zone has a fixed offset of zero the change is
 * binary-compatible, no rewrite. lint called every one a critical rewrite. And the other way round:
 * varchar → text is free, but not `USING v || ''` — a USING expression computes every value anew, and
 * lint called that safe. Real PostgreSQL is the judge: the table's relfilenode, in a session whose own
 * time zone is not UTC (as a server's default may be).
 */
const SCHEMA = 'CREATE TABLE post (id serial PRIMARY KEY, published timestamp NOT NULL DEFAULT now(), title varchar(10) NOT NULL DEFAULT \'t\');';
const CASES: Array<[sql: string, rewrite: boolean]> = [
  ["SET timezone = 'UTC';\nALTER TABLE post ALTER COLUMN published TYPE timestamptz USING published;", false], // lemmy's shape
  ['ALTER TABLE post ALTER COLUMN published TYPE timestamptz;', true], // the session's zone (Europe/Paris)
  ["SET LOCAL TIME ZONE 'Etc/UTC';\nALTER TABLE post ALTER COLUMN published TYPE timestamptz(6);", false],
  ['SET TIME ZONE 0;\nALTER TABLE post ALTER COLUMN published TYPE timestamptz;', false],
  ["SET timezone = 'UTC';\nRESET timezone;\nALTER TABLE post ALTER COLUMN published TYPE timestamptz;", true], // back to Paris
  ["SET timezone = 'UTC';\nALTER TABLE post ALTER COLUMN published TYPE timestamptz(3);", true], // precision cut
  ["SET timezone = 'UTC';\nALTER TABLE post ALTER COLUMN published TYPE timestamptz USING published AT TIME ZONE 'UTC';", true],
  ["ALTER TABLE post ALTER COLUMN title TYPE text USING title || '';", true], // widening, but computed anew
  ['ALTER TABLE post ALTER COLUMN title TYPE text USING title::text;', false],
  ['ALTER TABLE post ALTER COLUMN title TYPE varchar(20);', false],
];

describe('risk [postgres]: a column type change rewrites exactly when PostgreSQL does', () => {
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  beforeAll(async () => {
    await loadParsers(['postgres']);
    db = await createPgDatabase('eventdb_type_rewrite');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('rewrite-column-type is reported exactly when the table gets a new relfilenode', async () => {
    const c = new pg.Client({ connectionString: db.url, options: '-c TimeZone=Europe/Paris' });
    await c.connect();
    try {
      for (const [sql, rewrite] of CASES) {
        await c.query('BEGIN');
        try {
          await c.query(SCHEMA);
          await c.query('INSERT INTO post (id) SELECT g FROM generate_series(1, 100) g');
          const node = async () => (await c.query<{ n: string }>("SELECT relfilenode::text AS n FROM pg_class WHERE oid = 'post'::regclass")).rows[0]!.n;
          const was = await node();
          await c.query(sql);
          expect((await node()) !== was, `PostgreSQL: ${sql}`).toBe(rewrite);
        } finally {
          await c.query('ROLLBACK');
        }
        const memory = new SchemaMemory();
        analyseMigration(readSqlMigration('0001_schema', SCHEMA, 'schema.sql'), { engine: 'postgres' }, { memory });
        const findings = analyseMigration(readSqlMigration('0002_change', sql, 'change.sql'), { engine: 'postgres' }, { memory }).findings;
        const found = findings.filter((f) => f.rule === 'rewrite-column-type');
        expect(found.length, `lint: ${sql}`).toBe(rewrite ? 1 : 0);
        if (rewrite) expect(found[0]!.message).toMatch(/^changing the type of "post"\."(published|title)" rewrites the table and its indexes under an ACCESS EXCLUSIVE lock/);
      }
    } finally {
      await c.end();
    }
  });

  it("connected, the gate reads the session's own time zone: a database set to UTC makes timestamp → timestamptz free", async () => {
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const name = (await admin.query<{ d: string }>('select current_database() as d')).rows[0]!.d;
    await admin.query(`${SCHEMA} INSERT INTO post (id) SELECT g FROM generate_series(1, 100) g`);
    const plans: string[][] = [['ALTER TABLE post ALTER COLUMN published TYPE timestamptz'], ["SET timezone = 'Europe/Paris'", 'RESET timezone', 'ALTER TABLE post ALTER COLUMN published TYPE timestamptz']];
    try {
      for (const [zone, utc] of [['UTC', true], ['Europe/Paris', false]] as const) {
        await admin.query(`ALTER DATABASE "${name}" SET timezone = '${zone}'`); // new sessions start in it
        const conn = await openDatabase({ flags: { url: db.url }, env: {}, cwd: process.cwd() });
        try {
          for (const statements of plans) {
            const steps: GateStep[] = [{ id: '0002_change', file: 'change.sql', engine: 'postgres', direction: 'up', statements }];
            const gc = await readGateContext(steps, { conn, environment: 'production', force: false });
            expect(gc.ctx.serverUtc, zone).toBe(utc);
            const found = analyseStatements('0002_change', statements, 'up', gc.ctx).findings.filter((f) => f.rule === 'rewrite-column-type');
            expect(found.length, `${zone}: ${statements.join('; ')}`).toBe(utc ? 0 : 1);
          }
        } finally {
          await conn.close();
        }
        // PostgreSQL agrees, in a new session of that database.
        const c = new pg.Client({ connectionString: db.url });
        await c.connect();
        try {
          await c.query('BEGIN');
          const node = async () => (await c.query<{ n: string }>("SELECT relfilenode::text AS n FROM pg_class WHERE oid = 'post'::regclass")).rows[0]!.n;
          const was = await node();
          await c.query('ALTER TABLE post ALTER COLUMN published TYPE timestamptz');
          expect((await node()) !== was, `PostgreSQL, ${zone}`).toBe(!utc);
          await c.query('ROLLBACK');
        } finally {
          await c.end();
        }
      }
      // A plan without a timestamp change does not ask.
      const conn = await openDatabase({ flags: { url: db.url }, env: {}, cwd: process.cwd() });
      try {
        const gc = await readGateContext([{ id: '0003', file: 'x.sql', engine: 'postgres', direction: 'up', statements: ['ALTER TABLE post ADD COLUMN x int'] }], { conn, environment: 'production', force: false });
        expect(gc.ctx.serverUtc).toBeUndefined();
      } finally {
        await conn.close();
      }
    } finally {
      await admin.query('DROP TABLE IF EXISTS post');
      await admin.end();
    }
  });

  it('a SET LOCAL ends with its transaction: after COMMIT the zone is unknown again', () => {
    const memory = new SchemaMemory();
    analyseMigration(readSqlMigration('0001_schema', SCHEMA, 'schema.sql'), { engine: 'postgres' }, { memory });
    const sql = "-- eventdb:no-transaction\n-- eventdb:up\nBEGIN;\nSET LOCAL timezone = 'UTC';\nCOMMIT;\nALTER TABLE post ALTER COLUMN published TYPE timestamptz;\n";
    const findings = analyseMigration(readSqlMigration('0002_change', sql, 'change.sql'), { engine: 'postgres' }, { memory }).findings;
    expect(findings.map((f) => f.rule)).toContain('rewrite-column-type');
  });
});
