import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import { autoFix } from '../../src/schema/autofix/index.js';
import { validateDatabase } from '../../src/schema/validate.js';
import type { ValidationFinding } from '../../src/schema/findings.js';
import { describeEngines } from '../helpers/engines.js';
import { exec, fullDdl, smallSchema, tableNames } from './fixture.js';

const kinds = (fs: ValidationFinding[]) => fs.filter((f) => f.level !== 'ok').map((f) => `${f.level}:${f.kind}:${f.object}`).sort();
const base = { expected: smallSchema(), drift: false, migrations: false as const };

describeEngines('validate and auto-fix (library)', (fx) => {
  const open = async (extra: Record<string, string> = {}) => openDatabase(await fx.config(extra));

  it('a database that matches the schema validates ok with a line per table and rule', async () => {
    const conn = await open();
    try {
      await exec(conn, fullDdl(fx.engine));
      const r = await validateDatabase(conn, await fx.config(), base);
      expect(kinds(r.findings)).toEqual([]);
      expect(r.ok).toBe(true);
      expect(r.findings.filter((f) => f.kind === 'table-ok').map((f) => f.object).sort()).toEqual(['table events', 'table notes', 'table tiers', 'table venues']);
      expect(r.findings.find((f) => f.kind === 'data-rule')?.level).toBe('ok');
      expect(r.summary.checks).toEqual({ migrations: 'skipped', schema: 'ran', drift: 'skipped', data: 'ran' });
    } finally {
      await conn.close();
    }
  });

  it('missing tables: required → error, optional → warning; auto-fix plans, applies nothing, then --apply creates them with reference rows', async () => {
    const conn = await open();
    try {
      const r = await validateDatabase(conn, await fx.config(), base);
      expect(kinds(r.findings)).toEqual(['error:missing-table:table events', 'error:missing-table:table tiers', 'error:missing-table:table venues', 'info:data-rule-skipped:rule no_negative_capacity', 'warning:missing-optional-table:table notes']);
      expect(r.ok).toBe(false);
      const plan = await autoFix(conn, await fx.config(), base);
      expect(plan.applied).toBe(false);
      expect(plan.counts.planned).toBe(4);
      // venues is created before events (which references it)
      const order = plan.fixes.map((f) => f.object);
      expect(order.indexOf('table venues')).toBeLessThan(order.indexOf('table events'));
      expect(plan.fixes.find((f) => f.object === 'table tiers')!.sql.join('\n')).toContain(`'Diamond''s'`);
      expect(await tableNames(conn)).toEqual([]);

      const done = await autoFix(conn, await fx.config(), { ...base, apply: true });
      expect(done.counts).toMatchObject({ applied: 4, failed: 0 });
      expect(done.after!.ok).toBe(true);
      expect(kinds(done.after!.findings)).toEqual([]);
      expect(await tableNames(conn)).toEqual(['eventdb_autofix_log', 'events', 'notes', 'tiers', 'venues']);
      const tiers = await sql<{ code: string }>`select code from tiers order by code`.execute(conn.db);
      expect(tiers.rows.map((x) => x.code)).toEqual(['black', 'diamond', 'platinum']);
      const log = await sql<{ object: string; outcome: string; applied_by: string; sql: string }>`select object, outcome, applied_by, sql from eventdb_autofix_log order by object`.execute(conn.db);
      expect(log.rows.map((x) => `${x.object}:${x.outcome}`)).toEqual(['table events:applied', 'table notes:applied', 'table tiers:applied', 'table venues:applied']);
      expect(log.rows[0]!.sql).toMatch(/create table "events"/);
      expect(log.rows[0]!.applied_by).toMatch(/@.* pid \d+/);
      // the FK made by auto-fix is real
      await exec(conn, ["insert into venues (id, name) values (1, 'Hall')", "insert into events (id, venue_id, title) values (1, 1, 'Gig')"]);
      await expect(sql`insert into events (id, venue_id, title) values (2, 99, 'x')`.execute(conn.db)).rejects.toThrow();
    } finally {
      await conn.close();
    }
  });

  it('missing column, index and reference rows are found and fixed', async () => {
    const conn = await open();
    try {
      const ddl = fullDdl(fx.engine)
        .filter((s) => !s.startsWith('create index venues_name_idx'))
        .map((s) => s.replace(', capacity integer not null default 0', '').replace("('diamond', 'Diamond''s'), ", ''));
      await exec(conn, ddl);
      await exec(conn, ["insert into venues (id, name) values (1, 'Hall')"]);
      const r = await validateDatabase(conn, await fx.config(), base);
      expect(kinds(r.findings)).toEqual(['error:missing-column:column venues.capacity', 'error:missing-index:index venues_name_idx', 'error:missing-reference-rows:table tiers', 'info:data-rule-skipped:rule no_negative_capacity']);
      expect(r.findings.find((f) => f.kind === 'missing-reference-rows')!.message).toContain('diamond');
      const done = await autoFix(conn, await fx.config(), { ...base, apply: true });
      if (fx.engine === 'duckdb') {
        // DuckDB cannot SET NOT NULL on a table that is referenced by a foreign key: a migration must rebuild it
        expect(done.fixes.map((f) => `${f.object}:${f.status}`)).toEqual(['table tiers:applied', 'index venues_name_idx:applied', 'column venues.capacity:needs-migration']);
        expect(done.counts).toMatchObject({ applied: 2, failed: 0, refused: 0 });
      } else {
        expect(done.counts).toMatchObject({ applied: 3, failed: 0, refused: 0 });
        expect(done.after!.ok).toBe(true);
        const v = await sql<{ capacity: number }>`select capacity from venues`.execute(conn.db);
        expect(Number(v.rows[0]!.capacity)).toBe(0);
      }
      const n = await sql<{ n: number }>`select count(*) as n from tiers`.execute(conn.db);
      expect(Number(n.rows[0]!.n)).toBe(3);
    } finally {
      await conn.close();
    }
  });

  it('a NOT NULL column without default on a table with rows is refused with the safe alternative; nothing changes', async () => {
    const conn = await open();
    try {
      const schema = smallSchema();
      schema.tables[3]!.columns.push({ name: 'city', family: 'text', nullable: false, type: 'text' });
      await exec(conn, fullDdl(fx.engine));
      await exec(conn, ["insert into notes (id, body) values (1, 'hello')"]);
      const opts = { ...base, expected: schema };
      const done = await autoFix(conn, await fx.config(), { ...opts, apply: true });
      const fix = done.fixes.find((f) => f.object === 'column notes.city')!;
      expect(fix.status).toBe('refused');
      expect(fix.rule).toBe('add-not-null-without-default');
      expect(fix.alternative![0]).toMatch(/alter table "notes" add column "city" text$/);
      expect(done.ok).toBe(false);
      const cols = (await conn.introspect()).tables.find((t) => t.name === 'notes')!.columns.map((c) => c.name);
      expect(cols).not.toContain('city');
    } finally {
      await conn.close();
    }
  });

  it('a missing foreign key: PostgreSQL adds it NOT VALID then VALIDATEs; SQLite/DuckDB list the rebuild as needing a migration', async () => {
    const conn = await open();
    try {
      await exec(conn, fullDdl(fx.engine).map((s) => s.replace(/ references venues \(id\)( on delete cascade)?/, '')));
      const r = await validateDatabase(conn, await fx.config(), base);
      expect(kinds(r.findings)).toEqual(['error:missing-foreign-key:foreign key events(venue_id) → venues']);
      const f = r.findings.find((x) => x.kind === 'missing-foreign-key')!;
      const done = await autoFix(conn, await fx.config(), { ...base, apply: true });
      const fks = (await conn.introspect()).foreignKeys;
      if (fx.engine === 'postgres') {
        expect(f.fix!.kind).toBe('auto-fix');
        expect(f.fix!.sql).toEqual([
          'alter table "events" add constraint "events_venue_id_fkey" foreign key ("venue_id") references "venues" ("id") on delete CASCADE not valid',
          'alter table "events" validate constraint "events_venue_id_fkey"',
        ]);
        expect(done.counts.applied).toBe(1);
        expect(fks.map((x) => `${x.table}.${x.columns}→${x.refTable} ${x.onDelete}`)).toEqual(['events.venue_id→venues CASCADE']);
        expect(done.after!.ok).toBe(true);
      } else {
        expect(f.fix!.kind).toBe('migration');
        expect(f.fix!.sql.find((x) => x.startsWith('create table'))).toMatch(/^create table "events__new"/);
        expect(f.fix!.sql.join('\n')).toMatch(/drop table "events"/);
        expect(done.fixes.map((x) => x.status)).toEqual(['needs-migration']);
        expect(fks).toEqual([]);
        expect(done.ok).toBe(false);
      }
    } finally {
      await conn.close();
    }
  });

  it('wrong type family and nullability are errors that need a migration; auto-fix never alters them', async () => {
    const conn = await open();
    try {
      await exec(conn, fullDdl(fx.engine).map((s) => s.replace('title text not null', 'title integer').replace('label text not null', 'label text')));
      const r = await validateDatabase(conn, await fx.config(), base);
      expect(kinds(r.findings)).toEqual(['error:nullability:column events.title', 'error:nullability:column tiers.label', 'error:type-mismatch:column events.title']);
      const done = await autoFix(conn, await fx.config(), { ...base, apply: true });
      expect(done.counts).toMatchObject({ applied: 0, planned: 0, needsMigration: 3 });
      const nn = done.fixes.find((x) => x.object === 'column tiers.label')!;
      expect(nn.sql.join('\n')).toMatch(fx.engine === 'sqlite' ? /create table "tiers__new"/ : /alter table "tiers" alter column "label" set not null/);
      const title = (await conn.introspect()).tables.find((t) => t.name === 'events')!.columns.find((c) => c.name === 'title')!;
      expect(title.family).toBe('integer');
      expect(await tableNames(conn)).not.toContain('eventdb_autofix_log');
    } finally {
      await conn.close();
    }
  });

  it('objects the schema does not know are info and do not fail', async () => {
    const conn = await open();
    try {
      await exec(conn, [...fullDdl(fx.engine), 'create table scratchpad (x integer)', 'alter table venues add column legacy_code text', 'create index venues_cap_idx on venues (capacity)']);
      const r = await validateDatabase(conn, await fx.config(), { ...base, strict: true });
      expect(kinds(r.findings)).toEqual(['info:unknown-column:column venues.legacy_code', 'info:unknown-index:index venues_cap_idx', 'info:unknown-table:table scratchpad']);
      expect(r.ok).toBe(true);
    } finally {
      await conn.close();
    }
  });

  it('data rules report the count and up to 5 example keys', async () => {
    const conn = await open();
    try {
      await exec(conn, fullDdl(fx.engine));
      await exec(conn, [`insert into venues (id, name, capacity) values ${Array.from({ length: 7 }, (_, i) => `(${i + 1}, 'v${i + 1}', ${i === 3 ? 10 : -1})`).join(', ')}`]);
      const r = await validateDatabase(conn, await fx.config(), base);
      const f = r.findings.find((x) => x.kind === 'data-rule')!;
      expect(f.level).toBe('error');
      expect(f.count).toBe(6);
      expect(f.examples).toEqual(['1', '2', '3', '5', '6']);
      expect(f.message).toMatch(/6 negative rows in venues/);
      expect(r.ok).toBe(false);
    } finally {
      await conn.close();
    }
  });

  it('levels by environment: a warning passes in development, fails in production and with strict', async () => {
    const conn = await open();
    try {
      await exec(conn, fullDdl(fx.engine).filter((s) => !s.includes('notes')));
      const dev = await validateDatabase(conn, await fx.config(), base);
      expect(kinds(dev.findings)).toEqual(['warning:missing-optional-table:table notes']);
      expect(dev.ok).toBe(true);
      expect(dev.summary.strict).toBe(false);
      const strict = await validateDatabase(conn, await fx.config(), { ...base, strict: true });
      expect(strict.ok).toBe(false);
      const prod = await validateDatabase(conn, await fx.config({ EVENTDB_ENV: 'production' }), base);
      expect(prod.summary).toMatchObject({ strict: true, environment: 'production', failures: 1 });
      expect(prod.ok).toBe(false);
    } finally {
      await conn.close();
    }
  });

  it('drift: hand-made changes the migrations do not make are found against a scratch replay', async () => {
    const conn = await open();
    try {
      await exec(conn, fullDdl(fx.engine));
      await exec(conn, ['create index events_title_idx on events (title)', 'alter table notes add column extra integer']);
      const replay = async (scratch: typeof conn) => exec(scratch, fullDdl(fx.engine));
      const r = await validateDatabase(conn, await fx.config(), { ...base, drift: true, replay });
      expect(r.findings.filter((f) => f.check === 'drift').map((f) => `${f.level}:${f.kind}:${f.object}`).sort()).toEqual(['warning:drift-extra-column:column notes.extra', 'warning:drift-extra-index:index events_title_idx']);
      expect(r.summary.checks.drift).toBe('ran');
      // the scratch database is gone (PostgreSQL) and the live one is untouched
      if (fx.engine === 'postgres') {
        const dbs = await sql<{ n: number }>`select count(*)::int as n from pg_database where datname like ${`eventdb_scratch_${process.pid}_%`}`.execute(conn.db);
        expect(dbs.rows[0]!.n).toBe(0);
      }
      const clean = await validateDatabase(conn, await fx.config(), { ...base, drift: true, replay: async (s) => exec(s, [...fullDdl(fx.engine), 'create index events_title_idx on events (title)', 'alter table notes add column extra integer']) });
      expect(clean.findings.filter((f) => f.check === 'drift').map((f) => f.kind)).toEqual(['drift-none']);
    } finally {
      await conn.close();
    }
  });

  it('a database of an engine the schema does not support is refused (exit 2)', async () => {
    const conn = await open();
    try {
      const other = fx.engine === 'postgres' ? 'sqlite' : 'postgres';
      const err = await validateDatabase(conn, await fx.config(), { ...base, expected: { ...smallSchema(), engines: [other] } }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'UNSUPPORTED_ENGINE', exitCode: 2 });
      expect((err as Error).message).toBe(`the expected schema does not support ${fx.engine} (it is written for ${other})`);
    } finally {
      await conn.close();
    }
  });
});

describeEngines(
  'auto-fix on live data (PostgreSQL)',
  (fx) => {
    it('an index on a big table is refused with CREATE INDEX CONCURRENTLY as the alternative', async () => {
      const conn = await openDatabase(await fx.config());
      try {
        await exec(conn, fullDdl(fx.engine).filter((s) => !s.startsWith('create index venues_name_idx')));
        await exec(conn, ["insert into venues (id, name) select g, 'v' || g from generate_series(1, 500) g"]);
        const done = await autoFix(conn, await fx.config(), { ...base, apply: true, largeTableRows: 100 });
        const fix = done.fixes.find((f) => f.object === 'index venues_name_idx')!;
        expect(fix).toMatchObject({ status: 'refused', rule: 'lock-index-build' });
        expect(fix.alternative![0]).toMatch(/^create index concurrently "venues_name_idx" on "venues" \("name"\)/);
        expect((await conn.introspect()).indexes.map((i) => i.name)).not.toContain('venues_name_idx');
      } finally {
        await conn.close();
      }
    });

    it('a foreign key whose VALIDATE fails is rolled back, the other fixes still apply, the outcome is logged', async () => {
      const conn = await openDatabase(await fx.config());
      try {
        await exec(conn, fullDdl(fx.engine).map((s) => s.replace(/ references venues \(id\) on delete cascade/, '')).filter((s) => !s.startsWith('create index venues_name_idx')));
        await exec(conn, ["insert into events (id, venue_id, title) values (1, 42, 'orphan')"]);
        const done = await autoFix(conn, await fx.config(), { ...base, apply: true });
        expect(done.fixes.map((f) => `${f.object}:${f.status}`)).toEqual(['index venues_name_idx:applied', 'foreign key events(venue_id) → venues:failed']);
        expect(done.fixes[1]!.error).toMatch(/violates foreign key constraint/);
        expect(done.ok).toBe(false);
        expect((await conn.introspect()).foreignKeys).toEqual([]);
        const log = await sql<{ outcome: string }>`select outcome from eventdb_autofix_log order by outcome`.execute(conn.db);
        expect(log.rows.map((r) => r.outcome)).toEqual(['applied', 'failed']);
      } finally {
        await conn.close();
      }
    });
  },
  ['postgres'],
);

describe('findings shape', () => {
  it('every finding has check, level, kind, object, message, fix', async () => {
    const { finding } = await import('../../src/schema/findings.js');
    expect(Object.keys(finding('schema', 'error', 'missing-table', 'table x', 'm'))).toEqual(['check', 'level', 'kind', 'object', 'message', 'fix']);
  });
});
