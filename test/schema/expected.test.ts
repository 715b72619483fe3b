import { sql, type Kysely } from 'kysely';
import { expect, it } from 'vitest';
import type { Engine } from '../../src/config/url.js';
import type { SchemaSnapshot } from '../../src/dialects/types.js';
import { openDatabase } from '../../src/index.js';
import { loadExpectedSchema } from '../../src/schema/loader.js';
import { appliesTo, forEngine, type ExpectedSchema } from '../../src/schema/model.js';
import { describeEngines } from '../helpers/engines.js';
import { applyPlatform, SCHEMA_DIR } from './apply-platform.js';

/** `(status = 'published'::text)` and `status = 'published'` compare equal; so do `(lower(email))` and `lower(email)`. */
function norm(expr: string): string {
  let s = expr.replace(/::[a-z ]+/gi, '').replace(/\s+/g, ' ').trim().toLowerCase();
  while (/^\(.*\)$/.test(s) && balanced(s.slice(1, -1))) s = s.slice(1, -1).trim();
  return s;
}
function balanced(s: string): boolean {
  let d = 0;
  for (const ch of s) {
    if (ch === '(') d++;
    if (ch === ')' && --d < 0) return false;
  }
  return d === 0;
}

/** The live schema described in the declaration's terms, and the declaration for one engine. */
function fromLive(snap: SchemaSnapshot) {
  const platform = snap.tables.filter((t) => !t.name.startsWith('eventdb_'));
  return platform
    .map((t) => ({
      name: t.name,
      primaryKey: t.primaryKey,
      columns: t.columns.map((c) => ({ name: c.name, family: c.family, nullable: c.nullable, type: c.type, hasDefault: c.default !== null })),
      indexes: snap.indexes
        .filter((i) => i.table === t.name && !i.primary)
        .map((i) => ({ name: i.name, columns: i.columns.map(norm), unique: i.unique, where: i.where ? norm(i.where) : null }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      foreignKeys: snap.foreignKeys
        .filter((f) => f.table === t.name)
        .map((f) => ({ columns: f.columns, table: f.refTable, refColumns: f.refColumns, onDelete: f.onDelete }))
        .sort((a, b) => a.columns.join().localeCompare(b.columns.join())),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
function fromDeclaration(schema: ExpectedSchema, engine: Engine) {
  return schema.tables
    .filter((t) => appliesTo(t, engine))
    .map((t) => ({
      name: t.name,
      primaryKey: t.primaryKey,
      columns: t.columns.map((c) => ({ name: c.name, family: c.family, nullable: c.nullable, type: forEngine(c.type, engine), hasDefault: forEngine(c.default, engine) !== undefined })),
      indexes: (t.indexes ?? [])
        .filter((i) => appliesTo(i, engine))
        .map((i) => ({ name: i.name, columns: i.columns.map(norm), unique: !!i.unique, where: i.where ? norm(i.where) : null }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      foreignKeys: (t.foreignKeys ?? [])
        .filter((f) => appliesTo(f, engine))
        // DuckDB accepts no referential actions: its foreign keys all behave as NO ACTION.
        .map((f) => ({ columns: f.columns, table: f.references.table, refColumns: f.references.columns, onDelete: engine === 'duckdb' ? 'NO ACTION' : (f.onDelete ?? 'NO ACTION') }))
        .sort((a, b) => a.columns.join().localeCompare(b.columns.join())),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

async function leftovers(db: Kysely<any>, engine: Engine): Promise<string[]> {
  const q = {
    postgres: `select 'function ' || p.proname as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = current_schema()
               union all select 'sequence ' || c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = current_schema() and c.relkind = 'S'`,
    sqlite: `select type || ' ' || name as name from sqlite_schema where name not like 'sqlite_%'`,
    duckdb: `select 'sequence ' || sequence_name as name from duckdb_sequences() where schema_name = current_schema()`,
  }[engine];
  return (await sql.raw<{ name: string }>(q).execute(db)).rows.map((r) => r.name);
}

describeEngines('platform schema', (fx) => {
  it('migrations produce exactly the expected schema, with reference rows, and passing data rules', async () => {
    const schema = await loadExpectedSchema(SCHEMA_DIR);
    const conn = await openDatabase(await fx.config());
    try {
      await applyPlatform(conn, 'up');
      const live = fromLive(await conn.introspect());
      const declared = fromDeclaration(schema, fx.engine);
      expect(live.map((t) => t.name)).toEqual(declared.map((t) => t.name));
      for (const [i, t] of declared.entries()) expect(live[i], `table ${t.name}`).toEqual(t);

      for (const t of schema.tables) {
        for (const row of t.referenceRows ?? []) {
          const found = await conn.db.selectFrom(t.name).selectAll().where(t.primaryKey[0]!, '=', row[t.primaryKey[0]!]).executeTakeFirst();
          expect(found, `${t.name} ${JSON.stringify(row)}`).toMatchObject(row);
        }
      }
      for (const rule of schema.rules.filter((r) => appliesTo(r, fx.engine))) {
        const rows = (await sql.raw<{ key: string }>(forEngine(rule.sql, fx.engine)!).execute(conn.db)).rows;
        expect(rows, rule.name).toEqual([]);
      }
    } finally {
      await conn.close();
    }
  });

  it('rolls everything back leaving nothing behind, and applies again', async () => {
    const conn = await openDatabase(await fx.config());
    try {
      const before = await leftovers(conn.db, fx.engine);
      const up = await applyPlatform(conn, 'up');
      expect(up).toHaveLength(10);
      const down = await applyPlatform(conn, 'down');
      expect(down).toEqual([...up].reverse());
      expect((await conn.introspect()).tables).toEqual([]);
      expect(await leftovers(conn.db, fx.engine)).toEqual(before);
      await applyPlatform(conn, 'up');
      expect((await conn.introspect()).tables).toHaveLength(13);
    } finally {
      await conn.close();
    }
  });

  it('the database itself refuses bad rows: email in another case, rating 6, end before start, missing user', async () => {
    const conn = await openDatabase(await fx.config());
    const db = conn.db;
    try {
      await applyPlatform(conn, 'up');
      await db.insertInto('users').values({ id: 1, email: 'Ada@Example.com', name: 'Ada', role: 'organizer' }).execute();
      await db.insertInto('events').values({ id: 1, organizer_id: 1, title: 'Launch', status: 'published', starts_at: '2030-01-01T10:00:00Z', ends_at: '2030-01-01T12:00:00Z', capacity: 5 }).execute();
      await db.insertInto('registrations').values({ id: 1, user_id: 1, event_id: 1, status: 'attended' }).execute();
      await db.insertInto('attendance').values({ registration_id: 1, method: 'qr' }).execute();
      const count = async (t: string) => Number((await db.selectFrom(t).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);

      await expect(db.insertInto('users').values({ id: 2, email: 'ada@example.COM', name: 'Ada again' }).execute()).rejects.toThrow(/unique|duplicate/i);
      expect(await count('users')).toBe(1);
      await expect(db.insertInto('feedback').values({ registration_id: 1, rating: 6 }).execute()).rejects.toThrow(/check/i);
      expect(await count('feedback')).toBe(0);
      await expect(
        db.insertInto('events').values({ id: 2, organizer_id: 1, title: 'Backwards', starts_at: '2030-01-02T10:00:00Z', ends_at: '2030-01-02T09:00:00Z', capacity: 5 }).execute(),
      ).rejects.toThrow(/check|events_ends_after_starts/i);
      expect(await count('events')).toBe(1);
      await expect(db.insertInto('registrations').values({ id: 2, user_id: 999, event_id: 1, status: 'pending' }).execute()).rejects.toThrow(/foreign key/i);
      expect(await count('registrations')).toBe(1);
      // The good rows pass.
      await db.insertInto('feedback').values({ registration_id: 1, rating: 5, comment: 'great' }).execute();
      expect(await count('feedback')).toBe(1);
    } finally {
      await conn.close();
    }
  });
});
