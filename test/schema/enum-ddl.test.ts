/**
 * Each engine's DDL for enumerated types (issue 17): PostgreSQL writes every change, DuckDB creates
 * and drops types but refuses ALTER TYPE naming the change, SQLite has no enum type and refuses all.
 */
import { describe, expect, it } from 'vitest';
import { ddlFor } from '../../src/dialects/ddl.js';
import { enumTypeSql, withEnumTypes } from '../../src/dialects/enum-ddl.js';

describe('SchemaDdl: enum types', () => {
  it('PostgreSQL: create, drop, rename, add a value before or after, a column through text, atomic as one DO block', () => {
    const pg = ddlFor('postgres');
    expect(pg.facts.enumTypes).toBe(true);
    expect(pg.createEnum('mood', ['a', "it's"])).toBe(`create type "mood" as enum ('a', 'it''s')`);
    expect(pg.dropEnum('mood')).toBe('drop type "mood"');
    expect(pg.renameEnum('mood__new', 'mood')).toBe('alter type "mood__new" rename to "mood"');
    expect(pg.addEnumValue('mood', 'b', { after: 'a' })).toBe(`alter type "mood" add value 'b' after 'a'`);
    expect(pg.addEnumValue('mood', 'z', { before: 'a' })).toBe(`alter type "mood" add value 'z' before 'a'`);
    expect(pg.addEnumValue('mood', 'c')).toBe(`alter type "mood" add value 'c'`);
    expect(pg.alterColumnToEnum('t', 's', 'mood')).toBe('alter table "t" alter column "s" type "mood" using "s"::text::"mood"');
    expect(pg.atomic(['drop type "a";', 'drop type "b"'])).toEqual(['do $$ begin drop type "a"; drop type "b"; end $$']);
  });

  it('DuckDB: CREATE and DROP TYPE; ALTER TYPE is a refusal naming the change', () => {
    const duck = ddlFor('duckdb');
    expect(duck.facts.enumTypes).toBe(true);
    expect(duck.createEnum('mood', ['a'])).toBe(`create type "mood" as enum ('a')`);
    expect(duck.dropEnum('mood')).toBe('drop type "mood"');
    expect(duck.addEnumValue('mood', 'b', { after: 'a' })).toEqual({ refused: "add value 'b' to enum type mood", reason: 'DuckDB cannot add a value to an enumerated type (no ALTER TYPE … ADD VALUE)' });
    expect(duck.renameEnum('mood', 'x')).toEqual({ refused: 'rename enum type mood', reason: 'DuckDB cannot rename an enumerated type' });
    expect(duck.atomic(['a', 'b'])).toEqual(['a', 'b']);
  });

  it('SQLite: no enum types', () => {
    const lite = ddlFor('sqlite');
    expect(lite.facts.enumTypes).toBe(false);
    expect(lite.createEnum('mood', ['a'])).toEqual({ refused: 'create enum type mood', reason: 'SQLite cannot create an enumerated type (it has none: declare the column text, with a check)' });
    expect(lite.alterColumnToEnum('t', 's', 'mood')).toEqual({ refused: 'change t.s to enum type mood', reason: 'SQLite cannot change a column to an enumerated type' });
  });

  it('a column of an enum type whose name needs quotes (issue 17): quoted as format_type writes it, arrays too; other types as written', () => {
    expect(['mood', 'Mood_2', 'my mood', 'a"b', 'user', 'time', 'mood83'].map(enumTypeSql)).toEqual(['mood', '"Mood_2"', '"my mood"', '"a""b"', '"user"', '"time"', 'mood83']);
    const pg = withEnumTypes(ddlFor('postgres'), new Set(['Mood_2', 'mood']));
    const cols = [
      { name: 'a', type: 'Mood_2', nullable: false, default: "'x'" },
      { name: 'b', type: 'Mood_2[]', nullable: true },
      { name: 'c', type: 'mood', nullable: true },
      { name: 'd', type: 'TEXT', nullable: true },
    ];
    expect(pg.createTable({ name: 't', columns: cols, primaryKey: [] })).toBe(`create table "t" ("a" "Mood_2" default 'x' not null, "b" "Mood_2"[], "c" mood, "d" TEXT)`);
    expect(pg.addColumn('t', cols[1]!)).toEqual([`alter table "t" add column "b" "Mood_2"[]`]);
    expect(pg.alterColumnType('t', cols[0]!)).toBe(`alter table "t" alter column "a" type "Mood_2" using "a"::"Mood_2"`);
    expect(pg.alterColumnToEnum('t', 'b', 'Mood_2__new', { array: true })).toBe(`alter table "t" alter column "b" type "Mood_2__new"[] using "b"::text[]::"Mood_2__new"[]`);
    // SQLite has no enum types: nothing to quote
    expect(withEnumTypes(ddlFor('sqlite'), new Set()).createTable({ name: 't', columns: [cols[3]!], primaryKey: [] })).toBe(`create table "t" ("d" TEXT)`);
  });
});
