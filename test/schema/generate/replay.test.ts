/**
 * The scratch database of `migrate diff` (replay.ts): the existing migrations replayed once, and the
 * generated ones rehearsed in that same scratch database, which is as it was afterwards; a failed
 * rehearsal is DIFF_REHEARSAL; closing removes it; the user's database and folder are never written.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { expect, it } from 'vitest';
import { EventdbError } from '../../../src/errors.js';
import { openReplayed, rehearseIn, withoutInternal } from '../../../src/schema/generate/replay.js';
import { describeEngines, pgAdminUrl } from '../../helpers/engines.js';
import { makeProject, shape } from './project.js';

const BASE = '-- eventdb:up\nCREATE TABLE venues (id integer primary key, name text not null);\n-- eventdb:down\nDROP TABLE venues;\n';
const ADD = { name: '0002_halls.sql', text: '-- eventdb:up\nCREATE TABLE halls (id integer primary key, venue integer);\n-- eventdb:down\nDROP TABLE halls;\n' };
const BAD = { name: '0002_bad.sql', text: '-- eventdb:up\nCREATE TABLE halls (id integer primary key);\nALTER TABLE nowhere ADD COLUMN x integer;\n-- eventdb:down\nDROP TABLE halls;\n' };

async function scratchDatabases(): Promise<string[]> {
  const c = new pg.Client({ connectionString: pgAdminUrl() });
  await c.connect();
  try {
    return (await c.query<{ datname: string }>(`select datname from pg_database where datname like 'eventdb_scratch_${process.pid}_%'`)).rows.map((r) => r.datname);
  } finally {
    await c.end();
  }
}

const historyIds = async (db: import('kysely').Kysely<any>) => (await sql<{ id: string }>`select id from eventdb_migrations order by id`.execute(db)).rows.map((r) => r.id);

describeEngines('migrate diff scratch database', (fx) => {
  it('a rehearsal applies the new files in the replayed scratch and rolls them back: the scratch is as it was, the folder and the database untouched', async () => {
    const p = await makeProject(fx.dir(), fx.url(), 'rehearse');
    writeFileSync(join(p.migrations, '0001_base.sql'), BASE);
    const s = await openReplayed(p.config, fx.engine);
    try {
      expect(s.schema.tables.map((t) => t.name)).toEqual(['venues']);
      await rehearseIn(s, p.migrations, [ADD]);
      expect(withoutInternal(await s.conn.introspect())).toEqual(s.schema);
      expect(await historyIds(s.conn.db)).toEqual(['0001_base']);
      // the scratch serves a second rehearsal as well
      await rehearseIn(s, p.migrations, [ADD]);
      expect(withoutInternal(await s.conn.introspect())).toEqual(s.schema);
    } finally {
      await s.close();
    }
    expect(readdirSync(p.migrations)).toEqual(['0001_base.sql']);
    const conn = await p.open();
    try {
      expect((await shape(conn)).tables).toEqual([]);
    } finally {
      await conn.close();
    }
    if (fx.variant === 'postgres') expect(await scratchDatabases()).toEqual([]);
  });

  it('a generated migration the engine rejects: DIFF_REHEARSAL naming the engine and its error; closing removes the scratch', async () => {
    const p = await makeProject(fx.dir(), fx.url(), 'rejected');
    writeFileSync(join(p.migrations, '0001_base.sql'), BASE);
    const s = await openReplayed(p.config, fx.engine);
    let err: unknown;
    try {
      err = await rehearseIn(s, p.migrations, [BAD]).catch((e: unknown) => e);
    } finally {
      await s.close();
    }
    expect(err).toBeInstanceOf(EventdbError);
    expect((err as EventdbError).code).toBe('DIFF_REHEARSAL');
    expect((err as EventdbError).message).toMatch(new RegExp(`^the generated migration fails on ${fx.engine}: .*nowhere.*; nothing was written$`, 's'));
    expect((err as EventdbError).hint).toMatch(/^the engine cannot make this change as planned/);
    expect(readdirSync(p.migrations)).toEqual(['0001_base.sql']);
    if (fx.variant === 'postgres') expect(await scratchDatabases()).toEqual([]);
  });
});
