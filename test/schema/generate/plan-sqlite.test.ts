/**
 * SQLite's table rebuild as the planner writes it, on a real file: the worst failure users of the
 * peer tools report is a rebuild that dropped the parent with foreign keys on, deleting every child
 * row through ON DELETE CASCADE. Here the children survive, triggers come back, and a foreign key
 * violation fails the rebuild with nothing changed.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Connection } from '../../../src/dialects/types.js';
import { openDatabase } from '../../../src/index.js';
import { planSchemaChange } from '../../../src/schema/generate/index.js';
import { describeEngines } from '../../helpers/engines.js';
import { applySteps, count, shape } from './apply-plan.js';
import { column, SEED, table, v1 } from './fixture.js';

const TRIGGER = `create trigger members_email_lower after insert on members begin
  -- emails are kept in lower case
  update members set email = lower(email) where id = new.id;
end`;

describeEngines(
  'planSchemaChange: SQLite rebuild',
  (fx) => {
    let conn: Connection;
    beforeEach(async () => {
      conn = await openDatabase({ flags: { url: fx.url() }, env: {}, cwd: fx.dir() });
      await applySteps(conn, planSchemaChange(await conn.introspect(), v1(), 'sqlite').steps);
      for (const q of SEED) await sql.raw(q).execute(conn.db);
      // a comment inside the body: re-created from a one-line canonical text, it swallowed the rest of the body
      await sql.raw(TRIGGER).execute(conn.db);
    });
    afterEach(async () => {
      await conn.close();
    });

    it('rebuilding a parent keeps every child row (ON DELETE CASCADE), its indexes and triggers, with foreign keys on after', async () => {
      const want = v1();
      column(want, 'members', 'name').nullable = false;
      table(want, 'members').indexes = [{ name: 'members_email_key', columns: ['email'], unique: true }];
      const p = planSchemaChange(await conn.introspect(), want, 'sqlite');
      expect(p.steps.some((s) => s.up.includes('drop table "members"'))).toBe(true);
      await applySteps(conn, p.steps);
      expect(await count(conn, 'registrations')).toBe(5);
      expect(await count(conn, 'members')).toBe(3);
      const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(conn.db);
      expect(fk.rows[0]!.foreign_keys).toBe(1);
      await sql.raw(`insert into members (id, email, name) values (4, 'D@X', 'Di')`).execute(conn.db);
      const d = await sql<{ email: string }>`select email from members where id = 4`.execute(conn.db);
      expect(d.rows[0]!.email).toBe('d@x'); // the trigger is back
      const text = await sql<{ sql: string }>`select sql from sqlite_schema where type = 'trigger' and name = 'members_email_lower'`.execute(conn.db);
      expect(text.rows[0]!.sql).toBe(TRIGGER.replace(/^create trigger/, 'CREATE TRIGGER')); // as written (SQLite spells the first two words), comment and line breaks kept
      await sql.raw('delete from members where id = 1').execute(conn.db);
      expect(await count(conn, 'registrations')).toBe(3); // and the cascade still works
      expect(planSchemaChange(await conn.introspect(), want, 'sqlite').steps).toEqual([]);
    });

    it('a rebuild that would leave a foreign key violated fails at the check, rolls back, and changes nothing', async () => {
      await sql.raw('pragma foreign_keys = off').execute(conn.db);
      await sql.raw(`insert into registrations (id, member_id, event_id) values (9, 99, 1)`).execute(conn.db); // an orphan from before
      await sql.raw('pragma foreign_keys = on').execute(conn.db);
      const before = shape(await conn.introspect());
      const want = v1();
      table(want, 'registrations').foreignKeys![0]!.onDelete = 'RESTRICT';
      const p = planSchemaChange(await conn.introspect(), want, 'sqlite');
      expect(p.steps).toHaveLength(1);
      const err = await applySteps(conn, p.steps).then(() => undefined, (e: unknown) => e as { code?: string; message: string });
      expect(err?.code).toBe('SQLITE_CONSTRAINT_CHECK');
      expect(err?.message).toMatch(/foreign_key_check found rows that violate a foreign key/);
      expect(shape(await conn.introspect())).toEqual(before);
      expect(await count(conn, 'registrations')).toBe(6);
      const left = await sql<{ name: string }>`select name from sqlite_master where name like '%__new' or name = 'eventdb_fk_check'`.execute(conn.db);
      expect(left.rows).toEqual([]);
    });
  },
  ['sqlite'],
);
