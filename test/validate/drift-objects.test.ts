/**
 * Drift the replayed migrations must reveal (issue 19, item 10): a dropped trigger, a dropped or
 * redefined view, a changed expression index, a removed COLLATE, and a missing index or foreign
 * key — the missing objects as errors, as the README defines them.
 */
import { expect, it } from 'vitest';
import type { Engine } from '../../src/config/url.js';
import { openDatabase } from '../../src/index.js';
import type { ExpectedSchema } from '../../src/schema/model.js';
import { validateDatabase } from '../../src/schema/validate.js';
import { describeEngines } from '../helpers/engines.js';
import { exec } from './fixture.js';

/** What the "migrations" make: tables with a collation, an expression index, a foreign key, two views and a trigger (where the engine has them). */
function ddl(engine: Engine): string[] {
  if (engine === 'postgres') {
    return [
      'create table venues (id bigint primary key, name text not null collate "C", city text)',
      'create table events (id bigint primary key, venue_id bigint references venues (id), title text)',
      'create index events_venue_idx on events (venue_id)',
      'create index venues_lower_name_idx on venues (lower(name))',
      'create view big_venues as select id, name from venues where city is not null',
      'create view venue_names as select name from venues',
      'create function touch() returns trigger language plpgsql as $$ begin return new; end $$',
      'create trigger events_touch before update on events for each row execute function touch()',
    ];
  }
  if (engine === 'sqlite') {
    return [
      'create table venues (id integer primary key, name text not null collate nocase, city text)',
      'create table events (id integer primary key, venue_id integer references venues (id), title text)',
      'create index events_venue_idx on events (venue_id)',
      'create index venues_lower_name_idx on venues (lower(name))',
      'create view big_venues as select id, name from venues where city is not null',
      'create view venue_names as select name from venues',
      'create trigger events_touch after update on events begin select 1; end',
    ];
  }
  return [
    'create table venues (id bigint primary key, name text not null, city text)',
    'create table events (id bigint primary key, venue_id bigint, title text)',
    'create index events_venue_idx on events (venue_id)',
    'create index venues_lower_name_idx on venues (lower(name))',
    'create view big_venues as select id, name from venues where city is not null',
    'create view venue_names as select name from venues',
  ];
}

/** The hand-made changes: drop a view, redefine the other, drop the trigger, index and foreign key, change the expression index, remove the COLLATE. */
function byHand(engine: Engine): string[] {
  const views = ['drop view big_venues', 'drop view venue_names'];
  const reindex = ['drop index venues_lower_name_idx', 'create index venues_lower_name_idx on venues (upper(name))'];
  const redefine = ['create view venue_names as select name from venues where id > 0'];
  if (engine === 'postgres') {
    return [...views, 'drop trigger events_touch on events', 'drop index events_venue_idx', 'alter table events drop constraint events_venue_id_fkey', 'alter table venues alter column name type text collate "default"', ...reindex, ...redefine];
  }
  if (engine === 'sqlite') {
    // SQLite alters neither a collation nor a foreign key: rebuild both tables (the trigger and the index go with events)
    return [
      ...views,
      'create table venues_new (id integer primary key, name text not null, city text)',
      'insert into venues_new select * from venues',
      'drop table venues',
      'alter table venues_new rename to venues',
      'create table events_new (id integer primary key, venue_id integer, title text)',
      'insert into events_new select * from events',
      'drop table events',
      'alter table events_new rename to events',
      'create index venues_lower_name_idx on venues (upper(name))',
      ...redefine,
    ];
  }
  return [...views, 'drop index events_venue_idx', ...reindex, ...redefine];
}

const EXPECTED: Record<Engine, string[]> = {
  postgres: [
    'error:drift-missing-foreign-key',
    'error:drift-missing-index:index events_venue_idx',
    'error:drift-missing-trigger:trigger events_touch',
    'error:drift-missing-view:view big_venues',
    'warning:drift-collation:column venues.name',
    'warning:drift-index-definition:index venues_lower_name_idx',
    'warning:drift-view-definition:view venue_names',
  ],
  sqlite: [
    'error:drift-missing-foreign-key',
    'error:drift-missing-index:index events_venue_idx',
    'error:drift-missing-trigger:trigger events_touch',
    'error:drift-missing-view:view big_venues',
    'warning:drift-collation:column venues.name',
    'warning:drift-index-definition:index venues_lower_name_idx',
    'warning:drift-view-definition:view venue_names',
  ],
  duckdb: ['error:drift-missing-index:index events_venue_idx', 'error:drift-missing-view:view big_venues', 'warning:drift-index-definition:index venues_lower_name_idx', 'warning:drift-view-definition:view venue_names'],
};

describeEngines('validate: drift of views, triggers, expression indexes, collations', (fx) => {
  const opts = { expected: null, migrations: false as const, drift: true };
  const drift = (r: Awaited<ReturnType<typeof validateDatabase>>) =>
    r.findings.filter((f) => f.check === 'drift').map((f) => `${f.level}:${f.kind}${f.kind === 'drift-missing-foreign-key' ? '' : `:${f.object}`}`).sort();

  it('what the migrations make validates clean; each hand-made change is found, missing objects as errors', async () => {
    const config = await fx.config();
    const conn = await openDatabase(config);
    try {
      await exec(conn, ddl(fx.engine));
      const replay = async (scratch: typeof conn) => exec(scratch, ddl(fx.engine));
      const clean = await validateDatabase(conn, config, { ...opts, replay });
      expect(drift(clean)).toEqual(['ok:drift-none:schema']);

      await exec(conn, byHand(fx.engine));
      const r = await validateDatabase(conn, config, { ...opts, replay });
      expect(drift(r)).toEqual(EXPECTED[fx.engine]);
      expect(r.ok).toBe(false);
      const view = r.findings.find((f) => f.kind === 'drift-view-definition')!;
      expect(view.message).toMatch(/id > 0/);
    } finally {
      await conn.close();
    }
  });
});

describeEngines(
  'validate: an index built with another method than schema/ declares',
  (fx) => {
    it('a GIN index rebuilt as b-tree by hand is an index-mismatch error with the SQL to recreate it', async () => {
      const config = await fx.config();
      const conn = await openDatabase(config);
      const expected: ExpectedSchema = {
        formatVersion: 1,
        rules: [],
        tables: [{ name: 'docs', required: true, primaryKey: ['id'], columns: [{ name: 'id', family: 'integer', nullable: false, type: 'bigint' }, { name: 'tags', family: 'array', nullable: false, type: 'text[]' }], indexes: [{ name: 'docs_tags_idx', columns: ['tags'], using: 'gin' }] }],
      };
      try {
        await exec(conn, ['create table docs (id bigint primary key, tags text[] not null)', 'create index docs_tags_idx on docs using gin (tags)']);
        const ok = await validateDatabase(conn, config, { expected, migrations: false, drift: false });
        expect(ok.findings.filter((f) => f.level === 'error')).toEqual([]);
        await exec(conn, ['drop index docs_tags_idx', 'create index docs_tags_idx on docs (tags)']);
        const r = await validateDatabase(conn, config, { expected, migrations: false, drift: false });
        const f = r.findings.filter((x) => x.level === 'error');
        expect(f.map((x) => `${x.kind}:${x.object}:${x.message}`)).toEqual(['index-mismatch:index docs_tags_idx:index docs_tags_idx on docs uses btree; expected gin']);
        await exec(conn, f[0]!.fix!.sql);
        expect((await validateDatabase(conn, config, { expected, migrations: false, drift: false })).ok).toBe(true);
      } finally {
        await conn.close();
      }
    });
  },
  ['postgres'],
);
