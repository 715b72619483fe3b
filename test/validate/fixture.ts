import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Connection } from '../../src/dialects/types.js';
import type { ExpectedSchema } from '../../src/schema/model.js';

const id = { postgres: 'bigint', sqlite: 'integer', duckdb: 'bigint' };

/** A small expected schema: a reference table, two related tables, an optional table and a data rule. */
export function smallSchema(): ExpectedSchema {
  return {
    formatVersion: 1,
    tables: [
      {
        name: 'tiers',
        required: true,
        columns: [
          { name: 'code', family: 'text', nullable: false, type: 'text' },
          { name: 'label', family: 'text', nullable: false, type: 'text' },
        ],
        primaryKey: ['code'],
        referenceRows: [
          { code: 'platinum', label: 'Platinum' },
          { code: 'diamond', label: "Diamond's" },
          { code: 'black', label: 'Black' },
        ],
      },
      {
        name: 'venues',
        required: true,
        columns: [
          { name: 'id', family: 'integer', nullable: false, type: id },
          { name: 'name', family: 'text', nullable: false, type: 'text' },
          { name: 'capacity', family: 'integer', nullable: false, type: 'integer', default: '0' },
        ],
        primaryKey: ['id'],
        indexes: [{ name: 'venues_name_idx', columns: ['name'] }],
      },
      {
        name: 'events',
        required: true,
        columns: [
          { name: 'id', family: 'integer', nullable: false, type: id },
          { name: 'venue_id', family: 'integer', nullable: false, type: id },
          { name: 'title', family: 'text', nullable: false, type: 'text' },
          { name: 'starts_at', family: 'timestamptz', nullable: true, type: { postgres: 'timestamptz', sqlite: 'timestamptz', duckdb: 'timestamptz' } },
        ],
        primaryKey: ['id'],
        indexes: [{ name: 'events_venue_idx', columns: ['venue_id'] }],
        foreignKeys: [{ columns: ['venue_id'], references: { table: 'venues', columns: ['id'] }, onDelete: 'CASCADE' }],
      },
      {
        name: 'notes',
        required: false,
        columns: [
          { name: 'id', family: 'integer', nullable: false, type: id },
          { name: 'body', family: 'text', nullable: true, type: 'text' },
        ],
        primaryKey: ['id'],
      },
    ],
    rules: [
      { name: 'no_negative_capacity', kind: 'negative', description: 'venue capacity is never negative', table: 'venues', sql: 'select id as key from venues where capacity < 0 order by id', level: 'error' },
    ],
  };
}

/** The DDL that makes the live database exactly the small schema (FK actions: DuckDB has none). */
export function fullDdl(engine: string): string[] {
  const t = engine === 'sqlite' ? 'integer' : 'bigint';
  const cascade = engine === 'duckdb' ? '' : ' on delete cascade';
  return [
    'create table tiers (code text not null primary key, label text not null)',
    "insert into tiers values ('platinum', 'Platinum'), ('diamond', 'Diamond''s'), ('black', 'Black')",
    `create table venues (id ${t} not null primary key, name text not null, capacity integer not null default 0)`,
    'create index venues_name_idx on venues (name)',
    `create table events (id ${t} not null primary key, venue_id ${t} not null references venues (id)${cascade}, title text not null, starts_at timestamptz)`,
    'create index events_venue_idx on events (venue_id)',
    `create table notes (id ${t} not null primary key, body text)`,
  ];
}

export async function exec(conn: Connection, statements: string[]): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(conn.db);
}

export async function tableNames(conn: Connection): Promise<string[]> {
  return (await conn.introspect()).tables.map((t) => t.name).sort();
}

export function writeSchemaDir(dir: string, schema: ExpectedSchema = smallSchema()): string {
  const d = join(dir, 'schema');
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'schema.json'), JSON.stringify(schema, null, 2));
  return d;
}
