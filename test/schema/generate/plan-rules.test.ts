/**
 * The planner's rules, on schemas as each engine's introspection reports them (no database: the
 * planner is pure). Applying the plans is tested in plan-engines.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/config/url.js';
import type { ColumnInfo, SchemaSnapshot } from '../../../src/dialects/types.js';
import { planSchemaChange } from '../../../src/schema/generate/index.js';
import type { ExpectedSchema } from '../../../src/schema/model.js';
import { col, column, table, v1 } from './fixture.js';

const c = (name: string, type: string, nullable = true, dflt: string | null = null, position = 1): ColumnInfo => ({ name, type, family: type === 'text' ? 'text' : 'integer', nullable, default: dflt, position });

/** v1 as it is live (PostgreSQL's type names are the same here): four tables, one index, two foreign keys. */
function live(engine: Engine, extra: Partial<SchemaSnapshot> = {}): SchemaSnapshot {
  return {
    engine,
    schema: engine === 'postgres' ? 'public' : 'main',
    tables: [
      { name: 'members', primaryKey: ['id'], columns: [c('id', 'integer', false), c('email', 'text', false), c('name', 'text'), c('score', 'integer', true, '0')] },
      { name: 'events', primaryKey: ['id'], columns: [c('id', 'integer', false), c('title', 'text', false)] },
      { name: 'registrations', primaryKey: ['id'], columns: [c('id', 'integer', false), c('member_id', 'integer', false), c('event_id', 'integer', false), c('note', 'text')] },
      { name: 'tags', primaryKey: ['id'], columns: [c('id', 'integer', false), c('label', 'text', false), c('color', 'text')] },
    ],
    indexes: [
      { name: 'registrations_member_idx', table: 'registrations', columns: ['member_id'], unique: false, primary: false, definition: 'CREATE INDEX registrations_member_idx ON public.registrations USING btree (member_id)' },
      { name: 'tags_label_idx', table: 'tags', columns: ['label'], unique: false, primary: false, definition: 'CREATE INDEX tags_label_idx ON public.tags USING btree (label)' },
    ],
    foreignKeys: [
      { name: 'registrations_member_id_fkey', table: 'registrations', columns: ['member_id'], refTable: 'members', refColumns: ['id'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' },
      { name: 'registrations_event_id_fkey', table: 'registrations', columns: ['event_id'], refTable: 'events', refColumns: ['id'], onDelete: 'NO ACTION', onUpdate: 'NO ACTION' },
    ],
    ...extra,
  };
}

const plan = (engine: Engine, want: ExpectedSchema, opts = {}, snap = live(engine)) => planSchemaChange(snap, want, engine, opts);
const ups = (p: ReturnType<typeof plan>) => p.steps.flatMap((s) => s.up);

describe('planSchemaChange rules', () => {
  it('nothing declared differs: no steps on any engine', () => {
    for (const e of ['postgres', 'sqlite', 'duckdb'] as const) expect(plan(e, v1())).toEqual({ engine: e, steps: [], omitted: [], refused: [], renameCandidates: [] });
  });

  it('PostgreSQL: an index on an existing table is built CONCURRENTLY in its own step outside a transaction, and dropped the same way on down', () => {
    const want = v1();
    table(want, 'members').indexes = [{ name: 'members_email_key', columns: ['email'], unique: true }];
    const p = plan('postgres', want);
    expect(p.steps).toEqual([
      { up: ['create unique index concurrently "members_email_key" on "members" ("email")'], down: ['drop index concurrently "members_email_key"'], transaction: false, note: 'CREATE INDEX CONCURRENTLY: runs outside a transaction; writes go on while it builds' },
    ]);
    expect(plan('sqlite', want).steps).toEqual([{ up: ['create unique index "members_email_key" on "members" ("email")'], down: ['drop index "members_email_key"'], transaction: true }]);
  });

  it('PostgreSQL: a foreign key is added NOT VALID, then validated in a step of its own; every action clause is written', () => {
    const want = v1();
    table(want, 'tags').columns.push(col('member_id', 'integer'));
    table(want, 'tags').foreignKeys = [{ columns: ['member_id'], references: { table: 'members', columns: ['id'] }, onDelete: 'SET NULL', onUpdate: 'CASCADE' }];
    const p = plan('postgres', want);
    expect(ups(p)).toEqual([
      'alter table "tags" add column "member_id" integer',
      'alter table "tags" add constraint "tags_member_id_fkey" foreign key ("member_id") references "members" ("id") on delete SET NULL on update CASCADE not valid',
      'alter table "tags" validate constraint "tags_member_id_fkey"',
    ]);
    expect(p.steps.map((s) => s.transaction)).toEqual([true, true, true]);
    expect(p.steps[1]!.down).toEqual(['alter table "tags" drop constraint "tags_member_id_fkey"']);
  });

  it('PostgreSQL: NOT NULL goes through a check added NOT VALID and validated; the down is the exact inverse', () => {
    const want = v1();
    column(want, 'members', 'name').nullable = false;
    const p = plan('postgres', want);
    expect(p.steps.map((s) => s.up)).toEqual([
      ['alter table "members" add constraint "members_name_not_null" check ("name" is not null) not valid'],
      ['alter table "members" validate constraint "members_name_not_null"'],
      ['alter table "members" alter column "name" set not null', 'alter table "members" drop constraint "members_name_not_null"'],
    ]);
    expect(p.steps.map((s) => s.down).reverse().flat()).toEqual([
      'alter table "members" add constraint "members_name_not_null" check ("name" is not null)',
      'alter table "members" alter column "name" drop not null',
      'alter table "members" drop constraint "members_name_not_null"',
    ]);
  });

  it('PostgreSQL: a column with a volatile default is added without it, then the default is set and the rows filled', () => {
    const want = v1();
    table(want, 'members').columns.push(col('token', 'uuid', true, { type: 'uuid', family: 'uuid', default: 'gen_random_uuid()' }));
    const p = plan('postgres', want);
    expect(ups(p)).toEqual([
      'alter table "members" add column "token" uuid',
      'alter table "members" alter column "token" set default (gen_random_uuid())',
      'update "members" set "token" = gen_random_uuid() where "token" is null',
    ]);
    expect(p.steps[0]!.down).toEqual(['alter table "members" drop column "token"']);
  });

  it('SQLite: what ALTER TABLE cannot do is a rebuild with foreign keys off, indexes and triggers re-created and a foreign key check that fails the step', () => {
    const want = v1();
    column(want, 'registrations', 'note').nullable = false;
    const snap = live('sqlite', { triggers: [{ name: 'registrations_audit', table: 'registrations', definition: 'CREATE TRIGGER registrations_audit AFTER INSERT ON registrations BEGIN SELECT 1; END' }] });
    const p = plan('sqlite', want, {}, snap);
    expect(p.steps).toHaveLength(1);
    const s = p.steps[0]!;
    expect(s.transaction).toBe(false);
    expect(s.up.slice(0, 3)).toEqual(['pragma foreign_keys = off', 'pragma legacy_alter_table = on', 'begin']);
    expect(s.up.slice(-3)).toEqual(['commit', 'pragma legacy_alter_table = off', 'pragma foreign_keys = on']);
    expect(s.up).toContain('insert into "registrations__new" ("id", "member_id", "event_id", "note") select "id", "member_id", "event_id", "note" from "registrations"');
    expect(s.up).toContain('create index "registrations_member_idx" on "registrations" ("member_id")');
    expect(s.up).toContain('CREATE TRIGGER registrations_audit AFTER INSERT ON registrations BEGIN SELECT 1; END');
    expect(s.up).toContain('insert into "eventdb_fk_check" select count(*) from pragma_foreign_key_check');
    expect(s.up.find((q) => q.startsWith('create table'))).toContain('constraint "registrations_member_id_fkey" foreign key ("member_id") references "members" ("id") on delete CASCADE');
    expect(s.down).toContain('CREATE INDEX registrations_member_idx ON public.registrations USING btree (member_id)');
  });

  it('DuckDB: a foreign key or check on an existing table is refused, named, and nothing half-done', () => {
    const want = v1();
    table(want, 'tags').foreignKeys = [{ columns: ['id'], references: { table: 'events', columns: ['id'] } }];
    const p = plan('duckdb', want);
    expect(p.steps).toEqual([]);
    expect(p.refused).toEqual([{ change: 'add foreign key tags_id_fkey on tags', reason: 'DuckDB cannot add a foreign key to an existing table (ALTER TABLE has no ADD CONSTRAINT)' }]);
  });

  it('DuckDB: an ALTER on a table with indexes drops them first and creates them again after', () => {
    const want = v1();
    column(want, 'tags', 'color').nullable = false;
    const p = plan('duckdb', want);
    expect(ups(p)).toEqual(['drop index "tags_label_idx"', 'alter table "tags" alter column "color" set not null', 'create index "tags_label_idx" on "tags" ("label")']);
    expect(p.steps[0]!.down).toEqual(['CREATE INDEX tags_label_idx ON public.tags USING btree (label)']);
  });

  it('drops of tables and columns and narrowing type changes only with allowDrop; widening ones always', () => {
    const want = v1();
    want.tables = want.tables.filter((t) => t.name !== 'tags');
    table(want, 'members').columns = table(want, 'members').columns.filter((x) => x.name !== 'score');
    column(want, 'registrations', 'note').type = 'varchar(10)';
    column(want, 'events', 'title').type = 'varchar';
    const p = plan('postgres', want);
    expect(p.omitted).toEqual([
      { change: 'change type of registrations.note from text to varchar(10)', reason: 'a narrowing type change can lose data; it needs allowDrop' },
      { change: 'drop column members.score', reason: 'it is not declared; dropping a column needs allowDrop' },
      { change: 'drop table tags', reason: 'it is not declared; dropping a table needs allowDrop' },
    ]);
    expect(ups(p)).toEqual(['alter table "events" alter column "title" type varchar using "title"::varchar']);
    const a = plan('postgres', want, { allowDrop: true });
    expect(a.omitted).toEqual([]);
    expect(ups(a)).toEqual([
      'alter table "registrations" alter column "note" type varchar(10) using "note"::varchar(10)',
      'alter table "events" alter column "title" type varchar using "title"::varchar',
      'alter table "members" drop column "score"',
      'drop table "tags"',
    ]);
    expect(a.steps.at(-1)!.down).toEqual(['create table "tags" ("id" integer not null, "label" text not null, "color" text, constraint "tags_pkey" primary key ("id"))', 'CREATE INDEX tags_label_idx ON public.tags USING btree (label)']);
  });

  it('a table gone and one with the same columns added is a rename candidate; renames plans the rename with its columns', () => {
    const want = v1();
    table(want, 'tags').name = 'labels';
    const p = plan('postgres', want, { allowDrop: true });
    expect(p.renameCandidates).toEqual([{ kind: 'table', table: 'labels', from: 'tags', to: 'labels' }]);
    expect(p.steps).toEqual([]);
    const r = plan('postgres', want, { renames: [{ table: 'labels', fromTable: 'tags' }] });
    expect(r.steps).toEqual([{ up: ['alter table "tags" rename to "labels"'], down: ['alter table "labels" rename to "tags"'], transaction: true }]);
  });

  it('a rename the caller names that cannot apply is refused, named', () => {
    const p = plan('postgres', v1(), { renames: [{ table: 'members', from: 'nope', to: 'x' }] });
    expect(p.refused).toEqual([{ change: 'rename column members.nope to x', reason: 'column members.nope does not exist' }]);
    const d = plan('duckdb', (() => { const w = v1(); table(w, 'members').name = 'people'; return w; })(), { renames: [{ table: 'people', fromTable: 'members' }] });
    expect(d.refused).toEqual([{ change: 'rename table members to people', reason: 'DuckDB cannot rename a table other tables reference by foreign key' }]);
  });

  it('checks (when declared and introspected): added NOT VALID then validated on PostgreSQL, dropped when gone, left alone when equal', () => {
    const want = v1();
    (table(want, 'members') as { checks?: unknown }).checks = [{ name: 'members_score_check', expression: 'score >= 0' }];
    const snap = live('postgres', { checks: [{ table: 'members', name: 'members_email_check', expression: "(email <> ''::text)" }] } as Partial<SchemaSnapshot>);
    const p = plan('postgres', want, {}, snap);
    expect(ups(p)).toEqual([
      'alter table "members" drop constraint "members_email_check"',
      'alter table "members" add constraint "members_score_check" check (score >= 0) not valid',
      'alter table "members" validate constraint "members_score_check"',
    ]);
    const same = live('postgres', { checks: [{ table: 'members', name: 'members_score_check', expression: '((score >= 0))' }] } as Partial<SchemaSnapshot>);
    expect(plan('postgres', want, {}, same).steps).toEqual([]);
  });
  it('a primary key change: replaced in place on PostgreSQL, a rebuild on SQLite, refused on DuckDB', () => {
    const want = v1();
    table(want, 'tags').primaryKey = ['id', 'label'];
    const pg = plan('postgres', want);
    expect(pg.steps.map((s) => [s.up, s.down])).toEqual([
      [
        ['alter table "tags" drop constraint "tags_pkey"', 'alter table "tags" add constraint "tags_pkey" primary key ("id", "label")'],
        ['alter table "tags" drop constraint "tags_pkey"', 'alter table "tags" add constraint "tags_pkey" primary key ("id")'],
      ],
    ]);
    const lite = plan('sqlite', want);
    expect(lite.steps).toHaveLength(1);
    expect(lite.steps[0]!.up.find((q) => q.startsWith('create table'))).toContain('primary key ("id", "label")');
    const duck = plan('duckdb', want);
    expect(duck.steps).toEqual([]);
    expect(duck.refused).toEqual([{ change: 'alter primary key of tags', reason: 'DuckDB cannot change the primary key of an existing table' }]);
  });

  it('dropping a table other tables reference: their foreign keys go first on PostgreSQL; DuckDB refuses; SQLite turns foreign keys off around it', () => {
    const want = v1();
    want.tables = want.tables.filter((t) => t.name !== 'events');
    table(want, 'registrations').foreignKeys = table(want, 'registrations').foreignKeys!.filter((f) => f.references.table !== 'events');
    const pg = plan('postgres', want, { allowDrop: true });
    expect(ups(pg)).toEqual(['alter table "registrations" drop constraint "registrations_event_id_fkey"', 'drop table "events"']);
    expect(pg.steps.at(-1)!.down).toEqual(['create table "events" ("id" integer not null, "title" text not null, constraint "events_pkey" primary key ("id"))']);
    const duck = plan('duckdb', want, { allowDrop: true });
    expect(duck.steps).toEqual([]);
    expect(duck.refused.map((r) => r.change)).toEqual(['drop constraint registrations_event_id_fkey on registrations', 'drop table events']);
    const lite = plan('sqlite', want, { allowDrop: true });
    expect(lite.steps.at(-1)!.up).toEqual(['pragma foreign_keys = off', 'begin', 'drop table "events"', 'commit', 'pragma foreign_keys = on']);
  });
  it('SQLite: a rebuild of a table whose triggers name what the plan renames is refused, named (rename first)', () => {
    const want = v1();
    const t = table(want, 'registrations');
    t.columns[3]!.name = 'remark';
    t.columns[3]!.nullable = false;
    const snap = live('sqlite', { triggers: [{ name: 'registrations_audit', table: 'registrations', definition: 'CREATE TRIGGER registrations_audit AFTER UPDATE OF note ON registrations BEGIN SELECT 1; END' }] });
    const p = plan('sqlite', want, { renames: [{ table: 'registrations', from: 'note', to: 'remark' }] }, snap);
    expect(p.steps.flatMap((s) => s.up)).toEqual(['alter table "registrations" rename column "note" to "remark"']);
    expect(p.refused).toEqual([{ change: 'rebuild registrations', reason: 'its triggers name what this plan renames: apply the renames first, then plan again' }]);
  });
});
