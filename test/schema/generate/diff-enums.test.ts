/**
 * `migrate diff` end to end with enum types (issue 17), on every engine: the generated migration
 * creates the type before the table; a value added is a no-transaction migration of its own whose
 * down rebuilds the type; `migrate up` then validate finds nothing, `--check` finds nothing, rollback
 * gives the schema back. DuckDB refuses a value added to a type a column uses, naming it, and writes
 * nothing; SQLite has no enum type (text), so there is nothing to write.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { EventdbError } from '../../../src/errors.js';
import { defineSchema, enumColumn, enumType, integer, table } from '../../../src/schema/authoring.js';
import { diffSchema } from '../../../src/schema/diff.js';
import { migrateDiff } from '../../../src/schema/generate/command.js';
import { withoutInternal } from '../../../src/schema/generate/replay.js';
import { describeEngines } from '../../helpers/engines.js';
import { down, makeProject, shape, up } from './project.js';

const declare = (values: string[]) =>
  defineSchema({ enums: [enumType('mood', values)], tables: [table('tickets', { columns: [integer('id'), enumColumn('status', 'mood', { default: "'open'" })], primaryKey: ['id'] })] });

describeEngines('migrate diff: enum types', (fx) => {
  it('creates the type, adds a value in a migration of its own, validates clean and rolls back', { timeout: 300_000 }, async () => {
    const p = await makeProject(fx.dir(), fx.url(), 'enums');
    const conn = await p.open();
    // PostgreSQL and PGlite: the migrations' schema is the database's own (migrate up is the only writer), not replayed in a scratch database (as the property test does)
    const engines = [fx.engine];
    const fast = fx.engine === 'postgres' ? { replayed: async () => withoutInternal(await conn.introspect()), rehearse: false } : {};
    try {
      p.declare(declare(['open', 'closed']));
      const first = await migrateDiff(p.config, { name: 'tickets', engines, ...fast });
      expect(first.written.length).toBe(1);
      const text = readFileSync(first.written[0]!, 'utf8');
      if (fx.engine === 'sqlite') expect(text).not.toMatch(/create type/);
      else expect(text).toMatch(/-- eventdb:up\ncreate type "mood" as enum \('open', 'closed'\);\ncreate table "tickets"/);
      await up(conn, p.config);
      const empty = await shape(conn);
      expect((await migrateDiff(p.config, { name: 'again', engines, check: true, ...fast })).changed).toBe(false);

      p.declare(declare(['open', 'pending', 'closed']));
      const before = p.files();
      if (fx.engine === 'duckdb') {
        const e = await migrateDiff(p.config, { name: 'pending', engines, ...fast }).then(() => undefined, (x: unknown) => x);
        expect(e).toBeInstanceOf(EventdbError);
        expect((e as EventdbError).code).toBe('DIFF_REFUSED');
        expect((e as EventdbError).message).toBe('duckdb cannot make this change: change values of enum type mood from (open, closed) to (open, pending, closed) (DuckDB cannot alter an enumerated type (no ALTER TYPE) while columns use it: tickets.status); nothing was written');
        expect(p.files()).toEqual(before);
        return;
      }
      const second = await migrateDiff(p.config, { name: 'pending', engines, ...fast });
      if (fx.engine === 'sqlite') {
        expect(second.changed).toBe(false);
        expect(p.files()).toEqual(before);
        return;
      }
      expect(second.written.length).toBe(1);
      const added = readFileSync(second.written[0]!, 'utf8');
      expect(added).toContain('-- eventdb:no-transaction');
      expect(added).toContain(`-- eventdb:up\nalter type "mood" add value 'pending' after 'open';\n-- eventdb:down\ndo $$ begin create type "mood__new" as enum ('open', 'closed');`);
      await up(conn, p.config);
      expect((await conn.introspect()).enums).toEqual([{ name: 'mood', values: ['open', 'pending', 'closed'] }]);
      const findings = diffSchema(conn.db, declare(['open', 'pending', 'closed']), await conn.introspect()).filter((i) => i.finding.level === 'error' || i.finding.level === 'warning');
      expect(findings).toEqual([]);
      expect((await migrateDiff(p.config, { name: 'again', engines, check: true, ...fast })).changed).toBe(false);
      await down(conn, p.config, 1);
      expect(await shape(conn)).toEqual(empty);
      await down(conn, p.config, 1);
      expect((await shape(conn)).tables).toEqual([]);
      expect((await conn.introspect()).enums).toEqual([]);
    } finally {
      await conn.close();
    }
  });
});
