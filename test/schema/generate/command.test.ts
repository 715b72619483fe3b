import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { expect, it } from 'vitest';
import { ddlFor } from '../../../src/dialects/ddl.js';
import { EventdbError } from '../../../src/errors.js';
import { migrateDiff } from '../../../src/schema/generate/command.js';
import { replayedSchema } from '../../../src/schema/generate/replay.js';
import { describeEngines, pgAdminUrl } from '../../helpers/engines.js';
import { count, down, int, makeProject, schemaOf, shape, table, text, up } from './project.js';

const BASE = '-- eventdb:up\nCREATE TABLE venues (id integer primary key, name text not null);\n-- eventdb:down\nDROP TABLE venues;\n';

async function scratchDatabases(): Promise<string[]> {
  const c = new pg.Client({ connectionString: pgAdminUrl() });
  await c.connect();
  try {
    return (await c.query<{ datname: string }>(`select datname from pg_database where datname like 'eventdb_scratch_${process.pid}_%'`)).rows.map((r) => r.datname);
  } finally {
    await c.end();
  }
}

async function failure(p: Promise<unknown>): Promise<EventdbError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof EventdbError) return e;
    throw e;
  }
  throw new Error('expected an EventdbError');
}

describeEngines('migrate diff', (fx) => {
  const engines = [fx.engine];

  it('replays the migrations into a scratch database, never the configured one', async () => {
    const p = await makeProject(fx.dir(), fx.url(), 'replay');
    writeFileSync(join(p.migrations, '0001_base.sql'), BASE);
    const s = await replayedSchema(p.config, fx.engine);
    expect(s.tables.map((t) => t.name)).toEqual(['venues']);
    const conn = await p.open();
    try {
      expect((await shape(conn)).tables).toEqual([]);
    } finally {
      await conn.close();
    }
    if (fx.variant === 'postgres') expect(await scratchDatabases()).toEqual([]);
  });

  it('writes the next migration; after up the rows survive and diff --check finds nothing (idempotence)', async () => {
    const p = await makeProject(fx.dir(), fx.url(), 'idem');
    writeFileSync(join(p.migrations, '0001_base.sql'), BASE);
    const conn = await p.open();
    try {
      await up(conn, p.config);
      await sql`insert into venues (id, name) values (1, 'hall'), (2, 'park')`.execute(conn.db);
      const events = table('events', [int('id', false), int('venue_id', false), text('title')], {
        indexes: [{ name: 'events_venue', columns: ['venue_id'] }],
        foreignKeys: [{ columns: ['venue_id'], references: { table: 'venues', columns: ['id'] }, onDelete: 'CASCADE', onUpdate: 'RESTRICT' }],
      });
      p.declare(schemaOf([table('venues', [int('id', false), text('name', false)]), events], engines));
      const r = await migrateDiff(p.config, { name: 'add_events' });
      expect(r.changed).toBe(true);
      expect(r.written.length).toBeGreaterThan(0);
      const applied = await up(conn, p.config);
      expect(applied.applied.length).toBe(r.written.length);
      expect(await count(conn, 'venues')).toBe(2);
      await sql`insert into events (id, venue_id, title) values (1, 1, 'gig')`.execute(conn.db);
      const s = await shape(conn);
      const fk = s.foreignKeys.find((f) => f.table === 'events')!;
      // engines without referential actions (DuckDB) keep NO ACTION, as validate and auto-fix read them
      expect([fk.refTable, fk.onDelete]).toEqual(['venues', ddlFor(fx.engine).facts.referentialActions ? 'CASCADE' : 'NO ACTION']);
      const before = p.files();
      const again = await migrateDiff(p.config, { name: 'again', check: true });
      expect(again.changed).toBe(false);
      expect(again.files).toEqual([]);
      const nothing = await migrateDiff(p.config, { name: 'again' });
      expect(nothing.written).toEqual([]);
      expect(p.files()).toEqual(before);
    } finally {
      await conn.close();
    }
  });
});

/** Engine-independent behaviour: PGlite is left out here (a PGlite scratch database takes seconds to start); it runs the two tests above. */
describeEngines('migrate diff', (fx) => {
  const engines = [fx.engine];
  const venues = table('venues', [int('id', false), text('name', false)]);

  it('--check reports a difference and writes nothing', async () => {
    const p = await makeProject(fx.dir(), fx.url(), 'check');
    writeFileSync(join(p.migrations, '0001_base.sql'), BASE);
    p.declare(schemaOf([table('venues', [int('id', false), text('name', false), int('capacity')])], engines));
    const r = await migrateDiff(p.config, { name: 'cap', check: true });
    expect(r.changed).toBe(true);
    expect(r.files.length).toBeGreaterThan(0);
    expect(r.written).toEqual([]);
    expect(p.files()).toEqual(['0001_base.sql']);
  });

  it('a drop is left out without --allow-drop (reported), and written with it', async () => {
    const p = await makeProject(fx.dir(), fx.url(), 'drop');
    writeFileSync(join(p.migrations, '0001_base.sql'), BASE.replace('name text not null', 'name text not null, note text'));
    p.declare(schemaOf([venues], engines));
    const r = await migrateDiff(p.config, { name: 'drop_note' });
    expect(r.written).toEqual([]);
    expect(r.changed).toBe(true);
    expect(r.omitted.map((o) => o.change).join(' ')).toContain('note');
    expect(p.files()).toEqual(['0001_base.sql']);
    const w = await migrateDiff(p.config, { name: 'drop_note', allowDrop: true });
    expect(w.written.length).toBeGreaterThan(0);
    const text = w.written.map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(text).toMatch(/drop/i);
    expect(text).toContain('-- eventdb:down');
  });

  it('a possible rename without a terminal: DIFF_RENAME_NEEDED with the flag to use, nothing written; --rename keeps the data', async () => {
    const p = await makeProject(fx.dir(), fx.url(), 'rename');
    writeFileSync(join(p.migrations, '0001_base.sql'), BASE);
    p.declare(schemaOf([table('venues', [int('id', false), text('title', false)])], engines));
    const e = await failure(migrateDiff(p.config, { name: 'rename' }));
    expect(e.code).toBe('DIFF_RENAME_NEEDED');
    expect(e.message).toContain('venues.name is gone and venues.title is new');
    expect(e.hint).toContain('--rename venues.name:title');
    expect(e.exitCode).toBe(2);
    expect(p.files()).toEqual(['0001_base.sql']);
    const conn = await p.open();
    try {
      await up(conn, p.config);
      await sql`insert into venues (id, name) values (1, 'hall')`.execute(conn.db);
      const r = await migrateDiff(p.config, { name: 'rename', renames: [{ table: 'venues', from: 'name', to: 'title' }] });
      expect(r.written.length).toBeGreaterThan(0);
      await up(conn, p.config);
      const rows = await sql<{ title: string }>`select title from venues`.execute(conn.db);
      expect(rows.rows.map((x) => x.title)).toEqual(['hall']);
      await down(conn, p.config, r.written.length);
      expect((await shape(conn)).tables[0]!.columns.map((c) => c.name)).toEqual(['id', 'name']);
    } finally {
      await conn.close();
    }
  });

  it('bad input: a name unusable in a file name, a missing schema folder — code, message, nothing written', async () => {
    const p = await makeProject(fx.dir(), fx.url(), 'bad');
    writeFileSync(join(p.migrations, '0001_base.sql'), BASE);
    p.declare(schemaOf([venues], engines));
    const e = await failure(migrateDiff(p.config, { name: '../evil' }));
    expect([e.code, e.exitCode]).toEqual(['USAGE', 2]);
    expect(e.message).toBe('migration name "../evil" is not usable in a file name');
    const noSchema = { ...p.config, schemaDir: join(p.dir, 'nowhere') };
    const e2 = await failure(migrateDiff(noSchema, { name: 'x' }));
    expect([e2.code, e2.exitCode]).toEqual(['NO_SCHEMA_DIR', 2]);
    expect(e2.message).toContain('no declaration at');
    expect(p.files()).toEqual(['0001_base.sql']);
    expect(existsSync(join(p.dir, 'nowhere'))).toBe(false);
  });
}, ['postgres', 'sqlite', 'duckdb']);
