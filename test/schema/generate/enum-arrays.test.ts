/**
 * Arrays of an enum type (issue 17): `enumColumn('moods', 'mood', { array: true })` is `mood[]` on
 * PostgreSQL. A rebuild of the type (values removed or reordered, or the down of a value added) converts
 * the array columns too (`using col::text[]::mood__new[]`), their defaults dropped and set again; ADD
 * VALUE leaves them alone. migrate diff (rehearsed) → up → validate (declaration and drift: no finding) → diff --check (nothing)
 * → down (the schema before), rows kept; pull writes the column back as declared. PostgreSQL and PGlite.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { EventdbError } from '../../../src/errors.js';
import { defineSchema, enumColumn, enumType, integer, table } from '../../../src/schema/authoring.js';
import { diffSchema } from '../../../src/schema/diff.js';
import { migrateDiff } from '../../../src/schema/generate/command.js';
import { loadExpectedSchemaFile } from '../../../src/schema/loader.js';
import type { ExpectedSchema } from '../../../src/schema/model.js';
import { pullSchema } from '../../../src/schema/pull/index.js';
import { declarationSource, js } from '../../../src/schema/pull/declaration.js';
import { validateDatabase } from '../../../src/schema/validate.js';
import { typesFromSchema, typesFromSnapshot } from '../../../src/schema/types-gen/index.js';
import { describeEngines } from '../../helpers/engines.js';
import { down, makeProject, shape, up } from './project.js';

const declare = (name: string, values: string[]): ExpectedSchema =>
  defineSchema({
    enums: [enumType(name, values)],
    tables: [
      table('tickets', {
        columns: [
          integer('id'),
          enumColumn('status', name, { default: "'open'" }),
          enumColumn('history', name, { array: true, default: { postgres: "'{open}'", duckdb: "main.list_value('open')" } }),
          enumColumn('tags', name, { array: true, nullable: true }),
        ],
        primaryKey: ['id'],
      }),
    ],
  });

describeEngines(
  'migrate diff: arrays of an enum type',
  (fx) => {
    for (const name of ['mood', 'Mood_2']) {
      it(`${name}: a value added, values reordered, a value removed: validates clean, plans nothing again, rolls back with the rows`, { timeout: 300_000 }, async () => {
        const p = await makeProject(fx.dir(), fx.url(), 'arrays');
        const conn = await p.open();
        const engines = [fx.engine];
        // validate as the CLI runs it: the declaration and the drift check (the migrations replayed in a scratch database)
        const findings = async (d: ExpectedSchema) => {
          const r = await validateDatabase(conn, p.config, { expected: d });
          expect([r.summary.checks.schema, r.summary.checks.drift]).toEqual(['ran', 'ran']);
          return r.findings.filter((f) => (f.check === 'schema' || f.check === 'drift') && (f.level === 'error' || f.level === 'warning')).map((f) => f.message);
        };
        const rows = async () =>
          (await sql<{ r: string }>`select concat_ws(' ', id, status, history::text, coalesce(tags::text, '-')) as r from tickets order by id`.execute(conn.db)).rows.map((x) => x.r);
        const step = async (d: ExpectedSchema, label: string, opts = {}) => {
          p.declare(d);
          const before = await shape(conn);
          const r = await migrateDiff(p.config, { name: label, engines, ...opts });
          expect(r.written.length).toBeGreaterThan(0);
          await up(conn, p.config);
          expect(await findings(d)).toEqual([]);
          expect((await migrateDiff(p.config, { name: 'again', engines, check: true, ...opts })).changed).toBe(false);
          return { before, text: r.written.map((f) => readFileSync(f, 'utf8')).join('\n'), files: r.written.length };
        };
        const q = name === 'mood' ? 'mood' : '"Mood_2"';
        try {
          const first = await step(declare(name, ['open', 'closed', 'stale']), 'tickets');
          expect(first.text).toContain(`"history" ${q}[] default '{open}' not null, "tags" ${q}[]`);
          const cols = (await conn.introspect()).tables.find((t) => t.name === 'tickets')!.columns;
          expect(cols.map((c) => `${c.name} ${c.type} ${c.default ?? ''}`)).toEqual(['id integer ', `status ${q} 'open'::${q}`, `history ${q}[] '{open}'::${q}[]`, `tags ${q}[] `]);
          await sql`insert into tickets (id, tags) values (1, '{closed,open}'), (2, null)`.execute(conn.db);
          await sql`update tickets set history = '{open,closed}', status = 'closed' where id = 2`.execute(conn.db);
          const data = ['1 open {open} {closed,open}', '2 closed {open,closed} -'];
          expect(await rows()).toEqual(data);

          const added = await step(declare(name, ['open', 'pending', 'closed', 'stale']), 'pending');
          expect(added.text).toContain(`alter type "${name}" add value 'pending' after 'open'`);
          expect(added.text).toContain(`alter table "tickets" alter column "history" type "${name}__new"[] using "history"::text[]::"${name}__new"[]`);
          const reordered = await step(declare(name, ['stale', 'closed', 'pending', 'open']), 'reorder');
          expect(reordered.text).toContain(`alter table "tickets" alter column "tags" type "${name}__new"[] using "tags"::text[]::"${name}__new"[]`);
          expect(reordered.text).toContain(`alter table "tickets" alter column "history" set default '{open}'`);
          expect(await rows()).toEqual(data);
          // arrays compare in the new order
          expect((await sql<{ m: string }>`select max(x)::text as m from tickets, unnest(tags) x`.execute(conn.db)).rows[0]!.m).toBe('open');
          const removed = await step(declare(name, ['closed', 'pending', 'open']), 'stale', { allowDrop: true });
          expect(removed.text).toContain(`create type "${name}__new" as enum ('closed', 'pending', 'open')`);
          expect(await rows()).toEqual(data);

          // types: the drivers return an enum array as its text
          for (const ts of [typesFromSchema(declare(name, ['closed', 'pending', 'open']), fx.engine), typesFromSnapshot(await conn.introspect())]) {
            expect(ts).toMatch(/status: Generated<'closed' \| 'pending' \| 'open'>;/);
            expect(ts).toMatch(/history: Generated<string>;/);
            expect(ts).toMatch(/tags: string \| null;/);
          }
          expect(typeof (await sql<{ h: unknown }>`select history as h from tickets where id = 2`.execute(conn.db)).rows[0]!.h).toBe('string');

          const pulled = declarationSource(await conn.introspect()).source;
          expect(pulled).toContain(`enumColumn('history', '${name}', { default: { postgres: ${js(`'{open}'::${q}[]`)} }, array: true })`);
          expect(pulled).toContain(`enumColumn('tags', '${name}', { nullable: true, array: true })`);
          // the pulled file, loaded, is the database: validate finds nothing, migrate diff plans nothing
          const file = join(p.dir, 'pulled', 'index.ts');
          await pullSchema(conn, { out: file });
          const loaded = await loadExpectedSchemaFile(file);
          expect(await findings(loaded)).toEqual([]);
          expect((await migrateDiff(p.config, { name: 'pulled', engines, check: true, expected: loaded })).changed).toBe(false);

          for (const s of [removed, reordered, added]) {
            await down(conn, p.config, s.files);
            expect(await shape(conn)).toEqual(s.before);
            expect(await rows()).toEqual(data);
          }
          await sql`delete from tickets`.execute(conn.db);
          await down(conn, p.config, first.files);
          expect(await shape(conn)).toEqual(first.before);
          expect((await conn.introspect()).enums).toEqual([]);
        } finally {
          await conn.close();
        }
      });
    }
  },
  ['postgres', 'pglite'],
);

describeEngines(
  'migrate diff: arrays of an enum type on DuckDB (created, validated; no type change while they use it)',
  (fx) => {
    it('Mood_2 with an array column: diff, up, validate clean, --check finds nothing; a value added is refused naming both columns; down', { timeout: 120_000 }, async () => {
      const p = await makeProject(fx.dir(), fx.url(), 'arrays');
      const conn = await p.open();
      const engines = [fx.engine];
      try {
        const d = declare('Mood_2', ['open', 'closed']);
        p.declare(d);
        const before = await shape(conn);
        const r = await migrateDiff(p.config, { name: 'tickets', engines });
        expect(readFileSync(r.written[0]!, 'utf8')).toContain(`"history" "Mood_2"[] default (main.list_value('open')) not null`);
        await up(conn, p.config);
        const cols = (await conn.introspect()).tables.find((t) => t.name === 'tickets')!.columns;
        expect(cols.find((c) => c.name === 'history')!.type).toBe(`enum('open', 'closed')[]`);
        await sql`insert into tickets (id, tags) values (1, ['closed', 'open'])`.execute(conn.db);
        expect(diffSchema(conn.db, d, await conn.introspect()).map((i) => i.finding).filter((f) => f.level === 'error' || f.level === 'warning')).toEqual([]);
        expect((await migrateDiff(p.config, { name: 'again', engines, check: true })).changed).toBe(false);
        expect(declarationSource(await conn.introspect()).source).toContain(`enumColumn('tags', 'Mood_2', { nullable: true, array: true })`);
        p.declare(declare('Mood_2', ['open', 'pending', 'closed']));
        const files = p.files();
        const e = await migrateDiff(p.config, { name: 'pending', engines }).then(() => undefined, (x: unknown) => x as EventdbError);
        expect(e?.code).toBe('DIFF_REFUSED');
        expect(e?.message).toContain('DuckDB cannot alter an enumerated type (no ALTER TYPE) while columns use it: tickets.status, tickets.history, tickets.tags');
        expect(p.files()).toEqual(files);
        await sql`delete from tickets`.execute(conn.db);
        await down(conn, p.config, 1);
        expect(await shape(conn)).toEqual(before);
      } finally {
        await conn.close();
      }
    });
  },
  ['duckdb'],
);
