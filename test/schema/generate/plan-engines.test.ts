/**
 * The planner under `migrate diff` (issue #17) against real engines: apply `up`, the rows survive,
 * planning again finds nothing (idempotence), and the downs restore the schema. SQLite and DuckDB in
 * memory through the dialects, PGlite, and the PostgreSQL server.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import type { Connection } from '../../../src/dialects/types.js';
import type { ExpectedSchema } from '../../../src/schema/model.js';
import { describeEngines } from '../../helpers/engines.js';
import { applySteps, plannerEachTest, count, shape } from './apply-plan.js';
import { col, column, SEED, table, v1 } from './fixture.js';

describeEngines('planSchemaChange', (fx) => {
  let conn!: Connection;
  const plan = plannerEachTest(fx, (c) => (conn = c));
  const seeded = async () => {
    const p = await plan(v1());
    await applySteps(conn, p.steps);
    for (const q of SEED) await sql.raw(q).execute(conn.db);
  };
  const rows = async () => ({ members: await count(conn, 'members'), events: await count(conn, 'events'), registrations: await count(conn, 'registrations'), tags: await count(conn, 'tags') });

  it('from an empty database: creates every table, referenced ones first; planning again finds nothing', async () => {
    const p = await plan(v1());
    expect(p.refused).toEqual([]);
    expect(p.omitted).toEqual([]);
    const created = p.steps.map((s) => /create table "(\w+)"/.exec(s.up.find((q) => q.startsWith('create table')) ?? '')?.[1]).filter(Boolean);
    expect(created.indexOf('registrations')).toBeGreaterThan(created.indexOf('members'));
    expect(created.indexOf('registrations')).toBeGreaterThan(created.indexOf('events'));
    await applySteps(conn, p.steps);
    const again = await plan(v1());
    expect(again.steps).toEqual([]);
    await applySteps(conn, p.steps, 'down');
    expect(shape(await conn.introspect()).tables).toEqual([]);
  });

  it('column and index changes apply with every row kept, plan nothing afterwards, and roll back to the same schema', async () => {
    await seeded();
    const before = shape(await conn.introspect());
    const want = v1();
    table(want, 'members').columns.push(col('tier', 'text', false, { default: "'basic'" }));
    column(want, 'members', 'name').nullable = false;
    Object.assign(column(want, 'members', 'score'), { type: 'bigint', default: '10' });
    table(want, 'members').indexes = [{ name: 'members_email_key', columns: ['email'], unique: true }];
    table(want, 'events').columns.push(col('capacity', 'integer'));
    table(want, 'registrations').indexes!.push({ name: 'registrations_note_idx', columns: ['note'], where: 'note is not null' });
    want.tables.push({ name: 'venues', required: true, columns: [col('id', 'integer', false), col('name', 'text', false)], primaryKey: ['id'] });

    const p = await plan(want);
    const refusedDuck = ['create partial index registrations_note_idx on registrations', 'add column members.tier not null', 'alter type of members.score', 'set not null on members.name', 'add column events.capacity'];
    expect(p.refused.map((r) => r.change)).toEqual(fx.engine === 'duckdb' ? refusedDuck : []);
    if (fx.engine === 'duckdb') expect(p.refused[1]!.reason).toBe('DuckDB cannot alter members while other tables reference it by foreign key');
    expect(p.omitted).toEqual([]);
    expect(p.renameCandidates).toEqual([]);
    await applySteps(conn, p.steps);
    expect(await rows()).toEqual({ members: 3, events: 2, registrations: 5, tags: 2 });
    if (fx.engine !== 'duckdb') {
      const tiers = await sql<{ tier: string }>`select tier from members order by id`.execute(conn.db);
      expect(tiers.rows.map((r) => r.tier)).toEqual(['basic', 'basic', 'basic']);
    }
    const again = await plan(want);
    expect(again.steps).toEqual([]);
    expect(again.refused.map((r) => r.change)).toEqual(fx.engine === 'duckdb' ? refusedDuck : []);

    await applySteps(conn, p.steps, 'down');
    expect(shape(await conn.introspect())).toEqual(before);
    expect(await rows()).toEqual({ members: 3, events: 2, registrations: 5, tags: 2 });
  });

  it('foreign key actions: every ON DELETE / ON UPDATE clause reaches the engine (DuckDB has none)', async () => {
    await seeded();
    const before = shape(await conn.introspect());
    const want = v1();
    table(want, 'registrations').foreignKeys![1] = { columns: ['event_id'], references: { table: 'events', columns: ['id'] }, onDelete: 'CASCADE', onUpdate: 'CASCADE' };
    table(want, 'registrations').foreignKeys![0]!.onDelete = 'RESTRICT';
    const p = await plan(want);
    if (fx.engine === 'duckdb') {
      expect(p.steps).toEqual([]); // nothing to change: DuckDB takes no referential actions
      return;
    }
    expect(p.refused).toEqual([]);
    expect(p.steps.flatMap((s) => s.up).join('\n')).toMatch(/on delete cascade on update cascade/i);
    await applySteps(conn, p.steps);
    const fks = (await conn.introspect()).foreignKeys.filter((f) => f.table === 'registrations').map((f) => `${f.columns[0]} ${f.onDelete} ${f.onUpdate}`).sort();
    expect(fks).toEqual(['event_id CASCADE CASCADE', 'member_id RESTRICT NO ACTION']);
    expect(await rows()).toEqual({ members: 3, events: 2, registrations: 5, tags: 2 });
    expect((await plan(want)).steps).toEqual([]);
    await applySteps(conn, p.steps, 'down');
    expect(shape(await conn.introspect())).toEqual(before);
  });

  it('a column gone and one of its type added is a rename candidate, not a drop and an add; renames resolves it; drops need allowDrop', async () => {
    await seeded();
    const before = shape(await conn.introspect());
    const want = v1();
    const t = table(want, 'tags');
    t.columns = [t.columns[0]!, t.columns[1]!, col('colour', 'text')];
    const p = await plan(want);
    expect(p.renameCandidates).toEqual([{ table: 'tags', from: 'color', to: 'colour' }]);
    expect(p.omitted).toEqual([]);
    expect(p.steps).toEqual([]);

    const r = await plan(want, { renames: [{ table: 'tags', from: 'color', to: 'colour' }] });
    expect(r.renameCandidates).toEqual([]);
    expect(r.refused).toEqual([]);
    await applySteps(conn, r.steps);
    const colours = await sql<{ colour: string }>`select colour from tags order by id`.execute(conn.db);
    expect(colours.rows.map((x) => x.colour)).toEqual(['red', 'blue']);
    expect((await plan(want)).steps).toEqual([]);

    // label (indexed) is no longer declared: left out, unless allowDrop
    t.columns = [t.columns[0]!, t.columns[2]!];
    t.indexes = [];
    const d = await plan(want);
    expect(d.omitted).toEqual([{ change: 'drop column tags.label', reason: 'it is not declared; dropping a column needs allowDrop' }]);
    expect(d.steps.flatMap((s) => s.up).some((q) => /drop (table|column)/i.test(q))).toBe(false);
    const a = await plan(want, { allowDrop: true });
    expect(a.omitted).toEqual([]);
    expect(a.refused).toEqual([]);
    await applySteps(conn, a.steps);
    const left = await sql`select * from tags order by id`.execute(conn.db);
    expect(left.rows).toEqual([{ id: 1, colour: 'red' }, { id: 2, colour: 'blue' }]);
    expect(await rows()).toEqual({ members: 3, events: 2, registrations: 5, tags: 2 });
    expect((await plan(want, { allowDrop: true })).steps).toEqual([]);
    expect(before.tables.find((x) => x.name === 'tags')!.columns.map((c) => c.name)).toEqual(['color', 'id', 'label']); // (sorted by name)
  });

  it('a table rename and its column renames go together; the data moves with them', async () => {
    await seeded();
    const want = v1();
    const t = table(want, 'tags');
    t.name = 'labels';
    t.columns[1]!.name = 'title';
    t.indexes = [{ name: 'tags_label_idx', columns: ['title'] }];
    const p = await plan(want, { renames: [{ table: 'labels', fromTable: 'tags' }, { table: 'labels', from: 'label', to: 'title' }] });
    expect(p.refused).toEqual([]);
    expect(p.steps.flatMap((s) => s.up).some((q) => /drop table/i.test(q))).toBe(false);
    await applySteps(conn, p.steps);
    const titles = await sql<{ title: string }>`select title from labels order by id`.execute(conn.db);
    expect(titles.rows.map((x) => x.title)).toEqual(['music', 'talk']);
    expect((await plan(want)).steps).toEqual([]);
  });

  it('types, defaults and indexes as each engine reports them back: created, then nothing to do', async () => {
    const want: ExpectedSchema = {
      formatVersion: 1,
      rules: [],
      tables: [
        {
          name: 'things',
          required: true,
          primaryKey: ['id'],
          columns: [
            col('id', 'bigint', false),
            col('code', 'text', false, { type: 'varchar(50)', default: "'new'" }),
            col('price', 'decimal', true, { type: 'numeric(10,2)', default: '0' }),
            col('active', 'boolean', false, { type: { postgres: 'boolean', sqlite: 'integer', duckdb: 'boolean' }, default: { postgres: 'true', sqlite: '1', duckdb: 'true' } }),
            col('created_at', 'timestamptz', false, { type: { postgres: 'timestamptz', sqlite: 'text', duckdb: 'timestamptz' }, default: 'current_timestamp' }),
            col('ratio', 'float', true, { type: { postgres: 'double precision', sqlite: 'real', duckdb: 'double' } }),
            col('email', 'text'),
          ],
          indexes: [
            { name: 'things_code_key', columns: ['code'], unique: true },
            { name: 'things_active_idx', columns: ['created_at'], where: fx.engine === 'sqlite' ? 'active = 1' : 'active' },
            { name: 'things_email_idx', columns: ['lower(email)'] },
          ],
        },
      ],
    };
    const p = await plan(want);
    const refused = fx.engine === 'duckdb' ? [{ change: 'create partial index things_active_idx on things', reason: 'DuckDB cannot create a partial index (CREATE INDEX … WHERE)' }] : [];
    expect(p.refused).toEqual(refused);
    await applySteps(conn, p.steps);
    await sql.raw(`insert into things (id, email) values (1, 'A@x')`).execute(conn.db);
    const again = await plan(want);
    expect(again.steps.map((s) => s.up)).toEqual([]);
    expect(again.omitted).toEqual([]);
    expect(again.refused).toEqual(refused);
  });
});
