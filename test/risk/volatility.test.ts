import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { openConnection } from '../../src/dialects/index.js';
import type { Connection } from '../../src/dialects/types.js';
import { gatePlan } from '../../src/risk/index.js';
import { candidateFunctionNames } from '../../src/risk/function-volatility.js';
import { createPgDatabase } from '../helpers/engines.js';

/*
 * ADD COLUMN … DEFAULT f(): without a database, a function eventdb cannot classify is "possibly
 * volatile" (medium); connected, pg_proc.provolatile decides. PostgreSQL is the judge: a volatile
 * default gives the table a new relfilenode (a rewrite), a stable one does not.
 */
let db: Awaited<ReturnType<typeof createPgDatabase>>;
let conn: Connection;

beforeAll(async () => {
  db = await createPgDatabase('eventdb_risk_vol');
  conn = await openConnection(await resolveConfig({ flags: { url: db.url }, env: {}, cwd: process.cwd() }));
  await sql`create table users (id bigint primary key)`.execute(conn.db);
  await sql`insert into users select g from generate_series(1, 20000) g`.execute(conn.db);
  await sql`analyze users`.execute(conn.db);
  await sql.raw(`create function settings_default() returns jsonb language sql stable as $$ select '{}'::jsonb $$;
    create function token_default() returns text language sql volatile as $$ select md5(random()::text) $$;
    create function "Mixed ""Case"" Token"() returns text language sql volatile as $$ select md5(random()::text) $$;
    create function straße_default() returns text language sql stable as $$ select 'x' $$;`).execute(conn.db);
});
afterAll(async () => {
  await conn?.close();
  await db?.drop();
});

const step = (stmt: string) => ({ id: '0001_add', file: 'add.sql', engine: 'postgres' as const, direction: 'up' as const, statements: [stmt] });
const rules = (r: Awaited<ReturnType<typeof gatePlan>>) => r.migrations.flatMap((m) => m.findings.map((f) => `${f.rule}:${f.level}`));

async function rewrites(stmt: string): Promise<boolean> {
  const node = async () => (await sql<{ n: string }>`select relfilenode::text as n from pg_class where oid = 'users'::regclass`.execute(conn.db)).rows[0]!.n;
  const was = await node();
  await sql.raw(`begin; ${stmt}; `).execute(conn.db);
  const now = await node();
  await sql.raw('rollback').execute(conn.db);
  return now !== was;
}

describe('risk: defaults calling functions', () => {
  const stable = 'ALTER TABLE users ADD COLUMN settings jsonb DEFAULT settings_default()';
  const volatile = 'ALTER TABLE users ADD COLUMN token text DEFAULT token_default()';

  it('without a database both are possibly volatile (medium)', async () => {
    expect(rules(await gatePlan([step(stable)], { environment: 'development', force: false }))).toEqual(['rewrite-volatile-default:medium']);
    expect(rules(await gatePlan([step(volatile)], { environment: 'development', force: false }))).toEqual(['rewrite-volatile-default:medium']);
  });

  it('connected, pg_proc.provolatile decides, and agrees with PostgreSQL', async () => {
    expect(rules(await gatePlan([step(stable)], { conn, environment: 'development', force: false }))).toEqual([]);
    expect(await rewrites(stable)).toBe(false);
    expect(rules(await gatePlan([step(volatile)], { conn, environment: 'development', force: false }))).toEqual(['rewrite-volatile-default:high']);
    expect(await rewrites(volatile)).toBe(true);
  });

  // The gate looks up only the words of the plan (candidateFunctionNames), not all of pg_proc (issue 18).
  it('the names looked up are the words of the plan: quoted, mixed case, non-ASCII and qualified names are among them', async () => {
    const quoted = 'ALTER TABLE users ADD COLUMN t2 text DEFAULT "Mixed ""Case"" Token"()';
    expect(rules(await gatePlan([step(quoted)], { conn, environment: 'development', force: false }))).toEqual(['rewrite-volatile-default:high']);
    expect(await rewrites(quoted)).toBe(true);
    const qualified = 'ALTER TABLE users ADD COLUMN t3 text DEFAULT public.STRASSE_default()';
    expect(rules(await gatePlan([step(qualified)], { conn, environment: 'development', force: false }))).toEqual(['rewrite-volatile-default:medium']);
    const umlaut = 'ALTER TABLE users ADD COLUMN t4 text DEFAULT straße_default()';
    expect(rules(await gatePlan([step(umlaut)], { conn, environment: 'development', force: false }))).toEqual([]);
    expect(await rewrites(umlaut)).toBe(false);
    // A word elsewhere in the plan (another statement, a comment) is looked up as well; a name in no statement is not.
    const map = await conn.functionVolatility!(candidateFunctionNames(['-- token_default()', 'select 1', 'select "Mixed ""Case"" Token"()']));
    expect(map).toEqual(new Map([['token_default', 'v'], ['mixed "case" token', 'v']]));
    expect((await conn.functionVolatility!([])).size).toBe(0);
  });

  it('candidateFunctionNames: every identifier-like word, lower case; none past the limit', () => {
    expect(candidateFunctionNames(['SELECT Now(), "A""b"(x), $1, 3e5, café_fn(1) -- done'])!.sort()).toEqual(['a"b', 'café_fn', 'done', 'e5', 'now', 'select', 'x'].sort());
    expect(candidateFunctionNames(['SELECT "Ünïcode"(1) FROM "T"', 'Ölfunc()'])!.sort()).toEqual(['from', 'select', 't', 'ölfunc', 'ünïcode'].sort());
    expect(candidateFunctionNames([Array.from({ length: 5000 }, (_, i) => `f${i}()`).join(' ')])).toBeUndefined();
  });
});
