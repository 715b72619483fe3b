import { describe, expect, it } from 'vitest';
import { generatedColumns } from '../../src/dialects/generated-columns.js';
import { ddlFor } from '../../src/dialects/ddl.js';
import { sequenceOf } from '../../src/dialects/sequences.js';
import type { SchemaSnapshot } from '../../src/dialects/types.js';
import * as A from '../../src/schema/authoring.js';
import { planSchemaChange } from '../../src/schema/generate/plan.js';

describe('generated columns read from a CREATE TABLE text (SQLite, DuckDB)', () => {
  it('finds each generated column, its expression as written and its kind; quotes, nested parentheses and constraints do not confuse it', () => {
    const text = `CREATE TABLE "a(b" ("x,y" integer, [s] text default 'as (1)', "Total" real GENERATED ALWAYS AS (price * (qty + 1)) STORED,
      v text as (upper('a,b)' || "x,y")), w integer generated always as (1) virtual not null, constraint c check (x > 0), k integer as(2)stored)`;
    const g = generatedColumns(text);
    expect([...g.entries()]).toEqual([
      ['total', { expression: 'price * (qty + 1)', stored: true }],
      ['v', { expression: `upper('a,b)' || "x,y")`, stored: false }],
      ['w', { expression: '1', stored: false }],
      ['k', { expression: '2', stored: true }],
    ]);
  });

  it('reads DuckDB\'s own form and finds none in a table without generated columns', () => {
    expect([...generatedColumns('CREATE TABLE t3(a INTEGER, b INTEGER GENERATED ALWAYS AS((a * 2)), c INTEGER DEFAULT(3));').entries()]).toEqual([['b', { expression: '(a * 2)', stored: false }]]);
    expect(generatedColumns('create table t (id integer primary key, a text default (cast(1 as text)))').size).toBe(0);
  });
});

describe('the sequence of a nextval default (PostgreSQL)', () => {
  it('gives the name as written and as the catalog lists it; other defaults have none', () => {
    expect(sequenceOf(`nextval('actor_actor_id_seq'::regclass)`)).toEqual({ sql: 'actor_actor_id_seq', name: 'actor_actor_id_seq' });
    expect(sequenceOf(`nextval('public."Odd Seq"'::regclass)`)).toEqual({ sql: 'public."Odd Seq"', name: 'Odd Seq' });
    expect(sequenceOf(`now()`)).toBeUndefined();
    expect(sequenceOf(`(nextval('s'::regclass) + 1)`)).toBeUndefined();
  });
});

describe('CREATE TABLE with a foreign key on a generated column', () => {
  it('keeps the key a table constraint with both actions; the column definition carries only its expression', () => {
    const table = {
      name: 'c',
      columns: [{ name: 'id', type: 'integer', nullable: false }, { name: 'pid', type: 'integer', nullable: true, generated: { expression: 'id / 10', stored: true } }],
      primaryKey: ['id'],
      foreignKeys: [{ name: 'c_pid_fkey', columns: ['pid'], refTable: 'p', refColumns: ['id'], onDelete: 'CASCADE', onUpdate: 'SET NULL' }],
    };
    for (const engine of ['postgres', 'sqlite'] as const) {
      expect(ddlFor(engine).createTable(table)).toBe('create table "c" ("id" integer not null, "pid" integer generated always as (id / 10) stored, constraint "c_pkey" primary key ("id"), constraint "c_pid_fkey" foreign key ("pid") references "p" ("id") on delete CASCADE on update SET NULL)');
    }
    expect(ddlFor('duckdb').createTable({ ...table, columns: [table.columns[0]!, { ...table.columns[1]!, generated: { expression: 'id / 10', stored: false } }] })).toBe(
      'create table "c" ("id" integer not null, "pid" integer generated always as (id / 10) virtual, constraint "c_pkey" primary key ("id"), constraint "c_pid_fkey" foreign key ("pid") references "p" ("id"))',
    );
  });
});

describe('planning a plain column that becomes generated', () => {
  const live = (engine: 'sqlite' | 'postgres'): SchemaSnapshot => ({
    engine,
    schema: 'main',
    tables: [{ name: 't', primaryKey: ['id'], columns: [{ name: 'id', type: 'integer', family: 'integer', nullable: false, default: null, position: 1 }, { name: 'b', type: 'integer', family: 'integer', nullable: true, default: null, position: 2 }] }],
    indexes: [],
    foreignKeys: [],
    checks: [],
  });
  const declared = (engine: 'sqlite' | 'postgres', stored: boolean) =>
    A.defineSchema({ engines: [engine], tables: [A.table('t', { columns: [A.integer('id'), A.integer('b', { nullable: true, generated: { expression: 'id * 2', stored } })], primaryKey: ['id'] })] });

  it('is left out without allowDrop (its data would be replaced), on SQLite and PostgreSQL', () => {
    for (const engine of ['sqlite', 'postgres'] as const) {
      const plan = planSchemaChange(live(engine), declared(engine, true), engine);
      expect(plan.steps).toEqual([]);
      expect(plan.omitted).toEqual([{ change: 'make t.b a generated column', reason: 'its values would be replaced by computed ones; that needs allowDrop' }]);
    }
  });

  it('with allowDrop: SQLite rebuilds without copying into it; PostgreSQL drops and adds it stored', () => {
    const sqlite = planSchemaChange(live('sqlite'), declared('sqlite', false), 'sqlite', { allowDrop: true }).steps.flatMap((s) => s.up);
    expect(sqlite).toContain('create table "t__new" ("id" integer not null, "b" integer generated always as (id * 2) virtual, constraint "t__new_pkey" primary key ("id"))');
    expect(sqlite).toContain('insert into "t__new" ("id") select "id" from "t"');
    const pg = planSchemaChange(live('postgres'), declared('postgres', true), 'postgres', { allowDrop: true }).steps.flatMap((s) => s.up);
    expect(pg).toEqual(['alter table "t" drop column "b"', 'alter table "t" add column "b" integer generated always as (id * 2) stored']);
  });
});

describe('a generated column of a kind the engine lacks', () => {
  it('is refused when its table is created (PostgreSQL: virtual, DuckDB: stored), naming the column and the fix', () => {
    const decl = A.defineSchema({ tables: [A.table('g', { columns: [A.integer('id'), A.integer('v', { nullable: true, generated: { expression: 'id * 2', stored: { postgres: false, duckdb: true, sqlite: true } } })], primaryKey: ['id'] })] });
    const empty = (engine: 'postgres' | 'duckdb' | 'sqlite'): SchemaSnapshot => ({ engine, schema: 'main', tables: [], indexes: [], foreignKeys: [], checks: [] });
    expect(planSchemaChange(empty('postgres'), decl, 'postgres').refused).toEqual([{ change: 'create g with generated column v', reason: 'PostgreSQL has no virtual generated columns (declare `stored: { postgres: true }`)' }]);
    expect(planSchemaChange(empty('duckdb'), decl, 'duckdb').refused).toEqual([{ change: 'create g with generated column v', reason: 'DuckDB has no stored generated columns (declare `stored: { duckdb: false }`)' }]);
    expect(planSchemaChange(empty('sqlite'), decl, 'sqlite').refused).toEqual([]);
  });
});
