import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import platform from '../../schema/index.js';
import type { Engine } from '../../src/config/url.js';
import { openDatabase } from '../../src/index.js';
import { column, defineSchema, integer, table } from '../../src/schema/authoring.js';
import { typesFromSchema, typesFromSnapshot } from '../../src/schema/types-gen/index.js';
import { runCli } from '../helpers/cli.js';
import { describeEngines } from '../helpers/engines.js';
import { applyPlatform, SCHEMA_DIR } from './apply-platform.js';
import { compileCases } from './compile-types.js';

const work = mkdtempSync(join(tmpdir(), 'eventdb-types-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function compile(cases: Record<string, { types: string; queries: string }>): Record<string, string[]> {
  return compileCases(work, Object.fromEntries(Object.entries(cases).map(([k, c]) => [k, { 'database.ts': c.types, 'queries.ts': c.queries }])));
}

/** A select per table, plus typed reads and writes on the platform tables the engines differ on. */
function platformQueries(engine: Engine): string {
  const tables = platform.tables.filter((t) => !t.engines || t.engines.includes(engine)).map((t) => t.name);
  const lines = [
    `import { Kysely } from 'kysely';`,
    `import type { Database } from './database.js';`,
    `declare const db: Kysely<Database>;`,
    `export async function run() {`,
    ...tables.map((t, i) => `  const r${i} = await db.selectFrom('${t}').selectAll().executeTakeFirstOrThrow(); void r${i};`),
    `  const u = await db.selectFrom('users').select(['id', 'email', 'email_verified', 'created_at', 'deleted_at']).executeTakeFirstOrThrow();`,
    `  const email: string = u.email; void email;`,
    `  // @ts-expect-error email is a string, never a number`,
    `  const wrong: number = u.email; void wrong;`,
    `  const verified: ${engine === 'sqlite' ? 'number' : 'boolean'} = u.email_verified; void verified;`,
    `  const created: ${engine === 'sqlite' ? 'string' : 'Date'} = u.created_at; void created;`,
    `  const deleted: ${engine === 'sqlite' ? 'string' : 'Date'} | null = u.deleted_at; void deleted;`,
    `  const e = await db.selectFrom('events').select(['price', 'metadata']).executeTakeFirstOrThrow();`,
    `  const price: ${engine === 'postgres' ? 'string' : 'number'} = e.price; void price;`,
    `  // id, created_at, updated_at and the defaulted columns may be left out; the others may not`,
    `  await db.insertInto('users').values({ email: 'a@b.c', name: 'A' }).execute();`,
    `  // @ts-expect-error name is required`,
    `  await db.insertInto('users').values({ email: 'a@b.c' }).execute();`,
    `  await db.insertInto('membership_tiers').values({ code: 'gold', name: 'Gold', rank: 4 }).execute();`,
    `  await db.updateTable('events').set({ starts_at: ${engine === 'sqlite' ? `'2030-01-01T00:00:00Z'` : 'new Date()'} }).where('id', '=', 1).execute();`,
    `}`,
  ];
  return lines.join('\n') + '\n';
}

/** A table with a generated column, and queries: reading it compiles, inserting into it must not (line 6). */
const COMPUTED = defineSchema({
  engines: ['duckdb'],
  tables: [table('readings', { columns: [integer('id'), column('value', 'float', { duckdb: 'double' }, { nullable: true }), column('doubled', 'float', { duckdb: 'double' }, { nullable: true, generated: { expression: 'value * 2', stored: false } })], primaryKey: ['id'] })],
});
const COMPUTED_QUERIES = [
  `import { Kysely } from 'kysely';`,
  `import type { Database } from './database.js';`,
  `declare const db: Kysely<Database>;`,
  `export async function run() {`,
  `  const r = await db.selectFrom('readings').select('doubled').executeTakeFirstOrThrow(); const d: number | null = r.doubled; void d;`,
  `  await db.insertInto('readings').values({ id: 1, value: 2, doubled: 4 }).execute();`,
  `}`,
].join('\n') + '\n';

describe('types from the declaration', () => {
  let diagnostics: Record<string, string[]> = {};
  beforeAll(() => {
    diagnostics = compile({
      postgres: { types: typesFromSchema(platform, 'postgres'), queries: platformQueries('postgres') },
      sqlite: { types: typesFromSchema(platform, 'sqlite'), queries: platformQueries('sqlite') },
      duckdb: { types: typesFromSchema(platform, 'duckdb'), queries: platformQueries('duckdb') },
      broken: { types: typesFromSchema(platform, 'sqlite'), queries: `import { Kysely } from 'kysely';\nimport type { Database } from './database.js';\ndeclare const db: Kysely<Database>;\nexport const q = db.selectFrom('users').select('no_such_column');\n` },
      computed: { types: typesFromSchema(COMPUTED, 'duckdb'), queries: COMPUTED_QUERIES },
    });
  }, 60_000);

  for (const engine of ['postgres', 'sqlite', 'duckdb'] as const) {
    it(`${engine}: compile with tsc --strict against the project's Kysely, a query per table typechecks, and output is deterministic`, () => {
      expect(typesFromSchema(platform, engine)).toBe(typesFromSchema(platform, engine));
      expect(diagnostics[engine]).toEqual([]);
    });
  }

  it('types each engine as its driver returns the values', () => {
    const pg = typesFromSchema(platform, 'postgres');
    expect(pg).toContain('  id: ColumnType<number | string, number | string | bigint | undefined, number | string | bigint>;');
    expect(pg).toContain('  price: ColumnType<string, number | string | undefined, number | string>;');
    expect(pg).toContain('  created_at: ColumnType<Date, Date | string | undefined, Date | string>;');
    expect(pg).toContain('  metadata: ColumnType<JsonValue, string | undefined, string>;');
    const lite = typesFromSchema(platform, 'sqlite');
    expect(lite).toContain('  id: Generated<number>;');
    expect(lite).toContain('  email_verified: Generated<number>;');
    expect(lite).toContain('  deleted_at: string | null;');
    const duck = typesFromSchema(platform, 'duckdb');
    expect(duck).toContain('  price: ColumnType<number, number | string | undefined, number | string>;');
    expect(duck).toContain('  tags: Generated<string>;');
    expect(duck).toContain('  starts_at: ColumnType<Date, Date | string, Date | string>;');
  });

  it('a generated (computed) column is GeneratedAlways: read, never written (every engine refuses a value for it)', () => {
    expect(typesFromSchema(COMPUTED, 'duckdb')).toContain('  doubled: GeneratedAlways<number | null>;');
    expect(diagnostics.computed!.join('\n')).toMatch(/queries\.ts:6: [\s\S]*doubled/);
    expect(diagnostics.computed).toHaveLength(1);
  });

  it('a query on a column that does not exist fails to compile (the check can fail)', () => {
    expect(diagnostics.broken!.join('\n')).toMatch(/queries\.ts:4: [\s\S]*no_such_column/);
  });
});

describeEngines('types from the database', (fx) => {
  it('equal the types from the declaration on the migrated platform database', async () => {
    const conn = await openDatabase(await fx.config());
    try {
      await applyPlatform(conn, 'up');
      const live = typesFromSnapshot(await conn.introspect());
      const body = (s: string) => s.slice(s.indexOf(' */\n'));
      expect(body(live)).toBe(body(typesFromSchema(platform, fx.engine)));
      expect(live).toContain('from the live database');
    } finally {
      await conn.close();
    }
  });
}, ['postgres', 'sqlite', 'duckdb']);

describe('eventdb types (CLI)', () => {
  it('writes the file, --check exits 0 when fresh and 1 when stale, writing nothing', async () => {
    const dir = join(work, 'cli');
    mkdirSync(dir);
    const env = { EVENTDB_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, EVENTDB_SCHEMA_DIR: SCHEMA_DIR };
    const file = join(dir, 'src', 'database.ts');

    const missing = await runCli(['types', '--check', '--json'], { env, cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.json()).toMatchObject({ ok: false, stale: true, file });
    expect(existsSync(file)).toBe(false);

    const w = await runCli(['types', '--json'], { env, cwd: dir });
    expect(w.code).toBe(0);
    expect(w.json()).toMatchObject({ ok: true, written: true, file, engine: 'sqlite', from: 'schema', tables: 13 });
    expect(readFileSync(file, 'utf8')).toBe(typesFromSchema(platform, 'sqlite'));

    const fresh = await runCli(['types', '--check'], { env, cwd: dir });
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toContain('up to date');

    writeFileSync(file, readFileSync(file, 'utf8').replace('email: string;', 'email: number;'));
    const edited = readFileSync(file, 'utf8');
    const stale = await runCli(['types', '--check'], { env, cwd: dir });
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain('stale');
    expect(readFileSync(file, 'utf8')).toBe(edited);

    const bad = await runCli(['types', '--from', 'nowhere', '--json'], { env, cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.json().error).toMatchObject({ code: 'USAGE', message: 'unknown --from "nowhere"' });
    expect(readFileSync(file, 'utf8')).toBe(edited);
  });
});
