import { describe, expect, it } from 'vitest';
import { generatedColumns } from '../../src/dialects/generated-columns.js';
import { ddlFor } from '../../src/dialects/ddl.js';
import { sequenceOf } from '../../src/dialects/postgres/sequences.js';

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
