import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { openDatabase } from '../../src/index.js';
import { validateDatabase } from '../../src/schema/validate.js';
import { baseEnv, runCli } from '../helpers/cli.js';
import { describeEngines } from '../helpers/engines.js';

/*
 * `validate`'s drift check on DuckDB did not see macros (CREATE MACRO) or sequences made by hand: the
 * introspection read no macros, and drift compared neither. Now a macro or sequence no migration makes is
 * a warning, a macro defined otherwise than the migrations define it a warning, one the migrations make
 * that is missing an error — and those the migrations make are no drift.
 */
const dir = mkdtempSync(join(tmpdir(), 'eventdb-duckdb-drift-'));
const url = `duckdb:${join(dir, 'events.duckdb')}`;
const env = { ...baseEnv(), EVENTDB_MIGRATIONS_DIR: join(dir, 'migrations') };

beforeAll(async () => {
  mkdirSync(env.EVENTDB_MIGRATIONS_DIR);
  writeFileSync(
    join(env.EVENTDB_MIGRATIONS_DIR, '001_tickets.sql'),
    `-- eventdb:up
create sequence ticket_numbers start 100;
create table tickets (id bigint primary key default nextval('ticket_numbers'), price decimal(10, 2));
create macro with_tax(p) as p * 1.2;
create macro cheap(limit_price) as table select * from tickets where price < limit_price;
-- eventdb:down
drop macro table cheap;
drop macro with_tax;
drop table tickets;
drop sequence ticket_numbers;
`,
  );
  const r = await runCli(['migrate', 'up', '--url', url], { cwd: dir, env });
  expect(r.code, r.stderr).toBe(0);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Finding {
  check: string;
  level: string;
  kind: string;
  object: string;
  message: string;
}

async function driftFindings(): Promise<{ code: number | null; drift: Finding[] }> {
  const r = await runCli(['validate', '--url', url, '--json'], { cwd: dir, env });
  return { code: r.code, drift: r.json<{ findings: Finding[] }>().findings.filter((f) => f.check === 'drift') };
}

it('the sequence and the macros the migrations make are no drift', async () => {
  const { code, drift } = await driftFindings();
  expect(code).toBe(0);
  expect(drift.map((f) => f.kind)).toEqual(['drift-none']);
});

it('a hand-made sequence and macro, a macro redefined and one dropped by hand are drift', async () => {
  const config = await resolveConfig({ flags: { url }, env: {} });
  const conn = await openDatabase(config);
  try {
    for (const s of ['create sequence invoice_numbers', 'create macro discount(p) as p * 0.9', 'create or replace macro with_tax(p) as p * 1.25', 'drop macro table cheap']) await sql.raw(s).execute(conn.db);
  } finally {
    await conn.close();
  }
  const { code, drift } = await driftFindings();
  expect(drift.map((f) => `${f.level}:${f.kind}:${f.object}`).sort()).toEqual([
    'error:drift-missing-macro:macro cheap',
    'warning:drift-extra-macro:macro discount',
    'warning:drift-extra-sequence:sequence invoice_numbers',
    'warning:drift-macro-definition:macro with_tax',
  ]);
  expect(drift.find((f) => f.kind === 'drift-macro-definition')!.message).toBe(
    'macro with_tax is defined differently from what the migrations make: `(p) as (p * 1.25)`; the migrations: `(p) as (p * 1.2)`',
  );
  expect(code).toBe(1);
});

// Sequences are compared on every engine that lists them: PostgreSQL's too.
describeEngines(
  'validate: drift of sequences',
  (fx) => {
    it('a sequence made by hand is drift; those the migrations make (a serial column\'s too) are not', async () => {
      const config = await fx.config();
      const conn = await openDatabase(config);
      const ddl = ['create sequence ticket_numbers', 'create table tickets (id serial primary key, n bigint default nextval(\'ticket_numbers\'))'];
      const run = async (c: typeof conn) => {
        for (const s of ddl) await sql.raw(s).execute(c.db);
      };
      const opts = { expected: null, migrations: false as const, drift: true, replay: run };
      const drift = async () => (await validateDatabase(conn, config, opts)).findings.filter((f) => f.check === 'drift').map((f) => `${f.level}:${f.kind}:${f.object}`);
      try {
        await run(conn);
        expect(await drift()).toEqual(['ok:drift-none:schema']);
        await sql.raw('create sequence invoice_numbers').execute(conn.db);
        expect(await drift()).toEqual(['warning:drift-extra-sequence:sequence invoice_numbers']);
      } finally {
        await conn.close();
      }
    });
  },
  ['postgres'],
);
