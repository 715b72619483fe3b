import { describe, expect, it } from 'vitest';
import platform from '../../schema/index.js';
import * as lib from '../../src/index.js';
import { FAMILY_HELPERS } from '../../src/dialects/declaration-facts.js';
import { engineEntry, sqlEngines } from '../../src/dialects/registry.js';
import { typeFamily } from '../../src/dialects/type-family.js';
import { bigint, char, check, defaults, defineSchema, enumColumn, enumType, FAMILY_TYPES, foreignKey, index, numeric, table, text, timestamptz, unique, varchar } from '../../src/schema/authoring.js';
import { validateExpectedSchema } from '../../src/schema/shape.js';
import before from './fixtures/platform-schema-before-authoring.js';

describe('schema authoring API', () => {
  it('schema/index.ts, rewritten with it, declares exactly what the hand-written declaration did', () => {
    expect(JSON.parse(JSON.stringify(platform))).toEqual(JSON.parse(JSON.stringify(before)));
    expect(platform).toEqual(before);
  });

  it('is exported from the package', () => {
    for (const name of ['defineSchema', 'table', 'text', 'varchar', 'integer', 'bigint', 'smallint', 'numeric', 'real', 'double', 'boolean', 'timestamptz', 'timestamp', 'date', 'time', 'json', 'jsonb', 'uuid', 'bytes', 'enumColumn', 'enumType', 'index', 'unique', 'foreignKey', 'check', 'column', 'pullSchema', 'generateTypes']) {
      expect(typeof (lib as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('maps a family to each engine, with per-engine overrides collapsing to one name when all agree', () => {
    expect(text('a').type).toEqual({ postgres: 'text', sqlite: 'text', duckdb: 'varchar' });
    expect(text('a', { type: { duckdb: 'text' } }).type).toBe('text');
    expect(varchar('a', 40).type).toEqual({ postgres: 'character varying(40)', sqlite: 'varchar(40)', duckdb: 'varchar' });
    expect(numeric('p', 10, 2)).toEqual({ name: 'p', family: 'decimal', nullable: false, type: { postgres: 'numeric(10,2)', sqlite: 'numeric(10,2)', duckdb: 'decimal(10,2)' } });
    expect(bigint('id', { type: { duckdb: 'hugeint' }, nullable: true })).toEqual({ name: 'id', family: 'integer', nullable: true, type: { postgres: 'bigint', sqlite: 'integer', duckdb: 'hugeint' } });
    expect(enumColumn('rating', 'mpaa_rating').type).toEqual({ postgres: 'mpaa_rating', sqlite: 'text', duckdb: 'mpaa_rating' });
  });

  it('builds tables, indexes, foreign keys with both actions, checks and enums that pass the shape check', () => {
    const s = defineSchema({
      enums: [enumType('mood', ['sad', 'ok', 'happy'])],
      tables: [
        table('users', { columns: [bigint('id'), text('email'), enumColumn('mood', 'mood', { nullable: true })], primaryKey: ['id'], indexes: [unique('users_email_key', ['lower(email)']), index('users_mood_idx', ['mood'], { where: 'mood IS NOT NULL' })] }),
        table('posts', {
          columns: [bigint('id'), bigint('user_id'), timestamptz('at')],
          primaryKey: ['id'],
          foreignKeys: [foreignKey('user_id', 'users', 'id', { onDelete: 'CASCADE', onUpdate: 'SET NULL' })],
          checks: [check('posts_id_positive', 'id > 0')],
        }),
        table('log', { columns: [text('line')], required: false }),
      ],
    });
    const v = validateExpectedSchema(JSON.parse(JSON.stringify(s)), 'x.ts');
    expect(v.enums).toEqual([{ name: 'mood', values: ['sad', 'ok', 'happy'] }]);
    expect(v.tables[1]!.foreignKeys).toEqual([{ columns: ['user_id'], references: { table: 'users', columns: ['id'] }, onDelete: 'CASCADE', onUpdate: 'SET NULL' }]);
    expect(v.tables[1]!.checks).toEqual([{ name: 'posts_id_positive', expression: 'id > 0' }]);
    expect(v.tables[2]).toMatchObject({ name: 'log', required: false, primaryKey: [] });
  });

  it('refuses a check without an expression and an enum listing a value twice, naming the path', () => {
    const base = () => JSON.parse(JSON.stringify(defineSchema({ tables: [table('t', { columns: [text('a')] })] })));
    const s1 = base();
    s1.tables[0].checks = [{ name: 'c' }];
    expect(() => validateExpectedSchema(s1, 'x.ts')).toThrow(/tables\[0\]\.checks\[0\]\.expression: must be a non-empty string/);
    const s2 = base();
    s2.enums = [{ name: 'e', values: ['a', 'a'] }];
    expect(() => validateExpectedSchema(s2, 'x.ts')).toThrow(/enums\[0\]\.values\[1\]: "a" is listed twice/);
  });

  it('takes every engine type name from the engine\'s declaration facts (src/dialects/<engine>/declaration-facts.ts), for each engine in the registry', () => {
    expect(sqlEngines()).toEqual(['postgres', 'sqlite', 'duckdb']);
    for (const engine of sqlEngines()) {
      const facts = engineEntry(engine).declaration.authoring;
      for (const h of FAMILY_HELPERS) expect(FAMILY_TYPES[h][engine], `${h} on ${engine}`).toBe(facts.families[h]);
      expect(defaults.now[engine]).toBe(facts.now);
      const pick = (t: string | Partial<Record<string, string>>) => (typeof t === 'string' ? t : t[engine]);
      expect(pick(varchar('v', 12).type)).toBe(facts.varchar(12));
      expect(pick(char('c', 3).type)).toBe(facts.char(3));
      expect(pick(numeric('n', 9, 4).type)).toBe(facts.numeric(9, 4));
      expect(pick(numeric('n').type)).toBe(facts.numeric());
      expect(pick(enumColumn('e', 'mood').type)).toBe(facts.enumColumn('mood'));
    }
  });

  it('writes what each engine\'s schema pull reads back: sized helpers come back with their sizes, family helpers in their family', () => {
    for (const engine of sqlEngines()) {
      const facts = engineEntry(engine).declaration;
      const a = facts.authoring;
      if (engine === 'duckdb') {
        // DuckDB keeps no text length: varchar and char are its plain text type, read back by text()
        expect([a.varchar(12), a.char(3)]).toEqual([a.families.text, a.families.text]);
      } else {
        expect(facts.sized('text', a.varchar(12)), engine).toEqual({ helper: 'varchar', args: ['12'] });
        expect(facts.sized('text', a.char(3)), engine).toEqual({ helper: 'char', args: ['3'] });
      }
      expect(facts.sized('decimal', a.numeric(9, 4)), engine).toEqual({ helper: 'numeric', args: ['9', '4'] });
      expect(facts.sized('decimal', a.numeric()), engine).toEqual({ helper: 'numeric', args: [] });
      const families: Record<string, string> = { bigint: 'integer', smallint: 'integer', real: 'float', double: 'float', jsonb: 'json', bytes: 'binary' };
      // SQLite keeps no interval or uuid type: those helpers store text there
      for (const h of FAMILY_HELPERS.filter((x) => !(engine === 'sqlite' && (x === 'interval' || x === 'uuid')))) {
        expect(typeFamily(a.families[h]), `${h} on ${engine}`).toBe(families[h] ?? h);
      }
    }
  });
});
