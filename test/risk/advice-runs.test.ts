import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemaMemory, analyseMigration, loadParsers, readSqlMigration, type Finding } from '../../src/risk/index.js';
import { createPgDatabase } from '../helpers/engines.js';

/*
 * The SQL in a finding's advice (written between backticks) is for a person to run: it must run as
 * printed, also for names that need quoting — Prisma's mixed-case "Account"/"userId", SQLite's
 * "Order Details". Each statement is run on a real database holding the schema.
 */
const PG_SCHEMA = `CREATE TABLE "User" ("id" text PRIMARY KEY, "email" text, "Group" text);
CREATE TABLE "Account" ("id" text PRIMARY KEY, "userId" text NOT NULL REFERENCES "User" ("id"));
CREATE DOMAIN "Positive" AS integer;`;
const PG_CHANGES = `ALTER TABLE "User" ALTER COLUMN "email" SET NOT NULL;
CREATE INDEX "User_Group_idx" ON "User" ("Group");
ALTER TABLE "Account" ADD CONSTRAINT "Account_user_fk" FOREIGN KEY ("userId") REFERENCES "User" ("id");
ALTER TABLE "Account" ADD CONSTRAINT "Account_id_check" CHECK ("id" <> '');
ALTER TABLE "User" ADD CONSTRAINT "User_email_key" UNIQUE ("email");
ALTER DOMAIN "Positive" ADD CONSTRAINT "Positive_check" CHECK (VALUE > 0);
REINDEX TABLE "User";
DROP INDEX "User_Group_idx";`;

const SQLITE_SCHEMA = `CREATE TABLE "Orders" ("OrderID" INTEGER PRIMARY KEY);
CREATE TABLE "Products" ("ProductID" INTEGER PRIMARY KEY);
CREATE TABLE "Order Details" ("OrderID" INTEGER NOT NULL REFERENCES "Orders" ("OrderID"), "ProductID" INTEGER NOT NULL REFERENCES "Products" ("ProductID"), "Group" TEXT);`;

/** The statements in a piece of advice: backticked text that starts like SQL. */
function adviceSql(f: Finding): string[] {
  return [...f.advice.matchAll(/`([^`]+)`/g)].map((m) => m[1]!).filter((x) => /^(CREATE|ALTER|DROP|REINDEX)\b/i.test(x));
}

function lint(engine: 'postgres' | 'sqlite', schema: string, changes: string): Finding[] {
  const memory = new SchemaMemory();
  const first = analyseMigration(readSqlMigration('0001_schema', schema, 'schema.sql'), { engine }, { memory });
  const second = changes ? analyseMigration(readSqlMigration('0002_changes', changes, 'changes.sql'), { engine }, { memory }) : undefined;
  return [...first.findings, ...(second?.findings ?? [])];
}

let db: Awaited<ReturnType<typeof createPgDatabase>>;
beforeAll(async () => {
  await loadParsers(['postgres', 'sqlite']);
  db = await createPgDatabase('eventdb_risk_advice');
});
afterAll(async () => {
  await db?.drop();
});

describe('risk advice runs as printed', () => {
  it('PostgreSQL, mixed-case names', async () => {
    const findings = lint('postgres', PG_SCHEMA, PG_CHANGES);
    const byRule = new Map(findings.map((f) => [f.rule, adviceSql(f)]));
    for (const rule of ['fk-without-index', 'lock-set-not-null', 'lock-index-build', 'lock-foreign-key-validation', 'lock-check-validation', 'lock-domain-constraint', 'lock-reindex', 'lock-drop-index']) {
      expect(byRule.get(rule as Finding['rule'])?.length ?? 0, rule).toBeGreaterThan(0);
    }
    expect(byRule.get('fk-without-index')).toEqual(['CREATE INDEX CONCURRENTLY "Account_userId_idx" ON "Account" ("userId")']);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(PG_SCHEMA);
      await client.query(`INSERT INTO "User" VALUES ('u1', 'a@example.com', 'g'); INSERT INTO "Account" VALUES ('a1', 'u1');`);
      const failures: string[] = [];
      const ran = new Set<string>();
      // Autocommit: CONCURRENTLY statements run as the advice says (in a no-transaction migration).
      // Two foreign keys on "userId" give the same index advice twice (plainly for the table 0001 creates,
      // CONCURRENTLY for 0002's key on the then existing table): it is run once.
      for (const f of findings) {
        for (const stmt of adviceSql(f)) {
          const same = stmt.replace(' CONCURRENTLY', '');
          if (ran.has(same)) continue;
          ran.add(same);
          try {
            await client.query(stmt);
          } catch (e) {
            failures.push(`${f.rule}: ${stmt} → ${(e as Error).message}`);
          }
        }
      }
      expect(failures).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('SQLite, a name with a space', () => {
    const findings = lint('sqlite', SQLITE_SCHEMA, '');
    const stmts = findings.filter((f) => f.rule === 'fk-without-index').flatMap(adviceSql);
    expect(stmts).toEqual(['CREATE INDEX "Order Details_OrderID_idx" ON "Order Details" ("OrderID")', 'CREATE INDEX "Order Details_ProductID_idx" ON "Order Details" ("ProductID")']);
    const sqlite = new Database(':memory:');
    try {
      sqlite.exec(SQLITE_SCHEMA);
      for (const s of stmts) sqlite.exec(s);
      expect(sqlite.prepare(`select count(*) as n from sqlite_master where type = 'index' and tbl_name = 'Order Details'`).get()).toEqual({ n: 2 });
    } finally {
      sqlite.close();
    }
  });
});
