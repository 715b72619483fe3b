/**
 * Enum types whose names need quotes (issue 17): `enumType('Mood_2', …)`. PostgreSQL folds an unquoted
 * name to lower case and format_type reports such a column's type quoted (`"Mood_2"`), so the column
 * type, the casts in defaults, ADD VALUE and the rebuild all write the name quoted. migrate diff → up →
 * validate (no finding) → diff --check (nothing) → down (the schema before), rows kept, on PostgreSQL
 * and PGlite; pull writes the name back as declared, `types` names its values.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { openDatabase } from '../../../src/index.js';
import { autoFix } from '../../../src/schema/autofix/index.js';
import { defineSchema, enumColumn, enumType, integer, table } from '../../../src/schema/authoring.js';
import { migrateDiff } from '../../../src/schema/generate/command.js';
import { loadExpectedSchemaFile } from '../../../src/schema/loader.js';
import type { ExpectedSchema } from '../../../src/schema/model.js';
import { pullSchema } from '../../../src/schema/pull/index.js';
import { declarationSource } from '../../../src/schema/pull/declaration.js';
import { validateDatabase } from '../../../src/schema/validate.js';
import { typesFromSchema, typesFromSnapshot } from '../../../src/schema/types-gen/index.js';
import { describeEngines } from '../../helpers/engines.js';
import { down, makeProject, shape, up } from './project.js';

const declare = (values: string[]): ExpectedSchema =>
  defineSchema({
    enums: [enumType('Mood_2', values), enumType('my mood', ['x', 'y'])],
    tables: [
      table('tickets', {
        columns: [integer('id'), enumColumn('status', 'Mood_2', { default: "'open'" }), enumColumn('other', 'my mood', { nullable: true })],
        primaryKey: ['id'],
      }),
    ],
  });

describeEngines(
  'migrate diff: enum type names that need quotes',
  (fx) => {
    it('created, a value added, values reordered: validate (declaration and drift) is clean, nothing planned again, rolls back with the rows', { timeout: 300_000 }, async () => {
      const p = await makeProject(fx.dir(), fx.url(), 'mixed');
      const conn = await p.open();
      const engines = [fx.engine];
      // validate as the CLI runs it: the declaration and the drift check (the migrations replayed in a scratch database)
      const findings = async (d: ExpectedSchema) => {
        const r = await validateDatabase(conn, p.config, { expected: d });
        expect([r.summary.checks.schema, r.summary.checks.drift]).toEqual(['ran', 'ran']);
        return r.findings.filter((f) => (f.check === 'schema' || f.check === 'drift') && (f.level === 'error' || f.level === 'warning')).map((f) => f.message);
      };
      const statuses = async () => (await sql<{ status: string }>`select status::text as status from tickets order by id`.execute(conn.db)).rows.map((r) => r.status);
      const step = async (d: ExpectedSchema, name: string, opts = {}) => {
        p.declare(d);
        const before = await shape(conn);
        const r = await migrateDiff(p.config, { name, engines, ...opts });
        expect(r.written.length).toBeGreaterThan(0);
        await up(conn, p.config);
        expect(await findings(d)).toEqual([]);
        expect((await migrateDiff(p.config, { name: 'again', engines, check: true })).changed).toBe(false);
        return { before, text: r.written.map((f) => readFileSync(f, 'utf8')).join('\n'), files: r.written.length };
      };
      try {
        const first = await step(declare(['open', 'closed']), 'tickets');
        expect(first.text).toContain(`create type "Mood_2" as enum ('open', 'closed');`);
        expect(first.text).toMatch(/"status" "Mood_2" default 'open' not null/);
        expect((await conn.introspect()).tables.find((t) => t.name === 'tickets')!.columns.map((c) => c.type)).toEqual(['integer', '"Mood_2"', '"my mood"']);
        await sql`insert into tickets (id, other) values (1, 'x'), (2, 'y')`.execute(conn.db);
        await sql`update tickets set status = 'closed' where id = 2`.execute(conn.db);

        const added = await step(declare(['open', 'pending', 'closed']), 'pending');
        expect(added.text).toContain(`alter type "Mood_2" add value 'pending' after 'open'`);
        await sql`update tickets set status = 'pending' where id = 1`.execute(conn.db);
        const reordered = await step(declare(['closed', 'pending', 'open']), 'reorder');
        expect(reordered.text).toContain(`create type "Mood_2__new" as enum ('closed', 'pending', 'open')`);
        expect(reordered.text).toContain(`alter table "tickets" alter column "status" type "Mood_2__new" using "status"::text::"Mood_2__new"`);
        expect(await statuses()).toEqual(['pending', 'closed']);
        const live = (await conn.introspect()).tables.find((t) => t.name === 'tickets')!.columns.find((c) => c.name === 'status')!;
        expect(live.type).toBe('"Mood_2"');
        expect(live.default).toBe(`'open'::"Mood_2"`);

        // types: the column reads as its values, from the declaration and from the database
        for (const ts of [typesFromSchema(declare(['closed', 'pending', 'open']), fx.engine), typesFromSnapshot(await conn.introspect())]) {
          expect(ts).toMatch(/status: .*'closed' \| 'pending' \| 'open'/);
          expect(ts).toMatch(/other: .*'x' \| 'y'/);
        }
        // pull: the names back as declared
        const pulled = declarationSource(await conn.introspect()).source;
        expect(pulled).toContain(`enumType('Mood_2', ['closed', 'pending', 'open'])`);
        expect(pulled).toContain(`enumType('my mood', ['x', 'y'])`);
        expect(pulled).toContain(`enumColumn('status', 'Mood_2', { default: { postgres: '\\'open\\'::"Mood_2"' } })`);
        expect(pulled).toContain(`enumColumn('other', 'my mood', { nullable: true })`);
        // the pulled file, loaded, is the database: validate finds nothing, migrate diff plans nothing
        const file = join(p.dir, 'pulled', 'index.ts');
        await pullSchema(conn, { out: file });
        const loaded = await loadExpectedSchemaFile(file);
        expect(await findings(loaded)).toEqual([]);
        expect((await migrateDiff(p.config, { name: 'pulled', engines, check: true, expected: loaded })).changed).toBe(false);

        await down(conn, p.config, reordered.files);
        expect(await shape(conn)).toEqual(reordered.before);
        expect(await statuses()).toEqual(['pending', 'closed']);
        await sql`update tickets set status = 'open' where id = 1`.execute(conn.db);
        await down(conn, p.config, added.files);
        expect(await shape(conn)).toEqual(added.before);
        expect(await statuses()).toEqual(['open', 'closed']);
        await down(conn, p.config, first.files);
        expect(await shape(conn)).toEqual(first.before);
        expect((await conn.introspect()).enums).toEqual([]);
      } finally {
        await conn.close();
      }
    });
  },
  ['postgres', 'pglite'],
);

describeEngines('auto-fix: a table and a column of an enum type whose name needs quotes', (fx) => {
  it('creates the type, the table and the column with the type quoted; validate is clean afterwards', { timeout: 120_000 }, async () => {
    const conn = await openDatabase({ flags: { url: fx.url() }, env: {}, cwd: fx.dir() }, { lockWaitMs: 30_000 });
    try {
      await sql`create table notes (id integer primary key)`.execute(conn.db);
      const expected = defineSchema({
        enums: [enumType('Mood_2', ['open', 'closed'])],
        tables: [
          table('tickets', { columns: [integer('id'), enumColumn('status', 'Mood_2', { default: "'open'" })], primaryKey: ['id'] }),
          table('notes', { columns: [integer('id'), enumColumn('mood', 'Mood_2', { nullable: true })], primaryKey: ['id'] }),
        ],
      });
      const r = await autoFix(conn, await fx.config(), { expected, apply: true, drift: false, allowPending: true });
      const fixes = r.fixes.filter((f) => f.kind !== 'missing-history-table');
      expect(fixes.map((f) => `${f.kind} ${f.status}`).sort()).toEqual([...(fx.engine === 'sqlite' ? [] : ['missing-enum applied']), 'missing-column applied', 'missing-table applied'].sort());
      const q = fx.engine === 'sqlite' ? 'text' : '"Mood_2"';
      expect(fixes.find((f) => f.kind === 'missing-table')!.sql[0]).toContain(`"status" ${q} default 'open' not null`);
      expect(fixes.find((f) => f.kind === 'missing-column')!.sql[0]).toBe(`alter table "notes" add column "mood" ${q}`);
      expect(r.after!.findings.filter((f) => f.check === 'schema' && (f.level === 'error' || f.level === 'warning'))).toEqual([]);
      await sql`insert into tickets (id) values (1)`.execute(conn.db);
      // the column is of the enum type (SQLite: text, any value)
      const bad = sql`insert into tickets (id, status) values (2, 'gone')`.execute(conn.db);
      if (fx.engine === 'sqlite') await bad;
      else await expect(bad).rejects.toThrow(/gone/);
      expect((await sql<{ s: string }>`select cast(status as text) as s from tickets order by id`.execute(conn.db)).rows.map((x) => x.s)).toEqual(fx.engine === 'sqlite' ? ['open', 'gone'] : ['open']);
    } finally {
      await conn.close();
    }
  });
});
