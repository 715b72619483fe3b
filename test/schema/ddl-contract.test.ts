/**
 * The per-engine DDL contract (issue #16): reachable from the engine id without a connection, the
 * same SQL as before for what every engine shares, and a refusal naming the change where an engine
 * cannot alter in place.
 */
import { describe, expect, it } from 'vitest';
import { ddlFor } from '../../src/dialects/ddl.js';
import { engineEntry } from '../../src/dialects/registry.js';
import { EventdbError } from '../../src/errors.js';

const fk = { name: 'r_m_fkey', columns: ['m_id'], refTable: 'm', refColumns: ['id'], onDelete: 'CASCADE', onUpdate: 'SET NULL' };

describe('SchemaDdl per engine', () => {
  it('the registry loads each engine\'s DDL without a connection; PGlite shares PostgreSQL\'s', async () => {
    expect(await engineEntry('postgres').loadDdl()).toBe(ddlFor('postgres'));
    expect(await engineEntry('postgres', 'pglite').loadDdl()).toBe(ddlFor('postgres'));
    expect(await engineEntry('sqlite').loadDdl()).toBe(ddlFor('sqlite'));
    expect(await engineEntry('duckdb').loadDdl()).toBe(ddlFor('duckdb'));
    expect(() => ddlFor('oracle' as never)).toThrow(EventdbError);
    expect(() => ddlFor('oracle' as never)).toThrow('unknown engine "oracle"');
  });

  it('foreign keys keep every action clause where the engine takes them; DuckDB writes none', () => {
    const t = { name: 'r', columns: [{ name: 'id', type: 'integer', nullable: false }, { name: 'm_id', type: 'integer', nullable: true }], primaryKey: ['id'], foreignKeys: [fk], checks: [{ name: 'r_id_check', expression: 'id > 0' }] };
    const clause = 'constraint "r_m_fkey" foreign key ("m_id") references "m" ("id")';
    expect(ddlFor('postgres').createTable(t)).toBe(`create table "r" ("id" integer not null, "m_id" integer, constraint "r_pkey" primary key ("id"), ${clause} on delete CASCADE on update SET NULL, constraint "r_id_check" check (id > 0))`);
    expect(ddlFor('sqlite').createTable(t)).toBe(`create table "r" ("id" integer not null, "m_id" integer, constraint "r_pkey" primary key ("id"), ${clause} on delete CASCADE on update SET NULL, constraint "r_id_check" check (id > 0))`);
    expect(ddlFor('duckdb').createTable(t)).toBe(`create table "r" ("id" integer not null, "m_id" integer, constraint "r_pkey" primary key ("id"), ${clause}, constraint "r_id_check" check (id > 0))`);
    expect(ddlFor('postgres').addForeignKey('r', fk, { notValid: true })).toBe(`alter table "r" add ${clause} on delete CASCADE on update SET NULL not valid`);
  });

  it('what an engine cannot alter in place is a refusal naming the change, not SQL', () => {
    const col = { name: 'v', type: 'bigint', nullable: true };
    expect(ddlFor('sqlite').alterColumnType('t', col)).toEqual({ refused: 'alter type of t.v', reason: 'SQLite cannot alter type of t.v in place: rebuild the table' });
    expect(ddlFor('sqlite').addForeignKey('r', fk)).toEqual({ refused: 'add foreign key r_m_fkey on r', reason: 'SQLite cannot add foreign key r_m_fkey on r in place: rebuild the table' });
    expect(ddlFor('duckdb').addCheck('t', { name: 'c', expression: 'v > 0' })).toEqual({ refused: 'add check c on t', reason: 'DuckDB cannot add a check to an existing table (ALTER TABLE has no ADD CONSTRAINT)' });
    expect(ddlFor('duckdb').dropConstraint('t', 'c')).toEqual({ refused: 'drop constraint c on t', reason: 'DuckDB cannot drop a constraint of an existing table (ALTER TABLE has no DROP CONSTRAINT)' });
    expect(ddlFor('postgres').alterColumnType('t', col)).toBe('alter table "t" alter column "v" type bigint using "v"::bigint');
  });

  it('DuckDB adds a NOT NULL column in two statements; the others in one', () => {
    const col = { name: 'v', type: 'integer', nullable: false, default: '0' };
    expect(ddlFor('duckdb').addColumn('t', col)).toEqual(['alter table "t" add column "v" integer default 0', 'alter table "t" alter column "v" set not null']);
    expect(ddlFor('sqlite').addColumn('t', col)).toEqual(['alter table "t" add column "v" integer default 0 not null']);
  });

  it('declared types compare as each engine reports them', () => {
    const pg = ddlFor('postgres');
    expect(pg.canonicalType('varchar(20)')).toBe(pg.canonicalType('character varying(20)'));
    expect(pg.canonicalType('timestamptz')).toBe('timestamp with time zone');
    expect(pg.canonicalType('timestamp')).toBe('timestamp without time zone');
    expect(pg.canonicalType('int')).toBe('integer');
    expect(pg.canonicalType('int8')).not.toBe(pg.canonicalType('int4'));
    const duck = ddlFor('duckdb');
    expect(duck.canonicalType('text')).toBe(duck.canonicalType('VARCHAR'));
    expect(duck.canonicalType('numeric')).toBe('decimal(18,3)');
    expect(duck.canonicalDefault("CAST('t' AS BOOLEAN)")).toBe(duck.canonicalDefault('true'));
    expect(pg.isVolatile('gen_random_uuid()')).toBe(true);
    expect(pg.isVolatile('now()')).toBe(false);
  });
});
