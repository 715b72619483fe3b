/**
 * auto-fix creating a missing table (or column) whose default is PostgreSQL `nextval('seq')` creates
 * the sequence first, in the same transaction (issue 17); a sequence two new tables share is created
 * once; one that exists is not created again. PostgreSQL only (server and PGlite): the other engines
 * have no `nextval('…')` defaults to pull.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Connection } from '../../src/dialects/types.js';
import { openDatabase } from '../../src/index.js';
import { defineSchema, integer, table, text } from '../../src/schema/authoring.js';
import { autoFix } from '../../src/schema/autofix/index.js';
import type { ExpectedSchema } from '../../src/schema/model.js';
import { validateDatabase } from '../../src/schema/validate.js';
import { describeEngines } from '../helpers/engines.js';

const serial = (name: string, seq: string) => integer(name, { nullable: false, default: { postgres: `nextval('${seq}'::regclass)` } });

const expected: ExpectedSchema = defineSchema({
  tables: [
    table('actor', { columns: [serial('actor_id', 'actor_actor_id_seq'), text('name')], primaryKey: ['actor_id'] }),
    table('actor_alias', { columns: [serial('alias_id', 'actor_actor_id_seq'), text('alias')], primaryKey: ['alias_id'] }),
    table('ticket', { columns: [integer('id', { nullable: false }), serial('ticket_no', 'ticket_no_seq'), serial('batch_no', 'batch_seq')], primaryKey: ['id'] }),
  ],
});

describeEngines(
  'auto-fix: sequences behind nextval defaults',
  (fx) => {
    let conn: Connection;
    beforeEach(async () => {
      conn = await openDatabase({ flags: { url: fx.url() }, env: {}, cwd: fx.dir() }, { lockWaitMs: 30_000 });
      // ticket exists without ticket_no (and batch_seq exists already)
      await sql`create sequence batch_seq`.execute(conn.db);
      await sql`create table ticket (id integer primary key, batch_no integer not null default nextval('batch_seq'::regclass))`.execute(conn.db);
    });
    afterEach(async () => {
      await conn.close();
    });

    it('the plan creates each missing sequence once, before the table or column that draws from it; applied, validate is clean and ids are drawn', async () => {
      const plan = await autoFix(conn, await fx.config(), { expected, drift: false, allowPending: true });
      const sqlOf = (object: string) => plan.fixes.find((f) => f.object === object)!.sql;
      expect(sqlOf('table actor')[0]).toBe('create sequence actor_actor_id_seq');
      expect(sqlOf('table actor')[1]).toMatch(/^create table "actor"/);
      expect(sqlOf('table actor_alias').filter((s) => s.startsWith('create sequence'))).toEqual([]);
      expect(sqlOf('column ticket.ticket_no')[0]).toBe('create sequence ticket_no_seq');
      expect(plan.fixes.flatMap((f) => f.sql).filter((s) => s.includes('batch_seq') && s.startsWith('create sequence'))).toEqual([]);
      const v = await validateDatabase(conn, await fx.config(), { expected, drift: false });
      expect(v.findings.find((f) => f.object === 'table actor')!.fix!.sql[0]).toBe('create sequence actor_actor_id_seq');

      const r = await autoFix(conn, await fx.config(), { expected, apply: true, drift: false, allowPending: true });
      expect(r.fixes.filter((f) => f.status !== 'applied' && f.kind !== 'missing-history-table')).toEqual([]);
      expect(r.ok).toBe(true);
      const s = await conn.introspect();
      expect([...(s.sequences ?? [])].sort()).toEqual(['actor_actor_id_seq', 'batch_seq', 'ticket_no_seq']);
      const after = await validateDatabase(conn, await fx.config(), { expected, drift: false });
      expect(after.findings.filter((f) => f.level === 'error' || f.level === 'warning')).toEqual([]);
      await sql`insert into actor (name) values ('a'), ('b')`.execute(conn.db);
      await sql`insert into actor_alias (alias) values ('c')`.execute(conn.db);
      expect((await sql<{ id: number }>`select actor_id as id from actor union all select alias_id from actor_alias order by id`.execute(conn.db)).rows.map((x) => Number(x.id))).toEqual([1, 2, 3]);
    });
  },
  ['postgres', 'pglite'],
);
