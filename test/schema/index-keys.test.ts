import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { canonicalIndexKey } from '../../src/dialects/index-keys.js';
import type { Connection, SchemaSnapshot } from '../../src/dialects/types.js';
import { migrateDiff, migrateUp, openDatabase } from '../../src/index.js';
import { splitStatements } from '../../src/migrations/split.js';
import { isInternalTable } from '../../src/schema/diff.js';
import type { ExpectedSchema } from '../../src/schema/model.js';
import { pullSchema } from '../../src/schema/pull/index.js';
import { loadExpectedSchemaFile } from '../../src/schema/loader.js';
import { collectFindings } from '../../src/schema/validate.js';
import { createPgDatabase, describeEngines, type EngineFixture } from '../helpers/engines.js';

// Index keys keep what the engine keeps beside a column: DESC / NULLS FIRST|LAST, an operator class, a collation.
// Found on LemmyNet/lemmy's schema (59 `… DESC` indexes, 4 `gin_trgm_ops`): pull dropped them, validate said
// "as expected", and migrate diff then built every such index ascending with the default operator class.

describe('index keys compared', () => {
  it('spells the order one way: ASC and the default NULLS placement are the default', () => {
    expect(canonicalIndexKey('published')).toBe(canonicalIndexKey('published ASC'));
    expect(canonicalIndexKey('published asc nulls last')).toBe(canonicalIndexKey('"published"'));
    expect(canonicalIndexKey('published DESC')).toBe(canonicalIndexKey('published desc nulls first'));
    expect(canonicalIndexKey('published DESC')).not.toBe(canonicalIndexKey('published'));
    expect(canonicalIndexKey('published DESC NULLS LAST')).not.toBe(canonicalIndexKey('published DESC'));
    expect(canonicalIndexKey('score NULLS FIRST')).not.toBe(canonicalIndexKey('score'));
    expect(canonicalIndexKey('name varchar_pattern_ops')).not.toBe(canonicalIndexKey('name'));
    // an engine that does not keep the order (DuckDB) compares without it
    expect(canonicalIndexKey('published DESC', false)).toBe(canonicalIndexKey('published', false));
  });
});

let n = 0;
const pgDbs: Array<{ drop(): Promise<void> }> = [];
afterAll(async () => {
  for (const d of pgDbs) await d.drop();
});

async function execAll(conn: Connection, text: string): Promise<void> {
  for (const s of await splitStatements(text, conn.engine)) await sql.raw(s).execute(conn.db);
}

/** Another empty database of the fixture's kind, for building the declaration again. */
async function freshUrl(fx: EngineFixture): Promise<string> {
  const dir = join(fx.dir(), `fresh-${++n}`);
  mkdirSync(dir, { recursive: true });
  if (fx.variant === 'postgres') {
    const d = await createPgDatabase('eventdb_keys');
    pgDbs.push(d);
    return d.url;
  }
  return fx.variant === 'pglite' ? `pglite:${join(dir, 'pg')}` : `${fx.engine}:${join(dir, `app.${fx.engine}`)}`;
}

const indexes = (s: SchemaSnapshot) =>
  s.indexes.filter((i) => !isInternalTable(i.table) && !i.primary).map(({ name, table, columns, unique, where }) => ({ name, table, columns, unique, where })).sort((a, b) => a.name.localeCompare(b.name));

async function schemaFindings(fx: EngineFixture, conn: Connection, expected: ExpectedSchema) {
  const c = await collectFindings(conn, await fx.config(), { expected, migrations: false, drift: false });
  return c.items.map((i) => i.finding).filter((f) => f.check === 'schema' && f.level !== 'ok');
}

const DDL = {
  postgres: `create table t (id integer primary key, name varchar(40), body text, published timestamptz, score integer);
    create index t_pub on t (published desc);
    create index t_score on t (score desc nulls last, id);
    create index t_nulls on t (score nulls first);
    create index t_name_pattern on t (name varchar_pattern_ops);
    create index t_body_c on t (body collate "C");
    create index t_lower on t (lower(name) desc);
    create unique index t_nnd on t (score, published) nulls not distinct;
    create index t_cover on t (published) include (name, body)`,
  sqlite: `create table t (id integer primary key, name text collate nocase, body text, published text, score integer);
    create index t_pub on t (published desc);
    create index t_score on t (score desc, id);
    create index t_body_nocase on t (body collate nocase);
    create index t_name_binary on t (name collate binary);
    create index t_lower on t (lower(name) desc)`,
  duckdb: `create table t (id integer primary key, published timestamptz, score integer);
    create index t_pub on t (published desc)`,
};
const KEYS = {
  postgres: [`['published DESC']`, `['score DESC NULLS LAST', 'id']`, `['score NULLS FIRST']`, `['name varchar_pattern_ops']`, `['body COLLATE "C"']`, `['lower(name::text) DESC']`, `unique('t_nnd', ['score', 'published'], { nullsNotDistinct: true })`, `index('t_cover', ['published'], { include: ['name', 'body'] })`],
  sqlite: [`['published DESC']`, `['score DESC', 'id']`, `['body COLLATE nocase']`, `['name COLLATE binary']`, `['lower(name) desc']`],
  // DuckDB accepts DESC and drops it
  duckdb: [`['published']`],
};

describeEngines('index keys: order, operator class and collation', (fx) => {
  it('pull declares them, validate agrees, and the declaration builds the same indexes again (diff --check then clean)', async () => {
    const conn = await openDatabase(await fx.config());
    try {
      await execAll(conn, DDL[fx.engine]);
      const file = join(fx.dir(), `pulled-${++n}`, 'index.ts');
      await pullSchema(conn, { out: file });
      const text = (await import('node:fs')).readFileSync(file, 'utf8');
      for (const k of KEYS[fx.engine]) expect(text).toContain(k);
      const expected = await loadExpectedSchemaFile(file);
      expect((await schemaFindings(fx, conn, expected)).map((f) => f.message)).toEqual([]);

      // built again from the declaration alone, on an empty database of the same kind
      const cwd = join(fx.dir(), `rebuilt-${++n}`);
      mkdirSync(cwd, { recursive: true });
      const config = await resolveConfig({ flags: { url: await freshUrl(fx) }, env: { EVENTDB_MIGRATIONS_DIR: join(cwd, 'migrations') }, cwd });
      const diff = await migrateDiff(config, { name: 'keys', expected, engines: [fx.engine] });
      expect(diff.written.length).toBeGreaterThan(0);
      const rebuilt = await openDatabase(config);
      try {
        await migrateUp(rebuilt, config);
        expect(indexes(await rebuilt.introspect())).toEqual(indexes(await conn.introspect()));
      } finally {
        await rebuilt.close();
      }
      const again = await migrateDiff(config, { name: 'again', expected, engines: [fx.engine], check: true });
      expect(again.changed).toBe(false);
    } finally {
      await conn.close();
    }
  });

  if (fx.engine !== 'duckdb') {
    it('validate reports an index whose keys differ from the declaration under the same name (index-mismatch), and changes nothing', async () => {
      const conn = await openDatabase(await fx.config());
      try {
        await execAll(conn, DDL[fx.engine]);
        const file = join(fx.dir(), `pulled-${++n}`, 'index.ts');
        await pullSchema(conn, { out: file });
        const expected = await loadExpectedSchemaFile(file);
        // the declaration as a pull without key options wrote it: ascending
        const t = expected.tables.find((x) => x.name === 't')!;
        t.indexes = t.indexes!.map((i) => (i.name === 't_pub' ? { ...i, columns: ['published'] } : i));
        const before = indexes(await conn.introspect());
        const found = await schemaFindings(fx, conn, expected);
        expect(found.map((f) => [f.level, f.kind, f.message])).toEqual([['error', 'index-mismatch', 'index t_pub on t is (published DESC); expected (published)']]);
        expect(indexes(await conn.introspect())).toEqual(before);
      } finally {
        await conn.close();
      }
    });
  }

  if (fx.engine === 'postgres') {
    it('validate reports an index whose INCLUDE columns or NULLS NOT DISTINCT differ from the declaration', async () => {
      const conn = await openDatabase(await fx.config());
      try {
        await execAll(conn, DDL.postgres);
        const file = join(fx.dir(), `pulled-${++n}`, 'index.ts');
        await pullSchema(conn, { out: file });
        const expected = await loadExpectedSchemaFile(file);
        const t = expected.tables.find((x) => x.name === 't')!;
        t.indexes = t.indexes!.map((i) => (i.name === 't_cover' ? { ...i, include: ['name'] } : i.name === 't_nnd' ? { ...i, nullsNotDistinct: false } : i));
        const found = await schemaFindings(fx, conn, expected);
        expect(found.map((f) => f.message).sort()).toEqual([
          'index t_cover on t is (published) include (name, body); expected (published) include (name)',
          'index t_nnd on t is (score, published) nulls not distinct; expected (score, published)',
        ]);
      } finally {
        await conn.close();
      }
    });
  }

  if (fx.engine !== 'postgres') {
    it('INCLUDE is left out where the engine has none; NULLS NOT DISTINCT is refused there (DIFF_REFUSED), nothing written', async () => {
      const cwd = join(fx.dir(), `extras-${++n}`);
      mkdirSync(cwd, { recursive: true });
      const config = await resolveConfig({ flags: { url: await freshUrl(fx) }, env: { EVENTDB_MIGRATIONS_DIR: join(cwd, 'migrations') }, cwd });
      const table = (nnd: boolean): ExpectedSchema => ({
        formatVersion: 1,
        rules: [],
        tables: [{ name: 'e', required: true, primaryKey: ['id'], columns: [{ name: 'id', family: 'integer', type: 'integer', nullable: false }, { name: 'code', family: 'text', type: 'text', nullable: true }, { name: 'note', family: 'text', type: 'text', nullable: true }], indexes: [{ name: 'e_code', columns: ['code'], unique: true, include: ['note'], ...(nnd ? { nullsNotDistinct: true } : {}) }] }],
      });
      const err = await migrateDiff(config, { name: 'e', expected: table(true), engines: [fx.engine] }).catch((e: unknown) => e);
      expect((err as { code?: string }).code).toBe('DIFF_REFUSED');
      expect((err as Error).message).toContain('nulls not distinct');
      expect(existsSync(join(cwd, 'migrations'))).toBe(false);
      expect((await migrateDiff(config, { name: 'e', expected: table(false), engines: [fx.engine] })).written.length).toBe(1);
      const db = await openDatabase(config);
      try {
        await migrateUp(db, config);
        const live = indexes(await db.introspect());
        expect(live.map((i) => [i.name, i.columns, i.unique])).toEqual([['e_code', ['code'], true]]);
        expect((await collectFindings(db, config, { expected: table(false), migrations: false, drift: false })).items.map((i) => i.finding).filter((f) => f.check === 'schema' && f.level !== 'ok')).toEqual([]);
      } finally {
        await db.close();
      }
      expect((await migrateDiff(config, { name: 'again', expected: table(false), engines: [fx.engine], check: true })).changed).toBe(false);
    });
  }

  if (fx.engine === 'duckdb') {
    it('a declared DESC key (DuckDB drops it) is planned once and then found, not planned again', async () => {
      const cwd = join(fx.dir(), `desc-${++n}`);
      mkdirSync(cwd, { recursive: true });
      const config = await resolveConfig({ flags: { url: await freshUrl(fx) }, env: { EVENTDB_MIGRATIONS_DIR: join(cwd, 'migrations') }, cwd });
      const expected: ExpectedSchema = {
        formatVersion: 1,
        rules: [],
        tables: [{ name: 'e', required: true, primaryKey: ['id'], columns: [{ name: 'id', family: 'integer', type: 'integer', nullable: false }, { name: 'at', family: 'timestamp', type: 'timestamptz', nullable: true }], indexes: [{ name: 'e_at', columns: ['at DESC'], unique: false }] }],
      };
      expect((await migrateDiff(config, { name: 'e', expected, engines: ['duckdb'] })).written.length).toBe(1);
      const db = await openDatabase(config);
      try {
        await migrateUp(db, config);
        expect(indexes(await db.introspect()).map((i) => i.columns)).toEqual([['at']]);
      } finally {
        await db.close();
      }
      expect((await migrateDiff(config, { name: 'again', expected, engines: ['duckdb'], check: true })).changed).toBe(false);
    });
  }
});
